"""The erasure form: a reason, and an explicit confirmation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, TextAreaField
from wtforms.validators import DataRequired, Length


class EraseForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason"),
        validators=[
            DataRequired(_l("Give a reason.")),
            Length(max=500, message=_l("At most %(max)d characters.")),
        ],
        description=_l("For example, the person's request and its date. Written to the audit log."),
    )
    confirm = BooleanField(
        _l("I understand that the name, email address and password are removed for good."),
        validators=[DataRequired(_l("Confirm that you want to erase this person."))],
    )
