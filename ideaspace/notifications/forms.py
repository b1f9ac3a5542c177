from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import Length, Optional

from ..i18n import LANGUAGE_NAMES
from ..labels import options
from ..models.notification import DAILY, DIGEST, NOW, OFF, WEEKLY
from .mailtexts import MAX_LENGTH


def _modes():
    return options([(NOW, _l("Immediately")), (DIGEST, _l("In the digest")), (OFF, _l("Never"))])


class NotificationForm(FlaskForm):
    reply = SelectField(_l("A reply to my comment"), choices=_modes())
    idea_comment = SelectField(_l("A comment on my idea"), choices=_modes())
    idea_decision = SelectField(_l("A decision on my idea"), choices=_modes())
    digest = SelectField(
        _l("The digest of what is new in my workspaces"),
        choices=options([(DAILY, _l("Daily")), (WEEKLY, _l("Weekly")), (OFF, _l("Never"))]),
    )


class UnsubscribeForm(FlaskForm):
    """The confirmation button of the unsubscribe page (a signed-in browser's form)."""


class MailTextForm(FlaskForm):
    """A workspace's own invitation or reminder text in one language."""

    kind = SelectField(
        _l("Message"),
        choices=options(
            [
                ("invitation", _l("Invitation")),
                ("not_visited", _l("Reminder to those who have not visited")),
                ("not_contributed", _l("Reminder to those who have not contributed")),
            ]
        ),
    )
    language = SelectField(_l("Language"), choices=options(LANGUAGE_NAMES.items()))
    body = TextAreaField(
        _l("Text"),
        validators=[Optional(), Length(max=MAX_LENGTH)],
        description=_l(
            "Plain text; a blank line starts a new paragraph. These are filled in for each person: "
            "{name}, {workspace}, {closes_on}. Leave it empty to use the built-in text. The sign-in "
            "button, the workspace's introduction and its closing date are always added."
        ),
    )
