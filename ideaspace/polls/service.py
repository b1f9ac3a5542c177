"""Answering polls and scales: one answer per person, anonymity as DESIGN.md says, exact results."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache

from flask import abort
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import Integer, and_, bindparam, case, delete, func, insert, null, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import contains_eager, joinedload, make_transient_to_detached

from ..ballot import service as ballot
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
from ..models.activity import new_answer_key
from ..models.ballot import BallotKind
from ..permissions import activity_is_open, can_answer, can_change_answer, can_see_results
from ..workspaces.service import record_contribution
from .results import PollResults, results_for

SCALE_MIN, SCALE_MAX = 0, 10


class AnswerRefused(Exception):
    """A rule stops the answer; the message says why, in the reader's language."""


class AlreadyAnswered(AnswerRefused):
    pass


def get_activity(workspace: Workspace, activity_id: int) -> Activity:
    """An answerable activity of this workspace with its theme and options (one query); 404 for
    any other."""
    return load_activity(workspace, activity_id, None)[0]


def load_activity(
    workspace: Workspace, activity_id: int, user: User | None
) -> tuple[Activity, Respondent | None]:
    """The activity (as get_activity) and, in the same query, the person's respondent row: whether
    they have answered it and, for a named changeable answer, which answer is theirs."""
    parameters = {"activity_id": activity_id, "workspace_id": workspace.id}
    signed_in = getattr(user, "is_authenticated", False)
    if signed_in:
        parameters["user_id"] = user.id
    found = db.session.execute(_activity_statement(signed_in), parameters).unique().one_or_none()
    if found is None or not found[0].kind.is_answered:
        abort(404)
    return found[0], found[1]


@cache
def _activity_statement(signed_in: bool):
    """load_activity's statement, built once (building it cost more than running it), its ids as
    bound parameters; with the person's respondent row when someone is signed in."""
    query = (
        select(Activity)
        .join(Activity.theme)
        .where(
            Activity.id == bindparam("activity_id", type_=Integer),
            Theme.workspace_id == bindparam("workspace_id", type_=Integer),
        )
        .options(contains_eager(Activity.theme), joinedload(Activity.options))
    )
    if not signed_in:
        return query.add_columns(null())
    return query.add_columns(Respondent).outerjoin(
        Respondent,
        and_(
            Respondent.activity_id == Activity.id, Respondent.user_id == bindparam("user_id", type_=Integer)
        ),
    )


def answered_by(activity: Activity, record: Respondent | None) -> dict[int, str | None]:
    """poll_states' `answered` for one activity whose respondent row (or None) is known."""
    return {activity.id: record.answer_key} if record is not None else {}


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


class _Unknown:
    """`record=UNKNOWN`: the caller has not looked up whether the person has answered."""


UNKNOWN = _Unknown()


def refusal(
    user: User, workspace: Workspace, activity: Activity, record: Respondent | None | _Unknown = UNKNOWN
) -> str | None:
    """Why this person cannot answer now, before looking at what they chose; None if they can.

    `record` is the person's respondent row (or None) when the caller has already looked it up."""
    if not activity_is_open(activity, workspace):
        return _("This activity is not open: answers are not accepted now.")
    if isinstance(record, _Unknown):
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
    record: Respondent | None | _Unknown = UNKNOWN,
    option_ids: Sequence[int] = (),
    scale_value: int | None = None,
) -> tuple[Answer, bool]:
    """Answer, or change an earlier answer where that is allowed. Returns (answer, is_first).

    `record`: the person's respondent row (or None) if the caller has already looked it up."""
    if isinstance(record, _Unknown):
        record = respondent(user, activity)
    chosen = {"option_ids": option_ids, "scale_value": scale_value}
    if record is not None:
        return change_answer(user, workspace, activity, record=record, **chosen), False
    return answer(user, workspace, activity, membership, record=None, **chosen), True


