"""The image form: a file and its alternative text (per language for covers, one for an idea)."""

from __future__ import annotations

from functools import cache

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField
from wtforms.validators import Length

from ..forms import localized_field, single_line
from .service import ALT_MAX

FILE_LABEL = _l("Image file (JPEG, PNG or WebP)")
ACCEPT = "image/jpeg,image/png,image/webp"


@cache
def cover_form(primary: str) -> type[FlaskForm]:
    """A workspace's or theme's cover: alt text in every language, required in the primary one."""

    class CoverForm(FlaskForm):
        image = FileField(FILE_LABEL, render_kw={"accept": ACCEPT})
        alt = localized_field(_l("Alternative text"), max_length=ALT_MAX, primary=primary)

        def alt_value(self):
            return self.alt.data

    return CoverForm


class IdeaImageForm(FlaskForm):
    """An idea's picture: ideas are written in one language, and so is its alt text."""

    image = FileField(FILE_LABEL, render_kw={"accept": ACCEPT})
    alt = StringField(
        _l("Alternative text"),
        validators=[single_line, Length(max=ALT_MAX)],
        render_kw={"maxlength": ALT_MAX, "required": True},
    )

    def alt_value(self):
        return self.alt.data
