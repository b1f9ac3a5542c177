"""Moderators invite people and units to a workspace and remind them; invitees land signed in."""

import hashlib

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user

from ..admin.service import unit_choices
from ..auth import sign_in
from ..auth.links import link_minutes, request_new_link
from ..extensions import db, htmx, limiter
from ..i18n import current_language
from ..inputs import page_number
from ..models import LANGUAGES, Workspace
from ..outbox import service as outbox
from ..permissions import can_invite, require
from ..workspaces.service import get_workspace
from . import batch, roster, service, tokens
from .forms import InviteForm, RosterFilterForm

bp = Blueprint("invitations", __name__)

SIGNIN_ENDPOINTS = {
    "invitations.signin",
    "invitations.signin_post",
    "invitations.new_link",
    "invitations.new_link_sent",
}


@bp.after_request
def _private(response):
    """Sign-in pages carry the token in their address: never send it on as a Referer, never cache."""
    if request.endpoint in SIGNIN_ENDPOINTS:
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
    return response


# --- moderators -----------------------------------------------------------------------------


class _Units:
    """The units once per request: in tree order with depth (the checkboxes), and each one's full
    path (the selects and the list's unit column), computed once for all three."""

    def __init__(self) -> None:
        self.rows = service.unit_rows()
        self.units = [unit for unit, _depth in self.rows]
        self.paths = unit_choices(self.units, "")[1:]

    def choices(self, blank) -> list:
        return [("", str(blank)), *self.paths]


def _invite_form(units: _Units) -> InviteForm:
    form = InviteForm()
    form.units.choices = [(unit.id, (unit.name or {}).get("fi", "")) for unit in units.units]
    form.new_unit.choices = units.choices(_("Choose a unit"))
    return form


def _roster(workspace: Workspace, units: _Units) -> dict:
    """The filters from the query string, the page of invited people they select, and whether
    the filters were valid (else the whole list, answered with 422)."""
    filters = RosterFilterForm(request.args, unit_choices=units.choices(_("All units")))
    valid = filters.validate()
    page = roster.roster(
        workspace,
        search=(filters.q.data or "") if valid else "",
        unit_id=filters.unit.data if valid else None,
        state=filters.state.data if valid else None,
        page=page_number(request.args.get("page")),
        units=units.units,
    )
    return {
        "filters": filters,
        "roster": page,
        "roster_args": {k: v for k, v in request.args.items() if k in ("q", "unit", "state") and v},
        "unit_paths": dict(units.paths),
        "valid": valid,
    }


def _page(workspace: Workspace, form: InviteForm, units: _Units, status: int = 200, rejected=None):
    listing = _roster(workspace, units)
    return render_template(
        "invitations/index.html",
        workspace=workspace,
        form=form,
        unit_rows=units.rows,
        counts=service.reminder_counts(workspace),
        audiences=service.AUDIENCES,
        undelivered=outbox.failures(workspace.id),
        unsent=outbox.pending_count(workspace.id),
        may_create=batch.may_create(),
        rejected=rejected or [],
        reasons=batch.REASONS,
        **listing,
    ), status if listing["valid"] else 422


@bp.get("/w/<slug>/invitations")
def index(slug: str):
    workspace = get_workspace(slug)
    require(can_invite(current_user, workspace))
    units = _Units()
    if htmx and htmx.target == "roster":
        listing = _roster(workspace, units)
        return render_template(
            "invitations/_roster.html", workspace=workspace, focus_roster=True, **listing
        ), 200 if listing["valid"] else 422
    return _page(workspace, _invite_form(units), units)


