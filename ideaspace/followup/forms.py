"""The form of a yearly reading: year, value (a decimal or empty), note."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, NumberRange, ValidationError

from ..forms import single_line
from .service import FIRST_YEAR, LAST_YEAR

MAX_VALUE = Decimal("1e12")


def parse_value(text: str | None) -> Decimal | None:
    """A decimal as people type it ("12,5", "1 200", "84.00"); None when left empty."""
    cleaned = (text or "").replace("\u00a0", "").replace(" ", "").replace(",", ".")
    if not cleaned:
        return None
    value = Decimal(cleaned)  # raises InvalidOperation
    if not value.is_finite() or abs(value) >= MAX_VALUE:
        raise InvalidOperation(cleaned)
    return value.quantize(Decimal("0.01"))


class ReadingForm(FlaskForm):
    year = IntegerField(
        _l("Year"),
        validators=[
            InputRequired(message=_l("Give the year, for example 2023.")),
            NumberRange(
                min=FIRST_YEAR,
                max=LAST_YEAR,
                # NumberRange fills in min and max: a lazy string takes a literal and nothing else
                message=_l("The year must be between %(min)d and %(max)d."),
            ),
        ],
    )
    value = StringField(
        _l("Value"),
        validators=[Length(max=40)],
        description=_l("A number such as 15 or 84,5; leave empty if there is no figure for the year."),
    )
    note = StringField(
        _l("Note (optional)"), validators=[Length(max=500), single_line], render_kw={"maxlength": 500}
    )
    submit = SubmitField(_l("Save the reading"))

    def validate_value(self, field):
        try:
            self.parsed_value = parse_value(field.data)
        except (InvalidOperation, ValueError):
            raise ValidationError(_l("Write the value as a number, for example 15 or 84,5.")) from None


class DeleteReadingForm(FlaskForm):
    submit = SubmitField(_l("Delete"))
