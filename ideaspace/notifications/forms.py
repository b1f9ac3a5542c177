from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField

from ..models.notification import DAILY, DIGEST, NOW, OFF, WEEKLY


def _modes():
    return [(NOW, _l("Immediately")), (DIGEST, _l("In the digest")), (OFF, _l("Never"))]


class NotificationForm(FlaskForm):
    reply = SelectField(_l("A reply to my comment"), choices=_modes())
    idea_comment = SelectField(_l("A comment on my idea"), choices=_modes())
    idea_decision = SelectField(_l("A decision on my idea"), choices=_modes())
    digest = SelectField(
        _l("The digest of what is new in my workspaces"),
        choices=[(DAILY, _l("Daily")), (WEEKLY, _l("Weekly")), (OFF, _l("Never"))],
    )


class UnsubscribeForm(FlaskForm):
    """The confirmation button of the unsubscribe page (a signed-in browser's form)."""
