from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from ..i18n import LANGUAGE_NAMES
from ..labels import options


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
    language = SelectField(_l("Language"), choices=options(LANGUAGE_NAMES.items()))
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


class LinkRequestForm(FlaskForm):
    """Ask for a sign-in link (or a password reset link) by email."""

    email = EmailField(
        _l("Email"),
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[DataRequired(), Email(), Length(max=254)],
        render_kw={"autocomplete": "username", "spellcheck": "false"},
    )


class NewPasswordForm(FlaskForm):
    """Choose a password (twice); the rules themselves are links.check_password_rules."""

    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=200)],
        description=_l(
            "At least 12 characters; not your email address. A few words in a row are easy to remember."
        ),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords are not the same."))],
        render_kw={"autocomplete": "new-password"},
    )


class ChangePasswordForm(NewPasswordForm):
    """Change a password: the current one too, unless the person has just signed in (sudo mode)."""

    current = PasswordField(
        _l("Current password"),
        validators=[Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
