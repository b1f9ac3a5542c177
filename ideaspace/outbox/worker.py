"""The worker: claim due messages, render them, send them over one connection per batch, mark them.

Exactly once, except for one window: each row is claimed by one worker (a conditional UPDATE;
FOR UPDATE SKIP LOCKED on PostgreSQL); the batch is rendered and its attempts counted in one
commit; each message's sent_at is committed right after the server accepted it, and the worker
stops sending once half the lease (OUTBOX_LEASE_SECONDS) is gone. A worker that dies leaves its
claims until the lease expires; then another sends them. Only a death between the server's "250"
and that commit sends a message twice (docs/deploy.md).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, current_app, g
from flask_babel import force_locale
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from .. import mail
from ..extensions import db
from ..models import OutboxMessage, utcnow
from ..sanitize import clean_line

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=6)


@dataclass
class Counts:
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    retried: int = 0

    def add(self, other: Counts) -> None:
        for name in ("claimed", "sent", "failed", "skipped", "retried"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def worker_id() -> str:
    """Who holds a claim: host, process and thread (several workers may share a host)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{threading.get_native_id()}"[:64]


def _pending():
    return and_(
        OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None), OutboxMessage.skipped_at.is_(None)
    )


def claim(me: str, limit: int, now: datetime | None = None) -> list[int]:
    """Claim up to `limit` due messages for this worker, and commit; returns their ids.

    Due: pending, not_before passed, and unclaimed or claimed longer ago than the lease (that
    worker died). The outer WHERE repeats the condition, so of two workers only one matches a row."""
    now = now or utcnow()
    expired = now - timedelta(seconds=current_app.config["OUTBOX_LEASE_SECONDS"])
    due = and_(
        _pending(),
        OutboxMessage.not_before <= now,
        or_(OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at < expired),
    )
    # A materialized CTE, not `id IN (subquery)`: PostgreSQL may plan that as a nested loop that
    # runs the LIMITed, SKIP LOCKED subquery again for outer rows, and claim far more than `limit`
    # (one worker claimed all 300 messages of the two-worker test, and the other none).
    candidates = (
        select(OutboxMessage.id)
        .where(due)
        .order_by(OutboxMessage.not_before, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .cte("candidates")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    statement = (
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(select(candidates.c.id)), due)
        .values(claimed_at=now, claimed_by=me)
        .returning(OutboxMessage.id)
    )
    ids = sorted(db.session.scalars(statement, execution_options={"synchronize_session": False}))
    db.session.commit()
    return ids


def run_once(me: str | None = None, transport=None) -> Counts:
    """Claim one batch, render it (one commit), and send it over one connection."""
    me = me or worker_id()
    config = current_app.config
    counts = Counts()
    ids = claim(me, int(config["OUTBOX_BATCH"]))
    counts.claimed = len(ids)
    # Stop sending well before the lease (counted from each row's stamp in _render_batch) runs out:
    # after it, another worker may take these rows.
    deadline = time.monotonic() + int(config["OUTBOX_LEASE_SECONDS"]) / 2
    ready = _render_batch(ids, me, counts) if ids else []
    if not ready:
        return counts
    own = transport is None
    transport = transport or mail.transport()
    try:
        for index, (message_id, email) in enumerate(ready):
            if time.monotonic() > deadline:
                _release([i for i, _ in ready[index:]], me, wait=False)
                break
            try:
                _send(message_id, email, transport, counts)
            except mail.ConnectionLost:
                _release([i for i, _ in ready[index + 1 :]], me)
                break
    finally:
        if own:
            transport.close()
    return counts


def drain(max_rounds: int = 1000) -> Counts:
    """Send everything that is due now (tests, `ideaspace worker --once`)."""
    me = worker_id()
    total = Counts()
    for _round in range(max_rounds):
        counts = run_once(me)
        total.add(counts)
        if not counts.claimed:
            break
    return total


def _render_batch(ids: list[int], me: str, counts: Counts) -> list[tuple[int, object]]:
    """Count an attempt and render each claimed message; commit once (the renderers' sign-in tokens
    too, so a delivered link always works). Returns the messages ready to send."""
    from . import KINDS

    max_attempts = int(current_app.config["OUTBOX_MAX_ATTEMPTS"])
    # One UPDATE stamps the batch (a new lease from now, an attempt counted) and one SELECT reads
    # it: rows whose lease ran out and that another worker took meanwhile are not ours any more.
    stamped = set(
        db.session.scalars(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.claimed_by == me, _pending())
            .values(claimed_at=utcnow(), attempts=OutboxMessage.attempts + 1)
            .returning(OutboxMessage.id),
            execution_options={"synchronize_session": False},
        )
    )
    messages = {
        message.id: message
        for message in db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.id.in_(stamped))
            .execution_options(populate_existing=True)
        )
    }
    ready = []
    g._outbox_batch = {}  # what renderers share within this batch (outbox.shared)
    try:
        for message_id in ids:
            message = messages.get(message_id)
            if message is None:
                continue
            render = KINDS.get(message.kind)
            if message.attempts > max_attempts:  # the worker died on it again and again
                _fail(message, message.last_error or "", counts, gave_up=True)
                continue
            if render is None:
                _fail(message, f"unknown kind {message.kind!r}", counts)
                continue
            savepoint = db.session.begin_nested()  # what a failing renderer wrote is undone
            try:
                with force_locale(message.language):
                    content = render(message)
                    email = None if content is None else _build(content, message.language)
            except Exception as error:  # a bug in one renderer must not stop the others
                log.exception("Outbox message %s (%s) could not be rendered", message_id, message.kind)
                savepoint.rollback()
                message = db.session.get(OutboxMessage, message_id, populate_existing=True)
                _retry(message, f"rendering failed: {type(error).__name__}", counts)
                continue
            savepoint.commit()
            if email is None:
                message.skipped_at = utcnow()
                counts.skipped += 1
            else:
                ready.append((message_id, email))
    finally:
        g.pop("_outbox_batch", None)
    db.session.commit()
    return ready


