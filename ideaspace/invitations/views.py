"""Moderators invite people and units to a workspace and remind them; invitees land signed in."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..auth import sign_in
from ..extensions import db, limiter
from ..i18n import current_language
from ..models import LANGUAGES, Workspace
from ..outbox import service as outbox
from ..permissions import can_invite, require
from ..workspaces.service import get_workspace
from . import service, tokens
from .forms import InviteForm, split_emails

bp = Blueprint("invitations", __name__)

SIGNIN_ENDPOINTS = {"invitations.signin", "invitations.signin_post"}


@bp.after_request
def _private(response):
    """Sign-in pages carry the token in their address: never send it on as a Referer, never cache."""
    if request.endpoint in SIGNIN_ENDPOINTS:
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
    return response


# --- moderators -----------------------------------------------------------------------------


def _invite_form() -> tuple[InviteForm, list]:
    rows = service.unit_rows()
    form = InviteForm()
    form.units.choices = [(unit.id, (unit.name or {}).get("fi", "")) for unit, _depth in rows]
    return form, rows


def _page(workspace: Workspace, form: InviteForm, rows, status: int = 200):
    return render_template(
        "invitations/index.html",
        workspace=workspace,
        form=form,
        unit_rows=rows,
        members=service.members(workspace),
        counts=service.reminder_counts(workspace),
        audiences=service.AUDIENCES,
        undelivered=outbox.failures(workspace.id),
        unsent=outbox.pending_count(workspace.id),
    ), status


@bp.get("/w/<slug>/invitations")
def index(slug: str):
    workspace = get_workspace(slug)
    require(can_invite(current_user, workspace))
    form, rows = _invite_form()
    return _page(workspace, form, rows)


@bp.post("/w/<slug>/invitations")
def invite(slug: str):
    workspace = get_workspace(slug)
    require(can_invite(current_user, workspace))
    form, rows = _invite_form()
    if not form.validate_on_submit():
        return _page(workspace, form, rows, 422)
    users, unknown = service.people_to_invite(
        form.units.data, form.include_subunits.data, split_emails(form.emails.data)
    )
    if unknown:
        form.emails.errors = [
            _(
                "Nobody here has these addresses (import them first): %(emails)s",
                emails=", ".join(unknown[:20]),
            )
        ]
        return _page(workspace, form, rows, 422)
    if not users:
        form.units.errors = [_("There is nobody in the chosen units.")]
        return _page(workspace, form, rows, 422)
    outcome = service.invite(current_user, workspace, users)
    _report(
        outcome, ngettext("%(num)d person was invited.", "%(num)d people were invited.", len(outcome.sent))
    )
    return redirect(url_for("invitations.index", slug=workspace.slug))


def _report(outcome: service.Outcome, done: str) -> None:
    flash(done, "success")
    if outcome.already:
        names = ", ".join(user.name for user in outcome.already[:20])
        more = len(outcome.already) - 20
        flash(
            ngettext(
                "%(num)d was invited already and was not invited again: %(names)s",
                "%(num)d were invited already and were not invited again: %(names)s",
                len(outcome.already),
                names=names + (f" (+{more})" if more > 0 else ""),
            ),
            "info",
        )


def _audience(workspace: Workspace, audience: str):
    if audience not in service.AUDIENCES:
        abort(404)
    return service.reminder_audience(workspace, audience)


@bp.get("/w/<slug>/invitations/reminders/<audience>")
def reminder(slug: str, audience: str):
    workspace = get_workspace(slug)
    require(can_invite(current_user, workspace))
    recipients = _audience(workspace, audience)
    languages = service.languages_of(workspace, recipients)
    language = request.args.get("language")
    if language not in LANGUAGES:
        language = (
            current_language() if current_language() in languages or not languages else next(iter(languages))
        )
    subject, text = service.reminder_preview(workspace, audience, language, _("(the recipient's name)"))
    return render_template(
        "invitations/reminder.html",
        workspace=workspace,
        audience=audience,
        count=len(recipients),
        languages=languages,
        preview_language=language,
        subject=subject,
        text=text,
    )


@bp.post("/w/<slug>/invitations/reminders/<audience>")
def send_reminder(slug: str, audience: str):
    workspace = get_workspace(slug)
    require(can_invite(current_user, workspace))
    _audience(workspace, audience)
    outcome = service.send_reminders(current_user, workspace, audience)
    _report(
        outcome, ngettext("%(num)d reminder was sent.", "%(num)d reminders were sent.", len(outcome.sent))
    )
    return redirect(url_for("invitations.index", slug=workspace.slug))


# --- the sign-in link -----------------------------------------------------------------------


def _link_problem(status: str):
    code = 404 if status == tokens.UNKNOWN else 410
    return render_template(
        "invitations/link_problem.html", status=status, code=code, current_path=url_for("auth.login")
    ), code


@bp.get("/signin/<token>")
@limiter.limit("60/minute")
def signin(token: str):
    status, record, user = tokens.find_token(token)
    if status != tokens.VALID:
        return _link_problem(status)
    workspace = db.session.get(Workspace, record.workspace_id) if record.workspace_id else None
    return render_template(
        "invitations/signin.html", person=user, workspace=workspace, current_path=url_for("auth.login")
    )


@bp.post("/signin/<token>")
@limiter.limit("20/minute", deduct_when=lambda response: response.status_code >= 400)
def signin_post(token: str):
    status, record, user = tokens.redeem_token(token)
    if status != tokens.VALID:
        return _link_problem(status)
    workspace = db.session.get(Workspace, record.workspace_id) if record.workspace_id else None
    sign_in(user)  # a new session (and its row): nothing of whoever used this browser carries over
    flash(_("Welcome, %(name)s. You are signed in.", name=user.name), "success")
    if workspace is None:
        return redirect(url_for("workspaces.index"))
    return redirect(url_for("workspaces.workspace", slug=workspace.slug))
