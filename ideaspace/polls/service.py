"""Answering polls and scales: one answer per person, anonymity as DESIGN.md says, exact results."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from flask import abort
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (
    Activity,
    ActivityKind,
    Answer,
    AnswerChoice,
    Membership,
    Respondent,
    Theme,
    User,
    Workspace,
    utcnow,
)
from ..permissions import activity_is_open, can_answer, can_change_answer, can_see_results
from ..workspaces.service import record_contribution
from .results import PollResults, results_for

SCALE_MIN, SCALE_MAX = 0, 10


class AnswerRefused(Exception):
    """A rule stops the answer; the message says why, in the reader's language."""


class AlreadyAnswered(AnswerRefused):
    pass


def get_activity(workspace: Workspace, activity_id: int) -> Activity:
    """An answerable activity of this workspace with its options; 404 for any other."""
    activity = db.session.scalar(
        select(Activity)
        .join(Theme, Theme.id == Activity.theme_id)
        .where(Activity.id == activity_id, Theme.workspace_id == workspace.id)
        .options(selectinload(Activity.options), selectinload(Activity.theme))
    )
    if activity is None or not activity.kind.is_answered:
        abort(404)
    return activity


# --- checking an answer --------------------------------------------------------------------------


def check_choice(activity: Activity, option_ids: Sequence[int]) -> list[int]:
    """The chosen options, or AnswerRefused saying what is wrong with them."""
    chosen = list(dict.fromkeys(option_ids))  # the same option twice counts once
    if not chosen:
        raise AnswerRefused(_("Choose an option."))
    valid = {option.id for option in activity.options}
    if any(option_id not in valid for option_id in chosen):
        raise AnswerRefused(_("That option is not part of this poll. Reload the page and choose again."))
    if activity.kind is ActivityKind.SINGLE_CHOICE and len(chosen) > 1:
        raise AnswerRefused(_("Choose only one option."))
    limit = activity.max_selections
    if activity.kind is ActivityKind.MULTIPLE_CHOICE and limit and len(chosen) > limit:
        raise AnswerRefused(
            ngettext("Choose at most %(num)d option.", "Choose at most %(num)d options.", limit)
        )
    return chosen


def check_scale(value: int | None) -> int:
    if value is None:
        raise AnswerRefused(_("Choose a number from 0 to 10."))
    if not SCALE_MIN <= value <= SCALE_MAX:
        raise AnswerRefused(_("The answer must be a whole number from 0 to 10."))
    return value


def _check_open(user: User, activity: Activity, workspace: Workspace) -> None:
    if not activity_is_open(activity, workspace):
        raise AnswerRefused(_("This activity is not open: answers are not accepted now."))
    if not can_answer(user, activity, workspace):
        raise AnswerRefused(_("You cannot answer in this workspace."))


def refusal(user: User, workspace: Workspace, activity: Activity) -> str | None:
    """Why this person cannot answer now, before looking at what they chose; None if they can."""
    if not activity_is_open(activity, workspace):
        return _("This activity is not open: answers are not accepted now.")
    record = respondent(user, activity)
    if record is None:
        return None
    if activity.is_anonymous:
        return _("You have already answered. Anonymous answers cannot be changed: nothing links them to you.")
    if not can_change_answer(user, activity, workspace) or record.answer_key is None:
        return _("You have already answered, and answers to this cannot be changed.")
    return None


# --- answering ------------------------------------------------------------------------------------


def respondent(user: User, activity: Activity) -> Respondent | None:
    return db.session.get(Respondent, (activity.id, user.id))


def submit(
    user: User,
    workspace: Workspace,
    activity: Activity,
    membership: Membership | None,
    *,
    option_ids: Sequence[int] = (),
    scale_value: int | None = None,
) -> tuple[Answer, bool]:
    """Answer, or change an earlier answer where that is allowed. Returns (answer, is_first)."""
    if respondent(user, activity) is not None:
        return change_answer(user, workspace, activity, option_ids=option_ids, scale_value=scale_value), False
    answer_ = answer(user, workspace, activity, membership, option_ids=option_ids, scale_value=scale_value)
    return answer_, True


def answer(
    user: User,
    workspace: Workspace,
    activity: Activity,
    membership: Membership | None,
    *,
    option_ids: Sequence[int] = (),
    scale_value: int | None = None,
) -> Answer:
    """Record a person's one answer: the answer with no link to them, and that they answered.

    Both rows go in together inside a savepoint; the respondent table's primary key (activity,
    user) makes a second answer fail, also when two requests race, and the savepoint takes the
    half-written answer back with it.
    """
    _check_open(user, activity, workspace)
    if activity.kind is ActivityKind.SCALE:
        scale_value, option_ids = check_scale(scale_value), []
    else:
        option_ids, scale_value = check_choice(activity, option_ids), None
    if respondent(user, activity) is not None:
        raise AlreadyAnswered(_("You have already answered this."))

    today = utcnow().date()
    new = Answer(
        activity_id=activity.id,
        answered_on=today,
        unit_id=_unit_to_record(user, workspace),
        scale_value=scale_value,
        choices=[AnswerChoice(option_id=option_id) for option_id in option_ids],
    )
    # Only a named, changeable answer keeps the way back to its answer.
    linked = activity.answers_changeable and not activity.is_anonymous
    try:
        with db.session.begin_nested():
            # The respondent first: its primary key is the one-answer-per-person lock, and an
            # anonymous answer is then written after it with nothing pointing either way.
            if linked:
                db.session.add(new)
                db.session.flush()
            db.session.add(
                Respondent(
                    activity_id=activity.id,
                    user_id=user.id,
                    answered_on=today,
                    answer_key=new.key if linked else None,
                )
            )
            db.session.flush()
            if not linked:
                db.session.add(new)
                db.session.flush()
    except IntegrityError:
        raise AlreadyAnswered(_("You have already answered this.")) from None
    record_contribution(user, workspace, membership)
    return new


