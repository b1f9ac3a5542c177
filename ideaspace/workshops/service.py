"""Live workshops: start a session, join it by code, pace it, answer and post as a guest device.

A guest's answer counts like a member's: one per device (the `workshop_response` primary key), and
on an anonymous activity it goes into the ballot box (ideaspace/ballot) under a keyed pseudonym of
the device, exactly as a member's answer goes in under theirs. Nothing a guest writes on an
anonymous activity is stored with the guest.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import abort, current_app
from flask_babel import gettext as _
from sqlalchemy import func, insert, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .. import audit
from ..ballot import service as ballot
from ..extensions import db
from ..models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    Answer,
    AnswerChoice,
    Note,
    Respondent,
    Role,
    Theme,
    Unit,
    User,
    Workspace,
    utcnow,
)
from ..models.activity import new_answer_key
from ..models.ballot import BallotKind
from ..notes import service as notes
from ..permissions import activity_is_open, can_facilitate, can_moderate, membership_of
from ..polls import service as polls
from ..sanitize import clean_line
from . import live
from .models import Guest, GuestResponse, PostStatus, Workshop, WorkshopPost, WorkshopStatus, WorkshopStep

# 20 characters nobody mixes up when read aloud or off a wall in Finnish, Swedish or English:
# no 0/O, 1/I/L, 2/Z, 5/S, 8/B, 6/G, U/V, Q.
CODE_ALPHABET = "ACDEFHJKMNPRTWXY3479"
CODE_LENGTH = 8  # 20^8 ≈ 2.6 × 10^10 codes (docs/workshops.md: the guessing cost)
NAME_MAX = 60
MAX_GUESTS = 500  # guest devices a session admits (WORKSHOP_MAX_GUESTS): a room, not a crowd
# The kinds a guest's phone can answer or post in; the others are shown as a question for the room.
GUEST_KINDS = (
    ActivityKind.SINGLE_CHOICE,
    ActivityKind.MULTIPLE_CHOICE,
    ActivityKind.SCALE,
    ActivityKind.NOTES,
)


class WorkshopError(ValueError):
    """A rule stops the request; the message says why, in the reader's language."""

    def __init__(self, message, *, code: str = "refused"):
        super().__init__(str(message))
        self.message = message
        self.code = code


# --- join codes ----------------------------------------------------------------------------------


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(raw: str | None) -> str:
    """What a person typed, as a code: capitals, spaces and dashes dropped (empty if not a code)."""
    cleaned = "".join(ch for ch in (raw or "").upper() if ch.isalnum())
    return cleaned if len(cleaned) == CODE_LENGTH and all(ch in CODE_ALPHABET for ch in cleaned) else ""


def display_code(code: str) -> str:
    """ACDE-FHJK: two groups of four, easier to read aloud and to type."""
    return f"{code[:4]}-{code[4:]}"


def max_guests() -> int:
    try:
        return max(int(current_app.config.get("WORKSHOP_MAX_GUESTS", MAX_GUESTS)), 1)
    except (TypeError, ValueError):
        return MAX_GUESTS


def max_hours() -> int:
    try:
        hours = int(current_app.config.get("WORKSHOP_HOURS", 4))
    except (TypeError, ValueError):
        hours = 4
    return min(max(hours, 1), 72)


# --- starting ------------------------------------------------------------------------------------


def startable_activities(theme: Theme) -> list[Activity]:
    """The theme's activities a session can run (not drafts), in the theme's order."""
    return [
        a
        for a in sorted(theme.activities, key=lambda a: (a.position, a.id))
        if a.status is not ActivityStatus.DRAFT
    ]


