"""A form per instance setting, by its kind (text, colour, yes/no, file)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length

from .service import BOOL, FILE, Setting


def setting_form(setting: Setting, **kwargs) -> FlaskForm:
    """The form that changes `setting`; its fields are prefixed with the key (unique on the page)."""

    class SettingForm(FlaskForm):
        pass

    if setting.kind == BOOL:
        SettingForm.value = BooleanField(setting.label)
    elif setting.kind == FILE:
        SettingForm.value = FileField(setting.label, validators=[FileRequired(_l("Choose a file."))])
    else:
        SettingForm.value = StringField(
            setting.label, validators=[DataRequired(), Length(max=200)], render_kw={"autocomplete": "off"}
        )
    return SettingForm(prefix=setting.key, **kwargs)