def change_answer(
    user: User,
    workspace: Workspace,
    activity: Activity,
    *,
    option_ids: Sequence[int] = (),
    scale_value: int | None = None,
) -> Answer:
    """Replace a person's earlier answer, while the activity is open and allows it."""
    _check_open(user, activity, workspace)
    record = respondent(user, activity)
    if record is None:
        raise AnswerRefused(_("You have not answered this yet."))
    refused = refusal(user, workspace, activity)
    if refused:
        raise AlreadyAnswered(refused)
    if activity.kind is ActivityKind.SCALE:
        scale_value, option_ids = check_scale(scale_value), []
    else:
        option_ids, scale_value = check_choice(activity, option_ids), None
    existing = db.session.get(Answer, record.answer_key)
    if existing is None:  # pragma: no cover - the foreign key keeps them together
        raise AnswerRefused(_("Your earlier answer could not be found."))
    db.session.execute(delete(AnswerChoice).where(AnswerChoice.answer_key == existing.key))
    db.session.expire(existing, ["choices"])
    existing.scale_value = scale_value
    for option_id in option_ids:
        db.session.add(AnswerChoice(answer_key=existing.key, option_id=option_id))
    db.session.flush()
    return existing


def _unit_to_record(user: User, workspace: Workspace) -> int | None:
    """The person's unit, only if it is large enough that the answer cannot single them out."""
    if user.unit_id is None:
        return None
    members = db.session.scalar(
        select(func.count(User.id)).where(
            User.unit_id == user.unit_id, User.is_active_account.is_(True), User.erased_at.is_(None)
        )
    )
    return user.unit_id if members >= workspace.min_group_size else None


# --- what a page shows ----------------------------------------------------------------------------


@dataclass
class PollState:
    """Everything an activity's panel needs for one reader."""

    activity: Activity
    workspace: Workspace
    has_answered: bool = False
    can_answer: bool = False
    can_change: bool = False
    results_visible: bool = False
    results: PollResults | None = None
    selected: set[int] = field(default_factory=set)  # own earlier or just-submitted choices
    scale_value: int | None = None
    errors: list[str] = field(default_factory=list)
    confirmation: str | None = None

    @property
    def is_open(self) -> bool:
        return activity_is_open(self.activity, self.workspace)

    @property
    def live(self) -> bool:
        """Refresh the results while the activity takes answers."""
        return self.results_visible and self.is_open

    @property
    def version(self) -> str:
        """Changes when anything the results region shows changes: counts, visibility, openness."""
        counts = self.results.version if self.results else "hidden"
        return f"{counts}-{int(self.is_open)}"


def poll_states(user: User, workspace: Workspace, activities: Iterable[Activity]) -> dict[int, PollState]:
    """The panels of many activities in a constant number of queries (GROUP BY, no loop)."""
    activities = [a for a in activities if a.kind.is_answered]
    if not activities:
        return {}
    ids = [a.id for a in activities]
    answered: dict[int, str | None] = {}
    if getattr(user, "is_authenticated", False):
        answered = dict(
            db.session.execute(
                select(Respondent.activity_id, Respondent.answer_key).where(
                    Respondent.user_id == user.id, Respondent.activity_id.in_(ids)
                )
            ).all()
        )
    own = _own_answers([key for key in answered.values() if key])

    states = {}
    for activity in activities:
        has_answered = activity.id in answered
        key = answered.get(activity.id)
        chosen, value = own.get(key, (set(), None)) if key else (set(), None)
        states[activity.id] = PollState(
            activity=activity,
            workspace=workspace,
            has_answered=has_answered,
            can_answer=not has_answered and can_answer(user, activity, workspace),
            can_change=has_answered and key is not None and can_change_answer(user, activity, workspace),
            results_visible=can_see_results(user, activity, workspace, has_answered),
            selected=chosen,
            scale_value=value,
        )
    visible = [states[a].activity for a in states if states[a].results_visible]
    for activity_id, result in results_for(visible).items():
        states[activity_id].results = result
    return states


def _own_answers(keys: list[str]) -> dict[str, tuple[set[int], int | None]]:
    """A person's own changeable answers (only those keep a link), to fill in the change form."""
    if not keys:
        return {}
    own: dict[str, tuple[set[int], int | None]] = {}
    for key, value, option_id in db.session.execute(
        select(Answer.key, Answer.scale_value, AnswerChoice.option_id)
        .outerjoin(AnswerChoice, AnswerChoice.answer_key == Answer.key)
        .where(Answer.key.in_(keys))
    ):
        chosen, _value = own.setdefault(key, (set(), value))
        if option_id is not None:
            chosen.add(option_id)
    return own


def theme_context(user: User, workspace: Workspace, activities: Iterable[Activity]) -> dict:
    """What the theme page's poll partials need: {"polls": {activity_id: PollState}}."""
    return {"polls": poll_states(user, workspace, activities)}
