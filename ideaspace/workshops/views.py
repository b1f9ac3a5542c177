"""Live workshops: start and pace a session, the big screen, and joining and answering on a phone."""

from __future__ import annotations

import io

import segno
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer

from ..ballot import own
from ..ballot import service as ballot
from ..ballot.messages import ballot_message
from ..extensions import db, htmx, limiter
from ..i18n import current_language
from ..labels import options
from ..models import Unit
from ..permissions import (
    can_facilitate,
    can_participate,
    can_run_workshop,
    can_view_workspace,
    require,
)
from ..polls.forms import AnswerForm
from ..workspaces import service as workspaces
from . import live, screens, service
from .forms import DecideForm, GuestNoteForm, JoinForm, PaceForm, StartForm
from .models import Workshop

bp = Blueprint("workshops", __name__)
bp.teardown_app_request(live.send_request_changes)  # a committed change goes out after the request

COOKIE = "ideaspace_workshop"
# The pages fetch their fragment when their event stream says "changed"; this slow poll only
# backs the stream up (a lost event, a proxy that cut it). Without a held stream, the stream's
# own reconnects (live.RETRY_MS) are the polling.
POLL_SECONDS = 30
VIEWS = ("wall", "cloud")  # how the big screen shows a notes step


# --- the guest cookie ------------------------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="ideaspace.workshop-guest")


def _set_cookie(response: Response, workshop: Workshop, guest_id: int | None) -> Response:
    seconds = max(int((workshop.expires_at - service.utcnow()).total_seconds()), 60)
    response.set_cookie(
        COOKIE,
        _serializer().dumps({"w": workshop.id, "g": guest_id}),
        max_age=seconds,
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
    )
    return response


class _Seat:
    """Who is taking part on this device: a guest, or a signed-in member as themselves."""

    def __init__(self, workshop: Workshop, guest=None, member=None):
        self.workshop, self.guest, self.member = workshop, guest, member