def _send(message_id: int, email, transport, counts: Counts) -> None:
    """Send one rendered message; sent_at is committed right after the server accepted it."""
    try:
        transport.send(email)
    except mail.Permanent as error:
        _fail(db.session.get(OutboxMessage, message_id), str(error), counts)
    except mail.ConnectionLost as error:
        _retry(db.session.get(OutboxMessage, message_id), str(error), counts)
        db.session.commit()
        raise
    except mail.Transient as error:
        _retry(db.session.get(OutboxMessage, message_id), str(error), counts)
    else:
        # One UPDATE, no read: the row is this worker's (claimed and stamped), sent once.
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(sent_at=utcnow(), last_error=None),
            execution_options={"synchronize_session": False},
        )
        counts.sent += 1
    db.session.commit()


def _build(content, language: str):
    if not clean_line(content.to).strip():
        raise ValueError("no address")
    email = mail.build(content.to, content.subject, content.text, content.html, language)
    for name, value in content.headers.items():
        email[clean_line(name)] = clean_line(value)
    return email


def backoff(attempts: int) -> timedelta:
    """How long to wait after the n-th failed attempt: OUTBOX_RETRY_SECONDS, doubling, at most 6 h."""
    base = timedelta(seconds=int(current_app.config["OUTBOX_RETRY_SECONDS"]))
    return min(base * (2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def _retry(message: OutboxMessage, reason: str, counts: Counts) -> None:
    if message.attempts >= int(current_app.config["OUTBOX_MAX_ATTEMPTS"]):
        _fail(message, reason, counts, gave_up=True)
        return
    message.last_error = reason[:500]
    message.not_before = utcnow() + backoff(message.attempts)
    message.claimed_at = message.claimed_by = None
    counts.retried += 1


def _fail(message: OutboxMessage, reason: str, counts: Counts, gave_up: bool = False) -> None:
    if gave_up:
        reason = f"{reason} (gave up after {current_app.config['OUTBOX_MAX_ATTEMPTS']} attempts)".lstrip()
    message.failed_at = utcnow()
    message.last_error = reason[:500]
    counts.failed += 1


def _release(ids: list[int], me: str, wait: bool = True) -> None:
    """Give back rendered messages that were not tried (the server went away: due again after the
    first backoff; or half the lease is gone: due at once); their attempt is not counted."""
    if ids:
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.claimed_by == me, _pending())
            .values(
                claimed_at=None,
                claimed_by=None,
                attempts=OutboxMessage.attempts - 1,
                not_before=utcnow() + backoff(1) if wait else OutboxMessage.not_before,
            ),
            execution_options={"synchronize_session": False},
        )
    db.session.commit()


def run_forever(app: Flask, stop: threading.Event, poll: float = 2.0) -> None:
    """Send until `stop` is set: a batch at a time, waiting `poll` seconds when nothing is due."""
    me = worker_id()
    while not stop.is_set():
        try:
            with app.app_context():
                counts = run_once(me)
        except SQLAlchemyError:
            log.exception("Outbox worker: database error; trying again")
            counts = Counts()
        if not counts.claimed:
            stop.wait(poll)


def start_inline(app: Flask, poll: float = 1.0) -> threading.Event:
    """The development worker: a daemon thread of the app itself (`make run`, OUTBOX_WORKER=inline)."""
    stop = threading.Event()
    thread = threading.Thread(target=run_forever, args=(app, stop, poll), name="outbox-worker", daemon=True)
    thread.start()
    return stop
