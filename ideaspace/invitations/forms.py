from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Form, SearchField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import Length, Optional

from ..inputs import optional_id
from . import batch, roster


class InviteForm(FlaskForm):
    units = SelectMultipleField(_l("Units"), coerce=int, choices=[], validate_choice=True)
    include_subunits = BooleanField(_l("Include their sub-units"), default=True)
    emails = TextAreaField(
        _l("Email addresses"),
        validators=[Length(max=100_000)],
        description=_l("One or more addresses, separated by spaces, commas or new lines."),
    )
    # Shown only while the instance setting lets moderators invite new addresses.
    new_unit = SelectField(
        _l("Unit for new people"),
        coerce=optional_id,
        validators=[Optional()],
        description=_l("Addresses nobody has yet become participants in this unit."),
    )

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if not self.units.data and not batch.split(self.emails.data):
            self.units.errors = [
                *self.units.errors,
                _l("Choose at least one unit or write an email address."),
            ]
            return False
        return True


class RosterFilterForm(Form):
    """The filters of the invited list, read from the query string (a GET form, no CSRF)."""

    q = SearchField(_l("Search by name or email"), validators=[Optional(), Length(max=200)])
    unit = SelectField(_l("Unit"), coerce=optional_id, validators=[Optional()])
    state = SelectField(_l("Taken part"), validators=[Optional()])

    def __init__(self, *args, unit_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit.choices = unit_choices
        self.state.choices = [
            ("", _l("Everyone invited")),
            (roster.NOT_VISITED, _l("Not visited")),
            (roster.VISITED, _l("Visited, not contributed")),
            (roster.CONTRIBUTED, _l("Contributed")),
        ]