def _seat() -> _Seat | None:
    """The session this device joined (None: it has not); 403 for a cookie that is not ours, or
    that names a guest of another session."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        data = _serializer().loads(raw)
        workshop_id, guest_id = int(data["w"]), data.get("g")
    except (BadSignature, KeyError, TypeError, ValueError):
        abort(403)
    workshop = db.session.get(Workshop, workshop_id)
    if workshop is None:
        return None
    if guest_id is None:
        workspace = service.workspace_of(workshop)
        if not can_participate(current_user, workspace):
            return None  # signed out since: join again
        return _Seat(workshop, member=current_user._get_current_object())
    guest = service.get_guest(workshop.id, int(guest_id)) if isinstance(guest_id, int) else None
    if guest is None:
        abort(403)
    return _Seat(workshop, guest=guest)


# --- the facilitator ---------------------------------------------------------------------------------


def _load(slug: str, workshop_id: int):
    workspace = workspaces.get_workspace(slug)
    require(can_view_workspace(current_user, workspace))
    workshop = service.get_workshop(workspace, workshop_id)
    require(can_run_workshop(current_user, workshop, workspace))
    return workspace, workshop


def _unit_choices() -> list[tuple[str, str]]:
    from ..i18n import localize

    units = db.session.scalars(db.select(Unit)).all()
    pairs = sorted(((str(u.id), localize(u.name)) for u in units), key=lambda pair: pair[1].casefold())
    return options([("", _("Choose a unit")), *pairs])


@bp.route("/w/<slug>/themes/<int:theme_id>/workshops/new", methods=["GET", "POST"])
def start(slug: str, theme_id: int):
    workspace = workspaces.get_workspace(slug)
    require(can_view_workspace(current_user, workspace))
    theme = workspaces.get_theme(workspace, theme_id)
    require(can_facilitate(current_user, workspace))
    activities = service.startable_activities(theme)
    form = StartForm()
    if request.method == "GET":
        form.activities.data = [str(a.id) for a in activities]
        form.language.data = current_language()  # the facilitator's; guests may switch
    chooses_unit = current_user.role.value != "participant"
    form.unit.choices = _unit_choices() if chooses_unit else []
    if request.method == "GET" and chooses_unit and current_user.unit_id:
        form.unit.data = str(current_user.unit_id)
    status, error = 200, None
    if form.validate_on_submit():
        unit = db.session.get(Unit, form.unit_id) if chooses_unit and form.unit_id else None
        try:
            workshop = service.start(
                current_user,
                workspace,
                theme,
                form.activity_ids,
                unit=unit,
                premoderate=form.premoderate.data,
                language=form.language.data,
            )
        except service.WorkshopError as refused:
            status, error = 422, refused.message
        else:
            flash(_("The session has started. Show the code or the QR code to the room."), "success")
            return redirect(url_for("workshops.control", slug=workspace.slug, workshop_id=workshop.id))
    elif request.method == "POST":
        status = 422
    context = {
        "workspace": workspace,
        "theme": theme,
        "activities": activities,
        "form": form,
        "chooses_unit": chooses_unit,
        "error": error,
        "sessions": service.live_sessions(current_user, workspace, theme),
        "hours": service.max_hours(),
    }
    return render_template("workshops/start.html", **context), status


def _join_url(workshop: Workshop) -> str:
    return url_for("workshops.join", code=service.display_code(workshop.code), _external=True)


@bp.get("/w/<slug>/workshops/<int:workshop_id>")
def control(slug: str, workshop_id: int):
    workspace, workshop = _load(slug, workshop_id)
    state = screens.screen(workshop, with_results=True)
    context = {
        "workspace": workspace,
        "workshop": workshop,
        "screen": state,
        "held": service.held_posts(workshop),
        "join_url": _join_url(workshop),
        "code": service.display_code(workshop.code),
        "poll_seconds": POLL_SECONDS,
    }
    context["version"] = f"{state.version}-{','.join(str(p.id) for p in context['held'])}"
    if htmx and request.args.get("v") == context["version"]:
        return Response(status=204)  # nothing new: keep the buttons still under the pointer
    if htmx:
        return render_template("workshops/_control_live.html", **context)
    return render_template("workshops/control.html", **context)


@bp.post("/w/<slug>/workshops/<int:workshop_id>/pace")
def pace(slug: str, workshop_id: int):
    workspace, workshop = _load(slug, workshop_id)
    form = PaceForm()
    back = url_for("workshops.control", slug=workspace.slug, workshop_id=workshop.id)
    if request.form.get("next") == "present":
        back = url_for("workshops.present", workshop_id=workshop.id)
    if not form.validate_on_submit():
        flash(_("Choose what to do."), "error")
        return redirect(back)
    try:
        service.pace(current_user, workshop, form.action.data)
    except service.WorkshopError as refused:
        flash(refused.message, "error")
    return redirect(back)


@bp.post("/w/<slug>/workshops/<int:workshop_id>/posts/<int:post_id>")
def decide(slug: str, workshop_id: int, post_id: int):
    workspace, workshop = _load(slug, workshop_id)
    post = service.get_post(workshop, post_id)
    form = DecideForm()
    if not form.validate_on_submit():
        abort(422)
    try:
        service.decide(current_user, workshop, post, form.decision.data == "approve")
    except service.WorkshopError as refused:
        flash(refused.message, "error")
    else:
        flash(
            _("The note is on the wall.")
            if form.decision.data == "approve"
            else _("The note was kept off the wall."),
            "success",
        )
    return redirect(
        url_for("workshops.control", slug=workspace.slug, workshop_id=workshop.id, _anchor="held")
    )


@bp.get("/w/<slug>/workshops/<int:workshop_id>/qr.svg")
def qr(slug: str, workshop_id: int):
    _workspace, workshop = _load(slug, workshop_id)
    out = io.BytesIO()
    segno.make(_join_url(workshop), error="m").save(
        out, kind="svg", scale=8, border=2, xmldecl=False, svgns=True
    )
    response = Response(out.getvalue(), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.get("/present/<int:workshop_id>")
def present(workshop_id: int):
    workshop = db.session.get(Workshop, workshop_id)
    if workshop is None:
        abort(404)
    workspace = service.workspace_of(workshop)
    require(can_view_workspace(current_user, workspace))
    require(can_run_workshop(current_user, workshop, workspace))
    view = request.args.get("view") if request.args.get("view") in VIEWS else "wall"
    state = screens.screen(workshop, cloud=view == "cloud")
    if htmx and request.args.get("v") == state.version:
        return Response(status=204)  # nothing new: the big screen keeps what it shows
    context = {
        "workspace": workspace,
        "workshop": workshop,
        "screen": state,
        "view": view,
        "code": service.display_code(workshop.code),
        "join_url": _join_url(workshop),
        "poll_seconds": POLL_SECONDS,
    }
    if htmx:
        return render_template("workshops/_present_live.html", **context)
    return render_template("workshops/present.html", **context)


# --- the event streams -------------------------------------------------------------------------------


def _events(workshop: Workshop, *, changed_now: bool, kinds: frozenset[str]) -> Response:
    """A text/event-stream that says "changed" when the session does (ideaspace/workshops/live.py);
    204 once the session is over, which tells the browser to stop reconnecting."""
    if not workshop.is_live():
        return Response(status=204)
    hold = live.hold_seconds(request.environ)
    if hold > 0:
        live.start_listener()
    body = live.stream(
        workshop.id, revision=workshop.revision, changed_now=changed_now, hold=hold, kinds=kinds
    )
    response = Response(body, mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response


@bp.get("/live/events")
def phone_events():
    """A phone's stream: only the pace (a new step, answering opened or closed, the end)."""
    seat = _seat()  # 403 for a forged cookie or one of another session
    if seat is None:
        abort(403)
    known = request.headers.get("Last-Event-ID") or request.args.get("r", "")
    workshop = seat.workshop
    return _events(workshop, changed_now=known != str(workshop.revision), kinds=frozenset({live.PACE}))


