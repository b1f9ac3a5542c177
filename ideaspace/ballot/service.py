"""Seal anonymous contributions into their scope's pool and publish full pools in shuffled batches.

Why: a row written in the same transaction as the person's participation record can be linked to
it through PostgreSQL's `xmin`, SQLite's rowid, sequential ids, insertion order and times. So the
request writes only the participation record and a sealed `Ballot`; the published rows are written
later, in a transaction of their own, for at least k people at once, in shuffled order, all with
the publication time, and with a unit label that every group of the batch shares with at least
k−1 others (`cell_labels`).

What a batch is on disk: the rows of one scope published together share their time (the day for
answers: `answer.answered_on`; `created_at` for notes, comments and ideas) and cover at least k
people; within it every (time, unit) cell covers at least k people or none.

A pool that never reaches k people stays pending, also after its activity closes: publishing
fewer than k people alone, or adding them to an earlier batch, would make the difference between
the results before and after show what those few said. Moderators see how many are held.

Limits (for docs/anonymity.md): a pending ballot is as linkable as the request that wrote it to
whoever reads the database before publication (same transaction as the participation record);
holders of the app's SECRET_KEY can recompute the pseudonyms of pending ballots. After
publication the ballots are deleted; on SQLite `PRAGMA secure_delete=ON` (ideaspace/extensions.py)
overwrites their bytes, though the WAL file keeps them until the next checkpoint; on PostgreSQL
the deleted tuples stay in the table's pages until VACUUM reclaims them, and in the WAL and any
backup taken before.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import Integer, bindparam, delete, func, insert, select, text

from ..anonymity import group_size
from ..extensions import db
from ..models import (
    Answer,
    AnswerChoice,
    Comment,
    Idea,
    Note,
    Option,
    Theme,
    Unit,
    User,
    Workspace,
    utcnow,
)
from ..models.activity import new_answer_key
from ..models.ballot import Ballot, BallotKind, RetiredIdea, new_ballot_id
from .cells import cell_labels

log = logging.getLogger(__name__)

# session.info keys: the scopes this transaction filled to k people, to publish after it commits;
# the pools it counted while sealing (so the page it renders need not count them again).
_TOUCHED = "ideaspace.ballot_scopes"
_COUNTED = "ideaspace.ballot_pools"
# A random shuffle that no seed of the process can replay.
_shuffle = random.SystemRandom().shuffle

Scope = tuple[int, int | None]  # (workspace id, activity id; None for the idea barrel)


def pseudonym(user: User, scope: Scope) -> str:
    """A keyed stand-in for the person within one scope: counts distinct people, names nobody."""
    key = current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    message = f"{scope[0]}:{scope[1] if scope[1] is not None else 'ideas'}:{user.id}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


# --- sealing (in the request that accepts the contribution) ------------------------------------


@dataclass(frozen=True)
class Pending:
    """What a request that sealed a contribution knows of it: its random pending id, and k."""

    id: str
    kind: BallotKind
    k: int


def seal(
    user: User, workspace: Workspace, activity_id: int | None, kind: BallotKind, payload: dict
) -> Pending:
    """Put a sealed contribution into its scope's pool, and count the pool.

    The author's unit goes into the payload for the publication's unit labels, never onto a row.
    Sealers of one scope take turns (PostgreSQL: a transaction-scoped advisory lock; SQLite's
    BEGIN IMMEDIATE already lets one writer in), so the count each makes includes every ballot
    committed before it: the one whose ballot makes k people is sure to see k, and marks the
    scope for publication after its commit (`publish_after_commit`).
    """
    scope = (workspace.id, activity_id)
    ballot_id = new_ballot_id()
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(_LOCK_SCOPE, {"key": _lock_key(scope)})
    db.session.execute(
        insert(Ballot.__table__),
        {
            "id": ballot_id,
            "workspace_id": workspace.id,
            "activity_id": activity_id,
            "kind": kind,
            "contributor": pseudonym(user, scope),
            "payload": {**payload, "unit": user.unit_id},
        },
    )
    entries, people = db.session.execute(
        _COUNT_POOL, {"workspace_id": workspace.id, "activity_id": activity_id}
    ).one()
    db.session.info.setdefault(_COUNTED, {})[scope] = Pool(entries, people)
    k = group_size(workspace)
    if people >= k:
        db.session.info.setdefault(_TOUCHED, set()).add(scope)
    return Pending(ballot_id, kind, k)


_LOCK_SCOPE = text("SELECT pg_advisory_xact_lock(:key)")


def _lock_key(scope: Scope) -> int:
    """A 63-bit advisory lock key of a scope ("ballot" + workspace + activity, 0 for the barrel)."""
    return (0xBA110 << 40) | (scope[0] << 20 & 0xFFFFF00000) | ((scope[1] or 0) & 0xFFFFF)


def touched_scopes() -> set[Scope]:
    """The scopes the current transaction filled to k people (and forgets them, and its counts)."""
    db.session.info.pop(_COUNTED, None)
    return db.session.info.pop(_TOUCHED, None) or set()


# --- what is waiting ----------------------------------------------------------------------------


_COUNT_POOL = select(func.count(), func.count(Ballot.contributor.distinct())).where(
    Ballot.workspace_id == bindparam("workspace_id", type_=Integer),
    # IS NOT DISTINCT FROM: the barrel's pool is the one whose activity is NULL.
    Ballot.activity_id.is_not_distinct_from(bindparam("activity_id", type_=Integer)),
)


@dataclass(frozen=True)
class Pool:
    """How many contributions and people wait in one scope's pool (never what they said)."""

    entries: int = 0
    people: int = 0