def answer(
    user: User,
    workspace: Workspace,
    activity: Activity,
    membership: Membership | None,
    *,
    record: Respondent | None | _Unknown = UNKNOWN,
    option_ids: Sequence[int] = (),
    scale_value: int | None = None,
) -> Answer | ballot.Pending:
    """Record a person's one answer: the answer with no link to them, and that they answered.

    An anonymous answer goes into the ballot box (a Pending comes back): it is written when k
    people have answered, in a transaction of its own.

    Both rows go in together inside a savepoint; the respondent table's primary key (activity,
    user) makes a second answer fail, also when two requests race, and the savepoint takes the
    half-written answer back with it. `record=None`: the caller has just found no respondent row.
    """
    _check_open(user, activity, workspace)
    if activity.kind is ActivityKind.SCALE:
        scale_value, option_ids = check_scale(scale_value), []
    else:
        option_ids, scale_value = check_choice(activity, option_ids), None
    if isinstance(record, _Unknown):
        record = respondent(user, activity)
    if record is not None:
        raise AlreadyAnswered(_("You have already answered this."))

    today = utcnow().date()
    row = {
        "key": new_answer_key(),
        "activity_id": activity.id,
        "answered_on": today,
        "scale_value": scale_value,
    }
    unit = _unit_to_record(user, workspace)
    # Only a named, changeable answer keeps the way back to its answer.
    linked = activity.answers_changeable and not activity.is_anonymous
    respondent_row = {"activity_id": activity.id, "user_id": user.id, "answered_on": today}
    # Plain INSERTs (the answer path is the workshop's busiest write): no unit of work, and no
    # savepoint: the respondent row is written with ON CONFLICT DO NOTHING, so a second answer
    # (also from a racing request, which waits for the first to commit) writes nothing and fails
    # nothing, and the transaction carries on to say so.
    if linked:
        # The respondent row points at the answer, so the answer goes first; taken back if the
        # person turns out to have answered already.
        row["unit_id"] = _insert_answer(row, unit, option_ids)
        if not _claim({**respondent_row, "answer_key": row["key"]}):
            db.session.execute(delete(AnswerChoice.__table__).where(AnswerChoice.answer_key == row["key"]))
            db.session.execute(delete(Answer.__table__).where(Answer.key == row["key"]))
            raise AlreadyAnswered(_("You have already answered this."))
    else:
        # The respondent first: its primary key is the one-answer-per-person lock.
        if not _claim({**respondent_row, "answer_key": None}):
            raise AlreadyAnswered(_("You have already answered this."))
        if activity.is_anonymous:
            # Into the ballot box: the answer is written when k people have answered, in a
            # transaction of its own, with nothing of this one (ideaspace/ballot/service.py).
            payload = {"options": list(option_ids), "scale": scale_value}
            record_contribution(user, workspace, membership)
            return ballot.seal(user, workspace, activity.id, BallotKind.ANSWER, payload)
        row["unit_id"] = _insert_answer(row, unit, option_ids)
    record_contribution(user, workspace, membership)
    # The row as written, in the session as the persistent object it is (no SELECT to load it).
    new = Answer(**row)
    make_transient_to_detached(new)
    db.session.add(new)
    return new


_INSERT_IF_NEW = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}


def _claim(respondent_row: dict) -> bool:
    """Write the person's respondent row unless they have one: True if this request wrote it.

    The primary key (activity, user) decides, also between requests racing each other."""
    statement = _claim_statement(db.session.get_bind().dialect.name)
    return db.session.execute(statement, respondent_row).first() is not None


@cache
def _claim_statement(dialect: str):
    """_claim's INSERT ... ON CONFLICT DO NOTHING RETURNING, built once per dialect; the row's
    values are its parameters."""
    table = Respondent.__table__
    statement = _INSERT_IF_NEW[dialect](table).on_conflict_do_nothing()
    return statement.returning(table.c.user_id)  # rowcount is -1 here


def _insert_answer(row: dict, unit: dict, option_ids: Sequence[int]) -> int | None:
    """Write an answer and its choices; returns the unit it recorded (worked out by the INSERT)."""
    unit_id = db.session.execute(_INSERT_ANSWER, {**row, **unit}).scalar_one()
    if option_ids:
        db.session.execute(
            insert(AnswerChoice.__table__),
            [{"answer_key": row["key"], "option_id": option_id} for option_id in option_ids],
        )
    return unit_id