def start(
    actor: User,
    workspace: Workspace,
    theme: Theme,
    activity_ids: Sequence[int],
    *,
    unit: Unit | None = None,
    premoderate: bool = False,
    language: str = "fi",
    now: datetime | None = None,
) -> Workshop:
    """Open a live session of the theme for the facilitator's unit (a moderator without one names it)."""
    if not can_facilitate(actor, workspace):
        raise WorkshopError(_("You cannot run a workshop in this workspace."))
    available = {a.id: a for a in startable_activities(theme)}
    chosen = [available[i] for i in dict.fromkeys(activity_ids) if i in available]
    if len(chosen) != len(set(activity_ids)) or not chosen:
        raise WorkshopError(_("Choose at least one of this theme's activities."))
    if actor.unit_id is not None and actor.role is Role.PARTICIPANT:
        unit_id = actor.unit_id  # a supervisor runs sessions for their own unit
    elif unit is not None:
        unit_id = unit.id
    elif actor.unit_id is not None:
        unit_id = actor.unit_id
    else:
        raise WorkshopError(_("Choose the unit the session is for."))
    now = now or utcnow()
    workshop = Workshop(
        workspace_id=workspace.id,
        theme_id=theme.id,
        unit_id=unit_id,
        facilitator_id=actor.id,
        code=_unused_code(),
        language=language if language in ("fi", "sv", "en") else "fi",
        premoderate=premoderate,
        created_at=now,
        expires_at=now + timedelta(hours=max_hours()),
    )
    workshop.steps = [WorkshopStep(position=i, activity_id=a.id) for i, a in enumerate(chosen)]
    db.session.add(workshop)
    db.session.flush()
    audit.record(
        actor,
        "workshop.start",
        workshop,
        workspace_id=workspace.id,
        theme_id=theme.id,
        unit_id=unit_id,
        activities=[a.id for a in chosen],
    )
    return workshop


def _unused_code() -> str:
    for _attempt in range(10):
        code = new_code()
        if db.session.scalar(select(Workshop.id).where(Workshop.code == code)) is None:
            return code
    raise RuntimeError("no free join code after 10 draws")  # pragma: no cover - 1 in 10^90


# --- loading -------------------------------------------------------------------------------------


def get_workshop(workspace: Workspace, workshop_id: int) -> Workshop:
    workshop = db.session.get(Workshop, workshop_id)
    if workshop is None or workshop.workspace_id != workspace.id:
        abort(404)
    return workshop


def find(code: str, now: datetime | None = None) -> Workshop:
    """The live session with this code, or a WorkshopError naming why not (unknown, ended, expired)."""
    normalized = normalize_code(code)
    workshop = None
    if normalized:
        workshop = db.session.scalar(select(Workshop).where(Workshop.code == normalized))
    if workshop is None:
        raise WorkshopError(
            _("No session has this code. Check the code on the screen and try again."), code="unknown"
        )
    if workshop.status is WorkshopStatus.ENDED:
        raise WorkshopError(_("This session has ended. Thank you for taking part!"), code="ended")
    if not workshop.is_live(now):
        raise WorkshopError(
            _("This session's code has expired. Ask the facilitator for a new session."), code="expired"
        )
    return workshop


def get_guest(workshop_id: int, guest_id: int) -> Guest | None:
    guest = db.session.get(Guest, guest_id)
    return guest if guest is not None and guest.workshop_id == workshop_id else None


def workspace_of(workshop: Workshop) -> Workspace:
    return db.session.get(Workspace, workshop.workspace_id)


def steps(workshop: Workshop) -> list[Activity]:
    """The session's activities in order, with their options and themes (one query)."""
    ids = [s.activity_id for s in workshop.steps]
    if not ids:
        return []
    from sqlalchemy.orm import selectinload

    found = {
        a.id: a
        for a in db.session.scalars(
            select(Activity).where(Activity.id.in_(ids)).options(selectinload(Activity.options))
        )
    }
    return [found[i] for i in ids if i in found]


def current_activity(workshop: Workshop) -> Activity | None:
    activities = steps(workshop)
    if not activities:
        return None
    return activities[min(workshop.position, len(activities) - 1)]