def pools(workspace: Workspace, activity_ids: Iterable[int | None]) -> dict[int | None, Pool]:
    """The pending pools of these scopes of the workspace, in one query (missing: empty)."""
    ids = list(activity_ids)
    counted = db.session.info.get(_COUNTED, {})
    if ids and all((workspace.id, i) in counted for i in ids):  # just counted while sealing
        return {i: counted[(workspace.id, i)] for i in ids}
    if not ids:
        return {}
    real = [i for i in ids if i is not None]
    scope = Ballot.activity_id.in_(real)
    if None in ids:
        scope = scope | Ballot.activity_id.is_(None)
    rows = db.session.execute(
        select(Ballot.activity_id, func.count(), func.count(Ballot.contributor.distinct()))
        .where(Ballot.workspace_id == workspace.id, scope)
        .group_by(Ballot.activity_id)
    )
    return {activity_id: Pool(entries, people) for activity_id, entries, people in rows}


def workspace_pools(workspace: Workspace) -> dict[int | None, Pool]:
    """Every pending pool of the workspace, by activity (None: the idea barrel), in one query."""
    rows = db.session.execute(
        select(Ballot.activity_id, func.count(), func.count(Ballot.contributor.distinct()))
        .where(Ballot.workspace_id == workspace.id)
        .group_by(Ballot.activity_id)
    )
    return {activity_id: Pool(entries, people) for activity_id, entries, people in rows}


def is_retired_idea(workspace: Workspace, idea_id: int) -> bool:
    """Whether this number was an anonymous idea's before it was published again (migration 0004)."""
    found = db.session.get(RetiredIdea, idea_id)
    return found is not None and found.workspace_id == workspace.id


def pending_ids(ids: Iterable[str]) -> set[str]:
    """Which of these pending ids (from a person's own cookie) are still waiting."""
    ids = [i for i in ids if isinstance(i, str) and len(i) == 32]
    if not ids:
        return set()
    return set(db.session.scalars(select(Ballot.id).where(Ballot.id.in_(ids))))


def pending_entries(ids: Iterable[str]) -> list[Ballot]:
    """A person's own pending ballots (ids from their cookie), to show them what they sent."""
    ids = [i for i in ids if isinstance(i, str) and len(i) == 32]
    if not ids:
        return []
    return list(db.session.scalars(select(Ballot).where(Ballot.id.in_(ids))))


