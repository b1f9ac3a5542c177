"""Live updates of a workshop: "this session changed" events, across processes, to open streams.

A change that a screen shows (the pace, an answer, a note, a decision, a published batch) is
*announced* when its transaction commits: a message "<session id> <revision> <kind>" goes out on
Redis pub/sub (the REDIS_URL the rate limits use), or, without Redis, to this process only. Every
process that holds event streams runs one listener that wakes the streams of that session. The
message says only which session changed, its revision and whether the pace moved ("pace") or a
count did ("count"): never who answered or what.

The streams (`/live/events` for phones, `/present/<id>/events` for the big screen and the control
view) only say "changed"; the page then fetches its fragment from the app as before. A stream is
held open only where the server can hold many cheaply (gunicorn's gevent worker: one greenlet per
phone, no thread) or in the development server (a small session); elsewhere it answers at once and
the browser reconnects after `retry`, which is the plain polling of before (docs/workshops.md).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from flask import current_app, g, has_request_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

PACE, COUNT = "pace", "count"
_PENDING = "ideaspace.workshop_events"  # session.info: announced, waiting for the commit
RETRY_MS = 3000  # the browser reconnects after this: the polling interval where nothing is held
HOLD_SECONDS = 50  # one stream's life (then the browser reconnects): below proxies' read timeouts
DEV_HOLD_SECONDS = 20  # the development server holds a thread per stream: keep them short
KEEPALIVE_SECONDS = 15  # a comment now and then finds closed connections and keeps proxies open
COALESCE_SECONDS = 0.25  # a burst of answers becomes one "changed" for the screens
MAX_STREAMS = 1000  # per process; more are answered at once (they poll) rather than refused


@dataclass(frozen=True)
class Change:
    workshop_id: int
    revision: int
    kind: str

    def encode(self) -> str:
        return f"{self.workshop_id} {self.revision} {self.kind}"

    @classmethod
    def decode(cls, raw: bytes | str) -> Change | None:
        try:
            text = raw.decode() if isinstance(raw, bytes) else raw
            workshop_id, revision, kind = text.split(" ")
            if kind not in (PACE, COUNT):
                return None
            return cls(int(workshop_id), int(revision), kind)
        except (ValueError, UnicodeDecodeError, AttributeError):
            return None


# --- announcing ----------------------------------------------------------------------------------


def announce(session: Session, workshop_id: int, revision: int, kind: str) -> None:
    """Send this change once the transaction commits (never for one that rolls back)."""
    session.info.setdefault(_PENDING, []).append(Change(workshop_id, revision, kind))


def announce_activities(session: Session, activity_ids) -> None:
    """What these activities show changed outside a session's own requests (a batch that
    `ideaspace publish` published, a note a moderator hid or restored): each live session with
    one of them as a step announces a count, once the transaction commits, as `announce` does."""
    from .models import Workshop, WorkshopStatus, WorkshopStep

    ids = {i for i in activity_ids if i is not None}
    if not ids:
        return
    rows = session.execute(
        select(Workshop.id, Workshop.revision)
        .join(WorkshopStep, WorkshopStep.workshop_id == Workshop.id)
        .where(WorkshopStep.activity_id.in_(ids), Workshop.status == WorkshopStatus.LIVE)
        .distinct()
    ).all()
    for workshop_id, revision in rows:
        announce(session, workshop_id, revision, COUNT)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    changes = session.info.pop(_PENDING, None)
    if not changes:
        return
    if has_request_context():
        # Sent when the request is over: after its commit *and* the ballot box's batch, which
        # commits right after it, so a screen that refetches sees the published results.
        g.setdefault("workshop_changes", []).extend(changes)
    else:
        send(changes)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def send_request_changes(_error=None) -> None:
    """teardown_request: the committed request's changes go out."""
    changes = g.pop("workshop_changes", None)
    if changes:
        send(changes)


def send(changes: list[Change]) -> None:
    unique = list(dict.fromkeys(changes))
    client = _redis()
    if client is not None:
        try:
            for change in unique:
                client.publish(channel(), change.encode())
            return
        except Exception as error:  # Redis down: this process's streams still hear it; others poll (30 s)
            _redis_failed(error)
    for change in unique:
        hub().dispatch(change)


# --- Redis ---------------------------------------------------------------------------------------

_clients: dict[tuple[int, str], object] = {}
# Redis down must not slow the request that changed something: a short connect and read timeout,
# and after a failure no attempt for a while (this process's streams are still woken directly).
CONNECT_TIMEOUT = 0.25
SOCKET_TIMEOUT = 1.0
BACKOFF_SECONDS = 30.0
_down_until: dict[int, float] = {}  # per process: when to try Redis again


def redis_url() -> str | None:
    # WORKSHOP_EVENTS_REDIS overrides the rate limits' Redis (REDIS_URL); "" means none.
    config = current_app.config
    url = config.get("WORKSHOP_EVENTS_REDIS", config.get("RATELIMIT_STORAGE_URI"))
    return url if url and url.startswith(("redis://", "rediss://", "unix://")) else None


def channel() -> str:
    # Pub/sub channels are shared by every database of a Redis server: name the database's.
    return current_app.config.get("WORKSHOP_EVENTS_CHANNEL") or f"ideaspace:workshops:{redis_url() or ''}"


def _redis():
    url = redis_url()
    if url is None:
        return None
    if time.monotonic() < _down_until.get(os.getpid(), 0.0):
        return None  # failed a moment ago: not again on every request
    key = (os.getpid(), url)  # a forked worker makes its own connections
    if key not in _clients:
        import redis

        _clients[key] = redis.Redis.from_url(
            url, socket_timeout=SOCKET_TIMEOUT, socket_connect_timeout=CONNECT_TIMEOUT
        )
    return _clients[key]


