"""What the screens show of a live workshop (the big screen, the control view, a phone), and the
participation statistics' work communities."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from ..anonymity import group_size
from ..ballot import service as ballot
from ..extensions import db
from ..models import Activity, ActivityKind, Note, Respondent, Unit, User, Workspace
from ..notes import wordcloud
from ..polls.results import results_for
from .models import Guest, GuestResponse, Workshop, WorkshopPost
from .service import steps, workspace_of

BIG_SCREEN_NOTES = 40


@dataclass
class Screen:
    """What the big screen, the control view and a phone show of the current step."""

    workshop: Workshop
    workspace: Workspace
    activity: Activity | None
    position: int
    total: int
    answers: int = 0  # people who answered (members and guest devices), or notes on the wall
    held: int = 0  # anonymous answers waiting in the ballot box (people)
    k: int = 5
    results: object = None  # PollResults, when revealed and published
    notes: list = None  # (text, name) on the wall, newest first
    cloud: list = None  # wordcloud.Term of every note shown, when the screen shows a word cloud
    guests: int = 0

    @property
    def waiting_for_k(self) -> bool:
        return bool(
            self.activity and self.activity.is_anonymous and (self.results is None or self.results.is_empty)
        )

    @property
    def version(self) -> str:
        published = self.results.version if self.results is not None else "-"
        return f"{self.workshop.revision}-{self.answers}-{self.held}-{published}-{self.guests}"


def screen(
    workshop: Workshop, *, with_results: bool | None = None, cloud: bool = False, counts: bool = True
) -> Screen:
    """The current step with its live count, and its results when revealed (a few queries); a
    revealed notes step as a wall of the newest notes, or (cloud) a word cloud of all of them."""
    workspace = workspace_of(workshop)
    activities = steps(workshop)
    activity = activities[min(workshop.position, len(activities) - 1)] if activities else None
    state = Screen(
        workshop, workspace, activity, workshop.position + 1, len(activities), k=group_size(workspace)
    )
    state.notes = []
    if not counts:  # a phone: the step, not the room's counts (300 phones fetch it at once)
        return state
    state.guests = db.session.scalar(
        select(func.count()).select_from(Guest).where(Guest.workshop_id == workshop.id)
    )
    if activity is None:
        return state
    reveal = workshop.results_revealed if with_results is None else with_results
    if activity.kind.is_answered:
        members = db.session.scalar(
            select(func.count()).select_from(Respondent).where(Respondent.activity_id == activity.id)
        )
        guests = db.session.scalar(
            select(func.count()).select_from(GuestResponse).where(GuestResponse.activity_id == activity.id)
        )
        state.answers = members + guests
        if activity.is_anonymous:
            state.held = ballot.pools(workspace, [activity.id]).get(activity.id, ballot.Pool()).people
        if reveal:
            state.results = results_for([activity]).get(activity.id)
    elif activity.kind is ActivityKind.NOTES:
        shown = select(Note).where(Note.activity_id == activity.id, Note.hidden_at.is_(None))
        state.answers = db.session.scalar(select(func.count()).select_from(shown.subquery()))
        if activity.is_anonymous:
            state.held = ballot.pools(workspace, [activity.id]).get(activity.id, ballot.Pool()).entries
        if reveal and cloud:
            texts = db.session.scalars(
                select(Note.text).where(Note.activity_id == activity.id, Note.hidden_at.is_(None))
            )
            state.cloud = wordcloud.cloud(texts, fallback=workshop.language)
        elif reveal:
            rows = db.session.execute(
                select(Note.text, WorkshopPost.name, User.name)
                .outerjoin(WorkshopPost, WorkshopPost.note_id == Note.id)
                .outerjoin(User, User.id == Note.author_id)
                .where(Note.activity_id == activity.id, Note.hidden_at.is_(None))
                .order_by(Note.created_at.desc(), Note.id.desc())
                .limit(BIG_SCREEN_NOTES)
            ).all()
            state.notes = [
                (text, None if activity.is_anonymous else (guest_name or member_name))
                for text, guest_name, member_name in rows
            ]
    return state


# --- participation statistics: work communities ----------------------------------------------------


@dataclass(frozen=True)
class WorkCommunity:
    unit: Unit | None
    sessions: int
    guests: int  # guest devices that answered or posted


def work_communities(workspace: Workspace) -> list[WorkCommunity]:
    """Per unit: its sessions that had a contribution, and how many guest devices contributed.

    A session counts as its unit's contribution; guests are never counted as invited people."""
    contributed = (
        select(Guest.workshop_id, func.count().label("guests"))
        .where(Guest.contributed.is_(True))
        .group_by(Guest.workshop_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Workshop.unit_id, func.count(Workshop.id), func.coalesce(func.sum(contributed.c.guests), 0))
        .join(contributed, contributed.c.workshop_id == Workshop.id)
        .where(Workshop.workspace_id == workspace.id)
        .group_by(Workshop.unit_id)
    ).all()
    units = {
        u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_([r[0] for r in rows if r[0]])))
    }
    result = [WorkCommunity(units.get(unit_id), sessions, int(guests)) for unit_id, sessions, guests in rows]
    return sorted(result, key=lambda c: (c.unit is None, (c.unit.name.get("fi") or "") if c.unit else ""))