# --- unit labels --------------------------------------------------------------------------------


# --- publishing (in a transaction of its own) ---------------------------------------------------


def publish(workspace: Workspace, activity_id: int | None, *, now: datetime | None = None) -> int:
    """Publish the scope's whole pool if it holds at least k people; returns how many entries.

    Runs in the caller's transaction, which must hold nothing else of a request (the caller
    commits right after). The pool's rows are locked first (FOR UPDATE on PostgreSQL; SQLite's
    writer lock serialises), so two publishers never publish the same ballot twice.
    """
    k = group_size(workspace)
    scope = [Ballot.workspace_id == workspace.id, _scope_is(activity_id)]
    people = db.session.scalar(select(func.count(Ballot.contributor.distinct())).where(*scope))
    if people < k:
        return 0
    ballots = list(db.session.scalars(select(Ballot).where(*scope).with_for_update()))
    if len({b.contributor for b in ballots}) < k:  # another publisher took them meanwhile
        return 0
    now = now or utcnow()
    units = {b.contributor: b.payload.get("unit") for b in ballots}
    labels = cell_labels(units, _unit_parents(), k)
    _shuffle(ballots)
    by_kind: dict[BallotKind, list[tuple[Ballot, int | None]]] = defaultdict(list)
    for ballot in ballots:
        by_kind[ballot.kind].append((ballot, labels[ballot.contributor]))
    for kind, items in by_kind.items():
        _WRITERS[kind](workspace, activity_id, items, now)
    # The search index rows of the published notes, comments and ideas: written here, in the
    # publication's transaction, never in the request that recorded who took part.
    from ..text.index import index_published

    index_published(workspace, now)
    # Only the ballots read above: any sealed meanwhile wait for the next batch.
    db.session.execute(delete(Ballot.__table__).where(Ballot.id.in_([b.id for b in ballots])))
    for ballot in ballots:
        db.session.expunge(ballot)
    db.session.flush()
    # A live workshop's big screen showing this activity refetches once this commits (from a
    # request or from `ideaspace publish` alike): no names, only "its count changed".
    from ..workshops import live

    live.announce_activities(db.session, [activity_id])
    return len(ballots)


def _scope_is(activity_id: int | None):
    return Ballot.activity_id.is_(None) if activity_id is None else Ballot.activity_id == activity_id


def _unit_parents() -> dict[int, int | None]:
    return dict(db.session.execute(select(Unit.id, Unit.parent_id)).all())


def _write_answers(workspace, activity_id, items, now) -> None:
    valid = set(db.session.scalars(select(Option.id).where(Option.activity_id == activity_id)))
    answers, choices = [], []
    for ballot, label in items:
        key = new_answer_key()
        answers.append(
            {
                "key": key,
                "activity_id": activity_id,
                "answered_on": now.date(),
                "unit_id": label,
                "scale_value": ballot.payload.get("scale"),
            }
        )
        choices += [
            {"answer_key": key, "option_id": o} for o in ballot.payload.get("options", []) if o in valid
        ]
    # Inserted in the shuffled order: SQLite's rowids and PostgreSQL's ctids follow it.
    db.session.execute(insert(Answer.__table__), answers)
    if choices:
        db.session.execute(insert(AnswerChoice.__table__), choices)


def _write_notes(workspace, activity_id, items, now) -> None:
    rows = [
        {
            "workspace_id": workspace.id,
            "activity_id": activity_id,
            "author_id": None,
            "unit_id": label,
            "text": ballot.payload["text"],
            "created_at": now,
        }
        for ballot, label in items
    ]
    _insert_in_order(Note, rows)


