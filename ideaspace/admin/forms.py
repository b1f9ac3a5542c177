"""Forms of the admin pages: people, units, and the filters of the people list."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, Form, PasswordField, SearchField, SelectField, StringField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from ..forms import localized_field, single_line
from ..i18n import LANGUAGE_NAMES
from ..inputs import optional_id
from ..labels import choices
from ..models import Role

PASSWORD_MIN = 12


def optional_role(value):
    if value in (None, "", "None"):
        return None
    return Role(value)


class UserForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=200), single_line],
        render_kw={"autocomplete": "off"},
    )
    email = EmailField(
        _l("Email"), validators=[DataRequired(), Email(), Length(max=254)], render_kw={"autocomplete": "off"}
    )
    role = SelectField(_l("Role"), coerce=Role, default=Role.PARTICIPANT.value, validators=[InputRequired()])
    unit = SelectField(_l("Unit"), coerce=optional_id)
    locale = SelectField(_l("Language"), coerce=lambda v: v or None)
    active = BooleanField(_l("Active: may sign in"), default=True)
    password = PasswordField(
        _l("New password"),
        validators=[Optional(), Length(min=PASSWORD_MIN, max=200)],
        render_kw={"autocomplete": "new-password"},
    )

    def __init__(self, *args, unit_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = choices(Role)
        self.unit.choices = unit_choices
        self.locale.choices = [("", _l("Not chosen (follows the browser)")), *LANGUAGE_NAMES.items()]


class UnitForm(FlaskForm):
    name = localized_field(_l("Name"), max_length=200)
    code = StringField(_l("Code"), validators=[Optional(), Length(max=64), single_line])
    parent = SelectField(_l("Parent unit"), coerce=optional_id)

    def __init__(self, *args, unit_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.parent.choices = unit_choices


class UserFilterForm(Form):
    """The filters of the people list, read from the query string (a GET form, no CSRF)."""

    q = SearchField(_l("Search by name or email"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), coerce=optional_role, validators=[Optional()])
    unit = SelectField(_l("Unit"), coerce=optional_id, validators=[Optional()])

    def __init__(self, *args, unit_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [("", _l("All roles")), *choices(Role)]
        self.unit.choices = unit_choices