@bp.post("/w/<slug>/invitations")
def invite(slug: str):
    workspace = get_workspace(slug)
    require(can_invite(current_user, workspace))
    units = _Units()
    form = _invite_form(units)
    if not form.validate_on_submit():
        return _page(workspace, form, units, 422)
    users, _unknown = service.people_to_invite(form.units.data, form.include_subunits.data)
    new_unit = next((unit for unit in units.units if unit.id == form.new_unit.data), None)
    found = batch.resolve(current_user, batch.split(form.emails.data), new_unit)
    users += found.people
    if not users and not found.rejected:
        form.units.errors = [_("There is nobody in the chosen units.")]
        return _page(workspace, form, units, 422)
    outcome = service.invite(current_user, workspace, users) if users else service.Outcome()
    if users:
        _report(
            outcome,
            ngettext("%(num)d person was invited.", "%(num)d people were invited.", len(outcome.sent)),
        )
    if found.created:
        flash(
            ngettext(
                "%(num)d new person was added in the chosen unit.",
                "%(num)d new people were added in the chosen unit.",
                len(found.created),
            ),
            "info",
        )
    if found.rejected:
        # Nothing is lost: the page lists each address with its reason, and keeps them in the
        # form to correct and send again (those invited meanwhile are not invited twice).
        form.emails.data = "\n".join(item.address for item in found.rejected)
        return _page(workspace, form, units, 200 if users else 422, rejected=found.rejected)
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
# Its pages speak the recipient's language (their own, else what they chose in this browser, else
# the workspace's), not the browser's: the token says whose it is.


def _landing_language(user, workspace: Workspace | None) -> str:
    if user is not None and user.locale in LANGUAGES:
        return user.locale
    if session.get("locale") in LANGUAGES:
        return session["locale"]
    if workspace is not None and workspace.primary_language in LANGUAGES:
        return workspace.primary_language
    return current_language()


def _workspace_of(record) -> Workspace | None:
    if record is None or not record.workspace_id:
        return None
    return db.session.get(Workspace, record.workspace_id)


def _link_problem(status: str, token: str):
    code = 404 if status == tokens.UNKNOWN else 410
    return render_template(
        "invitations/link_problem.html",
        status=status,
        code=code,
        token=token if status in (tokens.USED, tokens.EXPIRED) else None,
        current_path=url_for("auth.login"),
    ), code


@bp.get("/signin/<token>")
@limiter.limit("60/minute")
def signin(token: str):
    status, record, user = tokens.find_token(token)
    workspace = _workspace_of(record)
    with force_locale(_landing_language(user, workspace)):
        if status != tokens.VALID:
            return _link_problem(status, token)
        return render_template(
            "invitations/signin.html", person=user, workspace=workspace, current_path=url_for("auth.login")
        )


@bp.post("/signin/<token>")
@limiter.limit("20/minute", deduct_when=lambda response: response.status_code >= 400)
def signin_post(token: str):
    status, record, user = tokens.redeem_token(token)
    workspace = _workspace_of(record)
    language = _landing_language(user, workspace)
    if status != tokens.VALID:
        with force_locale(language):
            return _link_problem(status, token)
    sign_in(user)  # a new session (and its row): nothing of whoever used this browser carries over
    if not user.locale:
        user.locale = language  # the language the link spoke stays theirs
    with force_locale(language):
        flash(_("Welcome, %(name)s. You are signed in.", name=user.name), "success")
    if workspace is None:
        return redirect(url_for("workspaces.index"))
    return redirect(url_for("workspaces.workspace", slug=workspace.slug))


@bp.post("/signin/<token>/new")
@limiter.limit("3 per hour", key_func=lambda: _token_key())  # defined below
@limiter.limit("30 per hour", key_func=get_remote_address)
def new_link(token: str):
    """Send me a new link: a used or expired link's person gets a fresh one at their own address."""
    status, record, user = tokens.find_token(token)
    workspace = _workspace_of(record)
    if status == tokens.VALID:  # it still works: use it
        return redirect(url_for("invitations.signin", token=token))
    with force_locale(_landing_language(user, workspace)):
        if status not in (tokens.USED, tokens.EXPIRED):
            return _link_problem(status, token)
        request_new_link(user, _landing_language(user, workspace), workspace_id=record.workspace_id)
    return redirect(url_for("invitations.new_link_sent", token=token))


@bp.get("/signin/<token>/sent")
def new_link_sent(token: str):
    """A new link is on its way (in the language of the link's person)."""
    status, record, user = tokens.find_token(token)
    with force_locale(_landing_language(user, _workspace_of(record))):
        if status not in (tokens.USED, tokens.EXPIRED, tokens.VALID):
            return _link_problem(status, token)
        return render_template("auth/link_sent.html", reset=False, minutes=link_minutes())


def _token_key() -> str:
    """A limit per link (its hash): one old link cannot fill its person's inbox."""
    raw = (request.view_args or {}).get("token", "")
    return "renew:" + hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()
