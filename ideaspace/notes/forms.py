"""Forms of a notes wall: post a note; moderators name groups and put notes in them."""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import ValidationError

from ..forms import single_line
from ..inputs import IdField
from . import service


class NoteForm(FlaskForm):
    text = TextAreaField(_l("Your note"), render_kw={"maxlength": service.MAX_LENGTH, "rows": 2})
    next = HiddenField()

    def validate_text(self, field):
        try:
            field.data = service.clean_note(field.data)
        except service.NoteError as error:
            raise ValidationError(str(error.message)) from None


class GroupForm(FlaskForm):
    label = StringField(
        _l("Name of the new group"),
        validators=[single_line],
        render_kw={"maxlength": service.GROUP_LABEL_MAX},
    )

    def validate_label(self, field):
        from ..sanitize import clean_text

        value = clean_text(field.data)
        if not value:
            raise ValidationError(_l("Give the group a name."))
        if len(value) > service.GROUP_LABEL_MAX:
            raise ValidationError(
                gettext("A group name can be at most %(max)d characters long.", max=service.GROUP_LABEL_MAX)
            )


class AssignForm(FlaskForm):
    # Empty: take the note out of its group.
    group_id = IdField()
