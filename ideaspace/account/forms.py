from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField

from ..i18n import LANGUAGE_NAMES
from ..labels import options


class SettingsForm(FlaskForm):
    language = SelectField(_l("Language"), choices=options(LANGUAGE_NAMES.items()))
    consents_to_named_quotes = BooleanField(
        _l("My name may be shown under quotes picked for the programme"),
        description=_l(
            "Moderators may pick something you wrote as a quote for the programme. Without your consent "
            "it is attributed to “a supervisor” (optionally with your unit), never to your name. "
            "Anonymous texts are never named. You can withdraw your consent at any time: your name then "
            "disappears from the draft and from every version published afterwards."
        ),
    )
