from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectField
from wtforms.validators import DataRequired, Email, Length

from ..i18n import LANGUAGE_NAMES


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(), Email(), Length(max=254)],
        render_kw={"autocomplete": "username", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()


class LanguageForm(FlaskForm):
    language = SelectField(_l("Language"), choices=list(LANGUAGE_NAMES.items()))
    next = HiddenField()


class SudoForm(FlaskForm):
    """Confirm the password before a sensitive action (sudo mode)."""

    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()
    # The form that asked for the confirmation, as JSON [[name, value], ...], sent on afterwards.
    carried = HiddenField()
