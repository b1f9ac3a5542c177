"""The form to pick or edit a quote."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length

from ..i18n import LANGUAGE_NAMES
from ..labels import choices, options
from ..models import Attribution
from .service import MAX_EXCERPT


class QuoteForm(FlaskForm):
    theme_id = SelectField(_l("Theme"), coerce=int, validators=[InputRequired()])
    excerpt = TextAreaField(
        _l("Quote"),
        validators=[Length(max=MAX_EXCERPT * 2)],
        description=_l(
            "The whole text, or delete words from the start and the end to keep one excerpt. "
            "Nothing may be changed in between: a quote is always word for word."
        ),
        render_kw={"rows": 6},
    )
    attribution = RadioField(_l("Attribution"), choices=choices(Attribution), default=Attribution.ROLE.value)
    language = SelectField(_l("Language of the quote"), choices=options(LANGUAGE_NAMES.items()))


class EditQuoteForm(QuoteForm):
    theme_id = None