def change_answer(
    user: User,
    workspace: Workspace,
    activity: Activity,
    *,
    record: Respondent | None | _Unknown = UNKNOWN,
    option_ids: Sequence[int] = (),
    scale_value: int | None = None,
) -> Answer:
    """Replace a person's earlier answer, while the activity is open and allows it.

    The person's respondent row is read again and locked (FOR UPDATE on PostgreSQL; on SQLite the
    request's BEGIN IMMEDIATE already lets one writer in at a time), so two changes from one person
    take turns and each replaces the choices the other committed: unlocked, eight at once left a
    single-choice answer with two choices, or failed on answer_choice's primary key."""
    _check_open(user, activity, workspace)
    if record is not None:  # also UNKNOWN: nobody has looked yet
        record = db.session.get(
            Respondent, (activity.id, user.id), with_for_update=True, populate_existing=True
        )
    if record is None:
        raise AnswerRefused(_("You have not answered this yet."))
    refused = refusal(user, workspace, activity, record)
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


def _unit_to_record(user: User, workspace: Workspace) -> dict:
    """What decides the unit an answer records: the person's unit (if any), kept only if it has at
    least the workspace's minimum group size of people, so that the answer cannot single them out.

    The answer's INSERT counts the unit's people itself (_INSERT_ANSWER): no round trip of its own.
    """
    return {"person_unit": user.unit_id, "min_group": workspace.min_group_size}


_person_unit = bindparam("person_unit", type_=Integer)
_unit_members = (
    select(func.count(User.id))
    .where(User.unit_id == _person_unit, User.is_active_account.is_(True), User.erased_at.is_(None))
    .scalar_subquery()
)
# Built once: an answer row whose unit is the person's unit when it is large enough, else NULL
# (no unit: nobody matches `unit_id = NULL`, and NULL is recorded either way).
_INSERT_ANSWER = (
    insert(Answer.__table__)
    .values(unit_id=case((_unit_members >= bindparam("min_group"), _person_unit), else_=null()))
    .returning(Answer.__table__.c.unit_id)
)


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
    # Anonymous: the answers waiting in the ballot box (how many, never what), and k.
    held: ballot.Pool = field(default_factory=ballot.Pool)
    k: int = 0

    @property
    def held_only(self) -> bool:
        """Anonymous answers have been given but none is published yet (fewer than k people)."""
        return self.held.people > 0 and (self.results is None or self.results.is_empty)

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
        return f"{counts}-{self.held.people}-{int(self.is_open)}"


def poll_states(
    user: User,
    workspace: Workspace,
    activities: Iterable[Activity],
    *,
    answered: Mapping[int, str | None] | None = None,
    own: Mapping[str, tuple[set[int], int | None]] | None = None,
) -> dict[int, PollState]:
    """The panels of many activities in a constant number of queries (GROUP BY, no loop).

    `answered` ({activity id: answer key or None}, every activity the person has answered among
    these) and `own` ({answer key: (options, scale value)}) are given by a caller that already
    knows them (the answer view, having just written them); otherwise they are looked up.
    """
    activities = [a for a in activities if a.kind.is_answered]
    if not activities:
        return {}
    ids = [a.id for a in activities]
    if answered is None:
        answered = {}
        if getattr(user, "is_authenticated", False):
            answered = dict(
                db.session.execute(
                    select(Respondent.activity_id, Respondent.answer_key).where(
                        Respondent.user_id == user.id, Respondent.activity_id.in_(ids)
                    )
                ).all()
            )
    if own is None:
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
    anonymous = [a.id for a in visible if a.is_anonymous]
    if anonymous:  # one query for all of them, none for named polls
        k = ballot.group_size(workspace)
        held = ballot.pools(workspace, anonymous)
        for activity_id in anonymous:
            states[activity_id].held = held.get(activity_id, ballot.Pool())
            states[activity_id].k = k
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


def states_after_answer(
    user: User,
    workspace: Workspace,
    activity: Activity,
    answer_: Answer,
    *,
    option_ids: Sequence[int] = (),
    scale_value: int | None = None,
) -> dict[int, PollState]:
    """The panel of an activity the person has just answered (or changed their answer to) with
    these choices: only its results are read from the database."""
    if activity.answers_changeable and not activity.is_anonymous:  # a named answer keeps its key
        return poll_states(
            user,
            workspace,
            [activity],
            answered={activity.id: answer_.key},
            own={answer_.key: (set(option_ids), scale_value)},
        )
    return poll_states(user, workspace, [activity], answered={activity.id: None}, own={})


def theme_context(user: User, workspace: Workspace, activities: Iterable[Activity]) -> dict:
    """What the theme page's poll partials need: {"polls": {activity_id: PollState}}."""
    return {"polls": poll_states(user, workspace, activities)}
