"""Notification settings, and the one-click unsubscribe that works without signing in."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import csrf
from ..i18n import current_language
from ..invitations import service as invitation_service
from ..models import LANGUAGES
from ..permissions import can_invite, require
from ..workspaces.service import get_workspace
from . import digest, mailtexts, messages, service  # noqa: F401  (register their mail with the outbox)
from . import unsubscribe as unsub
from .forms import MailTextForm, NotificationForm

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


# --- a workspace's own invitation and reminder texts -----------------------------------------


@bp.route("/w/<slug>/invitations/texts", methods=["GET", "POST"])
def mail_texts(slug: str):
    """Edit the invitation and reminder texts per language, with a preview of the mail as sent."""
    workspace = get_workspace(slug)
    require(can_invite(current_user, workspace))
    form = MailTextForm()
    if request.method == "GET":
        form.kind.data = (
            request.args.get("kind") if request.args.get("kind") in mailtexts.KINDS else "invitation"
        )
        language = request.args.get("language")
        form.language.data = language if language in LANGUAGES else current_language()
        form.body.data = mailtexts.get(workspace.id, form.kind.data, form.language.data) or ""
        own = None
    elif not form.validate_on_submit():
        return _texts_page(workspace, form, None, status=422)
    else:
        own = mailtexts.clean_text(form.body.data)
        if "save" in request.form:
            mailtexts.save(current_user, workspace, form.kind.data, form.language.data, form.body.data)
            flash(_("The text was saved."), "success")
            return redirect(
                url_for(
                    "notifications.mail_texts", slug=slug, kind=form.kind.data, language=form.language.data
                )
            )
    return _texts_page(workspace, form, own)


def _texts_page(workspace, form, own: str | None, status: int = 200):
    preview = None
    if not form.errors:
        preview = invitation_service.preview(
            workspace, form.kind.data, form.language.data, _("(the recipient's name)"), own_text=own
        )
    return render_template(
        "notifications/mail_texts.html", workspace=workspace, form=form, preview=preview
    ), status