@bp.get("/present/<int:workshop_id>/events")
def screen_events(workshop_id: int):
    """The big screen's and the control view's stream: the pace and every count."""
    workshop = db.session.get(Workshop, workshop_id)
    if workshop is None:
        abort(404)
    workspace = service.workspace_of(workshop)
    require(can_view_workspace(current_user, workspace))
    require(can_run_workshop(current_user, workshop, workspace))
    # On every (re)connection the page asks once: a count may have moved while it was away.
    return _events(workshop, changed_now=True, kinds=frozenset({live.PACE, live.COUNT}))


# --- joining and taking part ---------------------------------------------------------------------------


def _failed(response) -> bool:
    return response.status_code >= 400


@bp.route("/join", methods=["GET", "POST"])
@limiter.limit("20/minute;100/hour", key_func=get_remote_address, methods=["POST"], deduct_when=_failed)
def join():
    form = JoinForm()
    if request.method == "GET":
        form.code.data = request.args.get("code", "")[:40]
        return render_template("workshops/join.html", form=form), 200
    if not form.validate_on_submit():
        return render_template("workshops/join.html", form=form), 422
    try:
        workshop = service.find(form.code.data)
        workspace = service.workspace_of(workshop)
        if can_participate(current_user, workspace):
            guest_id = None  # a member takes part as themselves
        else:
            guest_id = service.join(workshop, form.name.data).id
    except service.WorkshopError as refused:
        form.code.errors = [refused.message]
        return render_template("workshops/join.html", form=form, refusal=refused.code), 422
    if "locale" not in session and not current_user.is_authenticated:
        session["locale"] = workshop.language
    return _set_cookie(redirect(url_for("workshops.participate")), workshop, guest_id)