def phone_version(workshop: Workshop) -> str:
    """What a phone's view depends on besides its own answers: the pace, and whether it is live."""
    return f"{workshop.revision}-{int(workshop.is_live())}"


# --- joining -------------------------------------------------------------------------------------


def join(workshop: Workshop, name: str | None = None) -> Guest:
    """A new guest device in the session (no account, no email); the name only labels named notes."""
    if not workshop.is_live():
        raise WorkshopError(_("This session has ended. Thank you for taking part!"), code="ended")
    # The cap bounds what one person with a script can add (each device is rate-limited on its
    # own); two joins racing for the last place may both get in, which a cap of hundreds allows.
    joined = db.session.scalar(
        select(func.count()).select_from(Guest).where(Guest.workshop_id == workshop.id)
    )
    if joined >= max_guests():
        raise WorkshopError(_("This session is full. Ask the facilitator."), code="full")
    cleaned = clean_line(name)[:NAME_MAX] or None
    guest = Guest(workshop_id=workshop.id, name=cleaned)
    db.session.add(guest)
    db.session.flush()
    live.announce(db.session, workshop.id, workshop.revision, live.COUNT)  # the guests' count
    return guest


# --- pacing --------------------------------------------------------------------------------------

ACTIONS = ("next", "back", "open", "close", "reveal", "hide", "premoderate", "publish_directly", "end")


def pace(actor: User, workshop: Workshop, action: str) -> Workshop:
    """Move the session (next, back), open or close answering, reveal or hide results, end it."""
    if action not in ACTIONS:
        raise WorkshopError(_("Unknown step."))
    # Two clicks at once (two moderators, a double press) take turns: "next" twice is two steps,
    # each from what the other committed (PostgreSQL; SQLite's writer lock already serialises).
    db.session.refresh(workshop, with_for_update=True)
    if workshop.status is WorkshopStatus.ENDED:
        raise WorkshopError(_("This session has ended."))
    last = max(len(workshop.steps) - 1, 0)
    if action == "next":
        if workshop.position >= last:
            raise WorkshopError(_("This is the last step."))
        workshop.position += 1
        workshop.answering_open, workshop.results_revealed = True, False
    elif action == "back":
        if workshop.position <= 0:
            raise WorkshopError(_("This is the first step."))
        workshop.position -= 1
        workshop.answering_open, workshop.results_revealed = True, False
    elif action in ("open", "close"):
        workshop.answering_open = action == "open"
    elif action in ("reveal", "hide"):
        workshop.results_revealed = action == "reveal"
    elif action in ("premoderate", "publish_directly"):
        workshop.premoderate = action == "premoderate"
    elif action == "end":
        workshop.status = WorkshopStatus.ENDED
        workshop.ended_at = utcnow()
    workshop.revision += 1
    db.session.flush()
    live.announce(db.session, workshop.id, workshop.revision, live.PACE)
    audit.record(
        actor, f"workshop.{action}", workshop, workspace_id=workshop.workspace_id, position=workshop.position
    )
    return workshop


# --- taking part ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Contributor:
    """A guest device as the ballot box sees a person: a keyed pseudonym's input and a unit.

    The id is namespaced ("guest:…") so that no guest's pseudonym equals a member's."""

    id: str
    unit_id: int | None


def _check_step(workshop: Workshop, activity: Activity, workspace: Workspace) -> None:
    if not workshop.is_live():
        raise WorkshopError(_("This session has ended. Thank you for taking part!"), code="ended")
    current = current_activity(workshop)
    if current is None or current.id != activity.id:
        raise WorkshopError(_("The session has moved on to another step."), code="moved")
    if not workshop.answering_open or not activity_is_open(activity, workspace):
        raise WorkshopError(_("Answering is closed for this step."), code="closed")


_INSERT_IF_NEW = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}