def _redis_failed(error: Exception) -> None:
    _down_until[os.getpid()] = time.monotonic() + BACKOFF_SECONDS
    log.warning(
        "publishing a workshop change to Redis failed (%s); only this process's streams hear "
        "changes for the next %d s, the others catch up by their backup poll",
        error,
        BACKOFF_SECONDS,
    )


# --- waking the streams of this process ------------------------------------------------------------


@dataclass(eq=False)
class Waiter:
    """One open stream: woken by changes of its session."""

    workshop_id: int
    revision: int = -1
    kinds: set[str] = field(default_factory=set)
    _event: threading.Event = field(default_factory=threading.Event)

    def notify(self, change: Change) -> None:
        self.revision = max(self.revision, change.revision)
        self.kinds.add(change.kind)
        self._event.set()

    def wait(self, timeout: float) -> set[str]:
        """The kinds of change since the last call (empty: none within the timeout)."""
        self._event.wait(timeout)
        self._event.clear()
        kinds, self.kinds = self.kinds, set()
        return kinds


class Hub:
    """The streams of one process, by session; fed by the Redis listener or by `send` directly."""

    def __init__(self):
        self._lock = threading.Lock()
        self._waiters: dict[int, set[Waiter]] = {}
        self._listener: threading.Thread | None = None

    def subscribe(self, workshop_id: int) -> Waiter | None:
        with self._lock:
            if self.count() >= MAX_STREAMS:
                return None
            waiter = Waiter(workshop_id)
            self._waiters.setdefault(workshop_id, set()).add(waiter)
            return waiter

    def unsubscribe(self, waiter: Waiter) -> None:
        with self._lock:
            waiters = self._waiters.get(waiter.workshop_id)
            if waiters is not None:
                waiters.discard(waiter)
                if not waiters:
                    del self._waiters[waiter.workshop_id]

    def count(self) -> int:
        return sum(len(w) for w in self._waiters.values())

    def dispatch(self, change: Change) -> None:
        with self._lock:
            waiters = list(self._waiters.get(change.workshop_id, ()))
        for waiter in waiters:
            waiter.notify(change)

    def listen(self, url: str, name: str) -> None:
        """Start this process's one Redis subscriber (once; again in a forked child)."""
        with self._lock:
            if self._listener is not None and self._listener.is_alive():
                return
            self._listener = threading.Thread(
                target=self._run, args=(url, name), name="workshop-events", daemon=True
            )
            self._listener.start()

    def _run(self, url: str, name: str) -> None:
        import redis

        pause = 1.0
        while True:
            try:
                client = redis.Redis.from_url(
                    url, socket_connect_timeout=CONNECT_TIMEOUT, health_check_interval=30
                )
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(name)
                pause = 1.0  # subscribed: the next loss is retried quickly again
                for message in pubsub.listen():
                    change = Change.decode(message.get("data"))
                    if change is not None:
                        self.dispatch(change)
            except Exception as error:  # Redis restarted or unreachable: the streams poll meanwhile
                log.warning("the workshop events listener lost Redis (%s); retrying in %d s", error, pause)
                time.sleep(pause)
                pause = min(pause * 2, BACKOFF_SECONDS)


_hubs: dict[int, Hub] = {}


def hub() -> Hub:
    pid = os.getpid()
    if pid not in _hubs:
        _hubs[pid] = Hub()
    return _hubs[pid]


# --- the streams ---------------------------------------------------------------------------------


def hold_seconds(environ: dict) -> float:
    """How long this server may hold a stream open: 0 where that would hold a thread per phone."""
    configured = current_app.config.get("WORKSHOP_STREAM_SECONDS")
    if configured is not None:
        return float(configured)
    if _gevent_patched():
        return HOLD_SECONDS
    if str(environ.get("SERVER_SOFTWARE", "")).startswith("Werkzeug/"):
        return DEV_HOLD_SECONDS  # `make run`: a thread per stream is fine for a small session
    return 0


def _gevent_patched() -> bool:
    monkey = sys.modules.get("gevent.monkey")
    return bool(monkey and monkey.is_module_patched("socket"))


def stream(
    workshop_id: int, *, revision: int, changed_now: bool, hold: float, kinds: frozenset[str]
) -> Iterator[str]:
    """The text/event-stream: "changed" (its id the session's revision) when a change of these
    kinds happens, a burst coalesced into one. Runs after the request: no database, no context."""
    yield f"retry: {RETRY_MS}\n\n"
    if changed_now:
        yield f"id: {revision}\nevent: changed\ndata: {revision}\n\n"
    waiter = hub().subscribe(workshop_id) if hold > 0 else None
    if waiter is None:
        return  # not held here (or too many streams): the browser comes back after `retry`
    try:
        deadline = time.monotonic() + hold
        while (remaining := deadline - time.monotonic()) > 0:
            happened = waiter.wait(min(remaining, KEEPALIVE_SECONDS))
            if not happened:
                yield ": -\n\n"  # a comment: finds a closed connection, keeps a proxy's read open
                continue
            if not happened & kinds:
                continue
            time.sleep(COALESCE_SECONDS)  # let a burst of answers settle into one fetch
            waiter.wait(0)
            revision = max(revision, waiter.revision)
            yield f"id: {revision}\nevent: changed\ndata: {revision}\n\n"
    finally:
        hub().unsubscribe(waiter)


def start_listener() -> None:
    """Called by a stream's request (in the app context): this process hears Redis from now on."""
    url = redis_url()
    if url:
        hub().listen(url, channel())