def _participant_page(seat: _Seat, *, status=200, form=None, note_form=None, message=None, error=None):
    workshop = seat.workshop
    # A phone shows the question: no results, no counts.
    state = screens.screen(workshop, with_results=False, counts=False)
    activity = state.activity
    answered = False
    if activity is not None and activity.kind.is_answered:
        answered = (
            service.has_answered(seat.guest, activity)
            if seat.guest is not None
            else service.member_has_answered(seat.member, activity)
        )
    context = {
        "workshop": workshop,
        "workspace": state.workspace,
        "screen": state,
        "seat": seat,
        "activity": activity,
        "answered": answered,
        "can_take_part": workshop.is_live() and workshop.answering_open,
        "guest_kinds": service.GUEST_KINDS,
        "form": form or (AnswerForm(activity, formdata=None) if activity is not None else None),
        "note_form": note_form or GuestNoteForm(formdata=None),
        "message": message,
        "error": error,
        "poll_seconds": POLL_SECONDS,
        "version": service.phone_version(workshop),
    }
    if htmx:
        return render_template("workshops/_step.html", **context), status
    return render_template("workshops/participate.html", **context), status


def _require_seat() -> _Seat:
    seat = _seat()
    if seat is None:
        flash(_("Join the session with its code first."), "error")
        abort(redirect(url_for("workshops.join")))
    return seat


@bp.get("/live")
def participate():
    seat = _require_seat()
    if htmx and request.args.get("v") == service.phone_version(seat.workshop):
        return Response(status=204)  # the facilitator has not moved: nothing to redraw
    return _participant_page(seat)


def _guest_key() -> str:
    """Rate limits count per device (a room shares one address), per address without a cookie."""
    raw = request.cookies.get(COOKIE) or ""
    return f"workshop-guest:{raw[-24:]}" if raw else get_remote_address()


@bp.post("/live/answer")
@limiter.limit("30/minute", key_func=_guest_key, methods=["POST"])
def answer():
    seat = _require_seat()
    activity = service.current_activity(seat.workshop)
    if activity is None or not activity.kind.is_answered:
        return _participant_page(seat, status=422, error=_("The session has moved on to another step."))
    form = AnswerForm(activity)
    if not form.validate_on_submit():
        return _participant_page(
            seat, status=422, form=form, error=(form.messages or [_("Choose an answer.")])[0]
        )
    chosen = {"option_ids": form.option_ids, "scale_value": form.scale_value}
    try:
        if seat.guest is not None:
            result = service.guest_answer(seat.guest, seat.workshop, activity, **chosen)
        else:
            result = service.member_answer(seat.member, seat.workshop, activity, **chosen)
    except service.WorkshopError as refused:
        return _participant_page(seat, status=422, error=refused.message)
    message = (
        ballot_message(result)
        if isinstance(result, ballot.Pending)
        else _("Thank you, your answer was counted.")
    )
    if isinstance(result, ballot.Pending) and seat.member is not None:
        own.remember(result)
    return _participant_page(seat, message=message)


def _session_key() -> str:
    """All the devices of one session together (the signed cookie names it; unsigned: the address)."""
    try:
        return f"workshop-session:{int(_serializer().loads(request.cookies.get(COOKIE) or '')['w'])}"
    except (BadSignature, KeyError, TypeError, ValueError):
        return get_remote_address()


@bp.post("/live/note")
@limiter.limit("6/minute;60/hour", key_func=_guest_key, methods=["POST"])
@limiter.limit("600/minute", key_func=_session_key, methods=["POST"])
def note():
    seat = _require_seat()
    activity = service.current_activity(seat.workshop)
    form = GuestNoteForm()
    if activity is None or not form.validate_on_submit():
        return _participant_page(
            seat,
            status=422,
            note_form=form,
            error=(form.text.errors or [_("Write a note before posting.")])[0],
        )
    try:
        if seat.guest is not None:
            result = service.guest_note(seat.guest, seat.workshop, activity, form.text.data)
        else:
            result = service.member_note(seat.member, seat.workshop, activity, form.text.data)
    except service.WorkshopError as refused:
        return _participant_page(seat, status=422, note_form=form, error=refused.message)
    if isinstance(result, ballot.Pending):
        if seat.member is not None:
            own.remember(result)
        message = ballot_message(result)
    elif getattr(result, "status", None) is not None and result.status.value == "held":
        message = _("Thank you! Your note waits for the facilitator's approval.")
    else:
        message = _("Note posted.")
    return _participant_page(seat, message=message)