def _claim(guest: Guest, activity: Activity) -> bool:
    """Record that this device answered the activity, unless it has: True if this request did."""
    dialect = db.session.get_bind().dialect.name
    statement = (
        _INSERT_IF_NEW[dialect](GuestResponse.__table__)
        .values(guest_id=guest.id, activity_id=activity.id)
        .on_conflict_do_nothing()
        .returning(GuestResponse.__table__.c.guest_id)
    )
    return db.session.execute(statement).first() is not None


def _counted(workshop: Workshop) -> None:
    """The screens' counts change when this commits (an anonymous one: and its batch, if full)."""
    live.announce(db.session, workshop.id, workshop.revision, live.COUNT)


def _mark_contributed(guest: Guest) -> None:
    if not guest.contributed:
        guest.contributed = True


def has_answered(guest: Guest, activity: Activity) -> bool:
    return db.session.get(GuestResponse, (guest.id, activity.id)) is not None


def guest_answer(
    guest: Guest,
    workshop: Workshop,
    activity: Activity,
    *,
    option_ids: Sequence[int] = (),
    scale_value: int | None = None,
) -> Answer | ballot.Pending:
    """A guest device's one answer to the current step (anonymous: into the ballot box)."""
    workspace = workspace_of(workshop)
    _check_step(workshop, activity, workspace)
    if not activity.kind.is_answered:
        raise WorkshopError(_("This step takes no answers."))
    try:
        if activity.kind is ActivityKind.SCALE:
            scale_value, option_ids = polls.check_scale(scale_value), []
        else:
            option_ids, scale_value = polls.check_choice(activity, option_ids), None
    except polls.AnswerRefused as refused:
        raise WorkshopError(str(refused), code="invalid") from None
    if not _claim(guest, activity):
        raise WorkshopError(_("This device has already answered this step."), code="answered")
    _mark_contributed(guest)
    _counted(workshop)
    if activity.is_anonymous:
        payload = {"options": list(option_ids), "scale": scale_value}
        contributor = Contributor(f"guest:{guest.id}", workshop.unit_id)
        return ballot.seal(contributor, workspace, activity.id, BallotKind.ANSWER, payload)
    key = new_answer_key()
    db.session.execute(
        insert(Answer.__table__).values(
            key=key,
            activity_id=activity.id,
            answered_on=utcnow().date(),
            unit_id=_named_unit(workshop, workspace),
            scale_value=scale_value,
        )
    )
    if option_ids:
        db.session.execute(
            insert(AnswerChoice.__table__), [{"answer_key": key, "option_id": o} for o in option_ids]
        )
    return db.session.get(Answer, key)


def _named_unit(workshop: Workshop, workspace: Workspace) -> int | None:
    """A named answer records the session's unit when it has at least k people (as a member's
    answer records theirs only then)."""
    if workshop.unit_id is None:
        return None
    people = db.session.scalar(
        select(func.count(User.id)).where(
            User.unit_id == workshop.unit_id, User.is_active_account.is_(True), User.erased_at.is_(None)
        )
    )
    return workshop.unit_id if people >= workspace.min_group_size else None


def guest_note(guest: Guest, workshop: Workshop, activity: Activity, text: str | None):
    """A guest's note on the current notes step: anonymous walls take it into the ballot box;
    named walls show it at once, or hold it for the facilitator when the session pre-moderates."""
    workspace = workspace_of(workshop)
    _check_step(workshop, activity, workspace)
    if activity.kind is not ActivityKind.NOTES:
        raise WorkshopError(_("This step takes no notes."))
    try:
        cleaned = notes.clean_note(text)
    except notes.NoteError as error:
        raise WorkshopError(str(error.message), code="invalid") from None
    _mark_contributed(guest)
    _counted(workshop)
    if activity.is_anonymous:
        contributor = Contributor(f"guest:{guest.id}", workshop.unit_id)
        return ballot.seal(contributor, workspace, activity.id, BallotKind.NOTE, {"text": cleaned})
    post = WorkshopPost(
        workshop_id=workshop.id, activity_id=activity.id, guest_id=guest.id, name=guest.name, text=cleaned
    )
    db.session.add(post)
    if not workshop.premoderate:
        _publish_post(post, workshop)
    db.session.flush()
    return post