def _write_comments(workspace, activity_id, items, now) -> None:
    wanted = {b.payload.get("parent") for b, _label in items} - {None}
    parents = set()
    if wanted:
        parents = set(
            db.session.scalars(
                select(Comment.id).where(Comment.id.in_(wanted), Comment.workspace_id == workspace.id)
            )
        )
    rows = []
    for ballot, label in items:
        payload = ballot.payload
        parent = payload.get("parent")
        row = {
            "workspace_id": workspace.id,
            "theme_id": None,
            "measure_id": None,
            "activity_id": None,
            "idea_id": None,
            "parent_id": parent if parent in parents else None,
            "author_id": None,
            "unit_id": label,
            # On behalf of a unit only where the label shown is that very unit.
            "on_behalf_of_unit": bool(payload.get("on_behalf"))
            and label is not None
            and label == payload["unit"],
            "body": payload["body"],
            "body_source": payload.get("body_source"),  # ballots sealed before 0008 have none
            "created_at": now,
        }
        row[f"{payload.get('target', 'activity')}_id"] = payload.get("target_id", activity_id)
        rows.append(row)
    _insert_in_order(Comment, rows)


def _write_ideas(workspace, activity_id, items, now) -> None:
    wanted = {b.payload.get("theme") for b, _label in items} - {None}
    themes = set()
    if wanted:
        themes = set(
            db.session.scalars(
                select(Theme.id).where(Theme.id.in_(wanted), Theme.workspace_id == workspace.id)
            )
        )
    rows = [
        {
            "workspace_id": workspace.id,
            "theme_id": ballot.payload.get("theme") if ballot.payload.get("theme") in themes else None,
            "title": ballot.payload["title"],
            "body": ballot.payload["body"],
            "body_source": ballot.payload.get("body_source"),
            "author_id": None,
            "unit_id": label,
            "created_at": now,
        }
        for ballot, label in items
    ]
    _insert_in_order(Idea, rows)


def _insert_in_order(model, rows: list[dict]) -> None:
    """Insert the rows in one statement, their ids handed out in the (shuffled) order of `rows`.

    PostgreSQL: the batch's ids are drawn from the table's sequence first and given in that order
    (a multi-row INSERT does not promise which row gets which sequence value); SQLite numbers the
    rows of an executemany in order.
    """
    table = model.__table__
    if db.session.get_bind().dialect.name == "postgresql":
        ids = db.session.scalars(
            text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
            {"t": table.name, "n": len(rows)},
        ).all()
        for row, new_id in zip(rows, sorted(ids), strict=True):
            row["id"] = new_id
    db.session.execute(insert(table), rows)


_WRITERS = {
    BallotKind.ANSWER: _write_answers,
    BallotKind.NOTE: _write_notes,
    BallotKind.COMMENT: _write_comments,
    BallotKind.IDEA: _write_ideas,
}


def publish_scopes(scopes: Iterable[Scope]) -> int:
    """Publish each full pool among these scopes in a transaction of its own; returns entries.

    Called right after a request that sealed something has committed, and by `ideaspace publish`.
    A failure rolls back that scope only: its pool stays, durable, for the next attempt.
    """
    published = 0
    for workspace_id, activity_id in sorted(scopes, key=lambda s: (s[0], s[1] or 0)):
        try:
            workspace = db.session.get(Workspace, workspace_id)
            if workspace is None:
                continue
            count = publish(workspace, activity_id)
            db.session.commit()
            published += count
        except Exception:  # the pool is durable: the next request or `ideaspace publish` retries
            db.session.rollback()
            log.exception("publishing the ballot box of %s/%s failed", workspace_id, activity_id)
    return published


def publish_after_commit() -> int:
    """The request's step after its commit: publish the pools it sealed into, if they are full."""
    scopes = touched_scopes()
    return publish_scopes(scopes) if scopes else 0


def publish_all() -> int:
    """Publish every full pool of the instance (`ideaspace publish`, for cron)."""
    pools = select(Ballot.workspace_id, Ballot.activity_id).distinct()
    scopes = {tuple(row) for row in db.session.execute(pools)}
    db.session.commit()  # end the read: each scope publishes in a transaction of its own
    return publish_scopes(scopes)
