"""My settings: language, and whether my name may be shown under quotes."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext, refresh
from flask_login import current_user, login_required

from ..auth import sessions
from ..i18n import current_language
from ..notifications.views import notification_settings
from . import service
from .forms import SettingsForm

bp = Blueprint("account", __name__)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def settings():
    form = SettingsForm(obj=current_user)
    if request.method == "GET":
        form.language.data = current_user.locale or current_language()
    if form.validate_on_submit():
        service.update_settings(
            current_user,
            language=form.language.data,
            consents_to_named_quotes=form.consents_to_named_quotes.data,
        )
        session["locale"] = form.language.data
        refresh()
        flash(_("Your settings were saved."), "success")
        return redirect(url_for("account.settings"))
    status = 422 if form.errors else 200
    return render_template(
        "account/settings.html",
        form=form,
        sessions=sessions.sessions_of(current_user),
        this_session=current_user.current_session,
        **notification_settings(current_user),
    ), status


@bp.post("/account/sessions/<session_id>/end")
@login_required
def end_session(session_id: str):
    """End one of one's other sessions (this one ends by signing out)."""
    if session_id == current_user.current_session.id or not sessions.end_one_of(current_user, session_id):
        abort(404)
    flash(_("The session was ended."), "success")
    return redirect(url_for("account.settings", _anchor="sessions"))


@bp.post("/account/sessions/end-others")
@login_required
def end_other_sessions():
    ended = sessions.end_all(current_user, except_for=current_user.current_session)
    flash(
        ngettext("%(num)d other session was ended.", "%(num)d other sessions were ended.", ended), "success"
    )
    return redirect(url_for("account.settings", _anchor="sessions"))