def _publish_post(post: WorkshopPost, workshop: Workshop) -> Note:
    note = Note(
        workspace_id=workshop.workspace_id,
        activity_id=post.activity_id,
        author_id=None,
        unit_id=workshop.unit_id,
        text=post.text,
    )
    db.session.add(note)
    db.session.flush()
    post.note_id = note.id
    post.status = PostStatus.APPROVED
    return note


def member_answer(user: User, workshop: Workshop, activity: Activity, **chosen):
    """A signed-in member who joined takes part as themselves, through the polls' own rules."""
    workspace = workspace_of(workshop)
    _check_step(workshop, activity, workspace)
    try:
        result = polls.answer(user, workspace, activity, membership_of(user, workspace), **chosen)
    except polls.AnswerRefused as refused:
        raise WorkshopError(str(refused), code="invalid") from None
    _counted(workshop)
    return result


def member_note(user: User, workshop: Workshop, activity: Activity, text: str | None):
    workspace = workspace_of(workshop)
    _check_step(workshop, activity, workspace)
    if activity.kind is not ActivityKind.NOTES:
        raise WorkshopError(_("This step takes no notes."))
    try:
        result = notes.post_note(user, workspace, activity, text, membership=membership_of(user, workspace))
    except notes.NoteError as error:
        raise WorkshopError(str(error.message), code="invalid") from None
    _counted(workshop)
    return result


def member_has_answered(user: User, activity: Activity) -> bool:
    return db.session.get(Respondent, (activity.id, user.id)) is not None


# --- pre-moderation ------------------------------------------------------------------------------


def get_post(workshop: Workshop, post_id: int) -> WorkshopPost:
    post = db.session.get(WorkshopPost, post_id)
    if post is None or post.workshop_id != workshop.id:
        abort(404)
    return post


def held_posts(workshop: Workshop) -> list[WorkshopPost]:
    return list(
        db.session.scalars(
            select(WorkshopPost)
            .where(WorkshopPost.workshop_id == workshop.id, WorkshopPost.status == PostStatus.HELD)
            .order_by(WorkshopPost.created_at, WorkshopPost.id)
        )
    )


def decide(actor: User, workshop: Workshop, post: WorkshopPost, approve: bool) -> WorkshopPost:
    """Let a held note onto the wall, or keep it off (it stays stored, as everything people wrote)."""
    db.session.refresh(post, with_for_update=True)  # two approvals at once make one note
    if post.status is not PostStatus.HELD:
        raise WorkshopError(_("This note has already been decided."))
    if approve:
        _publish_post(post, workshop)
    else:
        post.status = PostStatus.REJECTED
    post.decided_at = utcnow()
    post.decided_by_id = actor.id
    workshop.revision += 1
    db.session.flush()
    live.announce(db.session, workshop.id, workshop.revision, live.COUNT)  # screens only: phones stay
    audit.record(
        actor,
        "workshop.approve" if approve else "workshop.reject",
        post,
        workspace_id=workshop.workspace_id,
        workshop_id=workshop.id,
    )
    return post


def live_sessions(user: User, workspace: Workspace, theme: Theme) -> list[Workshop]:
    """The theme's live sessions this person runs (moderators: everyone's), newest first."""
    query = select(Workshop).where(
        Workshop.theme_id == theme.id, Workshop.status == WorkshopStatus.LIVE, Workshop.expires_at > utcnow()
    )
    if not can_moderate(user, workspace):
        query = query.where(Workshop.facilitator_id == user.id)
    return list(db.session.scalars(query.order_by(Workshop.created_at.desc())))
