"""Notification settings, and the one-click unsubscribe that works without signing in."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import csrf
from . import (
    messages,  # noqa: F401  (registers the notification mail with the outbox)
    service,
)
from . import unsubscribe as unsub
from .forms import NotificationForm

bp = Blueprint("notifications", __name__)


def notification_settings(user) -> dict:
    """The account page's notification form, filled with the person's choices."""
    setting = service.settings_of(user)
    return {
        "notification_form": NotificationForm(formdata=None, obj=setting),
        "mail_off": setting.mail_off_at is not None,
    }


@bp.post("/account/notifications")
@login_required
def settings():
    form = NotificationForm()
    if not form.validate_on_submit():
        return render_template("notifications/settings_error.html", form=form), 422
    service.save_settings(
        current_user,
        reply=form.reply.data,
        idea_comment=form.idea_comment.data,
        idea_decision=form.idea_decision.data,
        digest=form.digest.data,
    )
    flash(_("Your notification settings were saved."), "success")
    return redirect(url_for("account.settings", _anchor="notifications"))


@bp.get("/unsubscribe/<token>")
def unsubscribe_page(token: str):
    """A confirmation page: never unsubscribes on GET (mail scanners follow links)."""
    found = unsub.read_token(token)
    if found is None:
        return render_template("notifications/unsubscribe.html", bad=True), 404
    return render_template("notifications/unsubscribe.html", token=token, scope=found[1])


# Exempt from CSRF, this one endpoint only: RFC 8058's one-click POST comes from the mail client
# with no session and no form token. The signed token in the URL is what authorises it; the answer
# is the same page whatever the token names, and doing it twice changes nothing.
@bp.post("/unsubscribe/<token>")
@csrf.exempt
def unsubscribe(token: str):
    found = unsub.read_token(token)
    if found is None:
        return render_template("notifications/unsubscribe.html", bad=True), 404
    user, scope = found
    unsub.apply(user, scope)
    return render_template("notifications/unsubscribe.html", done=True, scope=scope)
