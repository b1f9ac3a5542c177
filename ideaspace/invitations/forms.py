import re

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectMultipleField, TextAreaField
from wtforms.validators import Length, ValidationError

from ..people.service import EMAIL_RE

SEPARATORS = re.compile(r"[\s,;]+")


def split_emails(text: str | None) -> list[str]:
    return [part.strip().lower() for part in SEPARATORS.split(text or "") if part.strip()]


class InviteForm(FlaskForm):
    units = SelectMultipleField(_l("Units"), coerce=int, choices=[], validate_choice=True)
    include_subunits = BooleanField(_l("Include their sub-units"), default=True)
    emails = TextAreaField(
        _l("Email addresses"),
        validators=[Length(max=100_000)],
        description=_l("One or more addresses, separated by spaces, commas or new lines."),
    )

    def validate_emails(self, field):
        bad = [email for email in split_emails(field.data) if not EMAIL_RE.match(email)]
        if bad:
            # gettext, not a lazy string: the addresses are what the person typed, and must be escaped
            listed = ", ".join(bad[:20])
            raise ValidationError(gettext("Not valid email addresses: %(emails)s", emails=listed))

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if not self.units.data and not split_emails(self.emails.data):
            self.units.errors = [
                *self.units.errors,
                _l("Choose at least one unit or write an email address."),
            ]
            return False
        return True
