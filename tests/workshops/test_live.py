"""Live updates (issue 15): changes announced on commit, across processes through Redis, to the
event streams of phones and screens; the streams' permissions; the guest cap; the word cloud."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ideaspace.extensions import db
from ideaspace.workshops import live, service
from ideaspace.workshops.models import Guest
from ideaspace.workshops.views import COOKIE, _serializer

from ..conftest import sign_in

REDIS_FOR_TESTS = os.environ.get("REDIS_URL_FOR_TESTS", "redis://127.0.0.1:6379/15")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def local(app, monkeypatch):
    """No Redis: changes reach this process's streams only."""
    monkeypatch.setitem(app.config, "WORKSHOP_EVENTS_REDIS", "")
    return live.hub()


def _phone(app):
    phone = app.test_client()
    phone.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return phone


def _session_with_guest(app, session, room, activities):
    workshop = service.start(room.supervisor, room.ws, room.theme, activities)
    session.commit()
    phone = _phone(app)
    assert phone.post("/join", data={"code": workshop.code}).status_code == 302
    return workshop, phone


# --- announcing on commit -------------------------------------------------------------------------


def test_pacing_wakes_the_sessions_streams_once_committed(app, session, room, local):
    workshop = service.start(room.supervisor, room.ws, room.theme, [room.poll.id, room.wall.id])
    session.commit()
    mine, other = local.subscribe(workshop.id), local.subscribe(workshop.id + 1000)
    try:
        service.pace(room.supervisor, workshop, "next")
        assert mine.wait(0) == set()  # not before the commit: a screen would fetch the old state
        session.commit()
        assert mine.wait(1) == {live.PACE} and mine.revision == workshop.revision
        assert other.wait(0) == set()  # another session's streams sleep on
    finally:
        local.unsubscribe(mine)
        local.unsubscribe(other)


def test_a_rolled_back_change_is_never_announced(app, session, room, local):
    workshop = service.start(room.supervisor, room.ws, room.theme, [room.poll.id, room.wall.id])
    session.commit()
    waiter = local.subscribe(workshop.id)
    try:
        service.pace(room.supervisor, workshop, "next")
        session.rollback()
        session.commit()
        assert waiter.wait(0.1) == set()
    finally:
        local.unsubscribe(waiter)


def test_an_answer_changes_a_count_not_the_pace_and_names_nobody(app, session, room, local, monkeypatch):
    workshop = service.start(room.supervisor, room.ws, room.theme, [room.secret.id])
    session.commit()
    sent = []
    monkeypatch.setattr(live, "send", lambda changes: sent.extend(changes))
    guest = service.join(workshop)
    session.commit()
    service.guest_answer(guest, workshop, room.secret, option_ids=[room.secret.options[0].id])
    session.commit()
    assert [c.kind for c in sent] == [live.COUNT, live.COUNT]
    # What crosses processes: the session, its revision and the kind; nothing of the guest.
    assert {c.encode() for c in sent} == {f"{workshop.id} {workshop.revision} count"}


def test_a_held_note_decided_changes_the_screens_only(app, session, room, local, monkeypatch):
    workshop = service.start(room.supervisor, room.ws, room.theme, [room.wall.id], premoderate=True)
    guest = service.join(workshop)
    post = service.guest_note(guest, workshop, room.wall, "Lisää taukoja")
    session.commit()
    sent = []
    monkeypatch.setattr(live, "send", lambda changes: sent.extend(changes))
    service.decide(room.supervisor, workshop, post, approve=True)
    session.commit()
    assert [c.kind for c in sent] == [live.COUNT]


def test_a_batch_published_by_the_cli_wakes_the_big_screen(app, session, room, local):
    """`ideaspace publish` (cron) publishes a full pool outside any request: the screens showing
    its activity hear it once that commits, not on their 30 s backup poll."""
    from ideaspace.ballot.cli import publish_command
    from ideaspace.models import Answer

    workshop = service.start(room.supervisor, room.ws, room.theme, [room.secret.id])
    session.commit()
    for _ in range(room.ws.min_group_size):  # outside a request: sealed, not published yet
        guest = service.join(workshop)
        service.guest_answer(guest, workshop, room.secret, option_ids=[room.secret.options[0].id])
        session.commit()
    answers = select(func.count()).select_from(Answer).where(Answer.activity_id == room.secret.id)
    assert session.scalar(answers) == 0
    screen = local.subscribe(workshop.id)
    try:
        result = app.test_cli_runner().invoke(publish_command)
        assert result.exit_code == 0, result.output
        assert f"Published {room.ws.min_group_size}" in result.output
        assert screen.wait(1) == {live.COUNT} and screen.revision == workshop.revision
        assert session.scalar(answers) == room.ws.min_group_size
        # Nothing to publish: nothing announced.
        assert app.test_cli_runner().invoke(publish_command).exit_code == 0
        assert screen.wait(0.1) == set()
    finally:
        local.unsubscribe(screen)


def test_a_moderator_hiding_or_restoring_a_guests_note_wakes_the_big_screen(app, session, room, local):
    from ideaspace.workshops.models import WorkshopPost

    workshop = service.start(room.supervisor, room.ws, room.theme, [room.wall.id])
    guest = service.join(workshop)
    post = service.guest_note(guest, workshop, room.wall, "Lisää taukoja")
    session.commit()
    note_id = session.get(WorkshopPost, post.id).note_id
    elsewhere = service.start(room.supervisor, room.ws, room.theme, [room.poll.id])
    session.commit()
    screen, other = local.subscribe(workshop.id), local.subscribe(elsewhere.id)
    moderator = app.test_client()
    sign_in(moderator, room.moderator)
    try:
        hidden = moderator.post(
            f"/w/{room.ws.slug}/moderation/note/{note_id}/hide", data={"reason": "Asiaton"}
        )
        assert hidden.status_code == 302
        assert screen.wait(1) == {live.COUNT}
        assert other.wait(0) == set()  # a session without that activity sleeps on
        restored = moderator.post(f"/w/{room.ws.slug}/moderation/note/{note_id}/restore", data={})
        assert restored.status_code == 302
        assert screen.wait(1) == {live.COUNT}
    finally:
        local.unsubscribe(screen)
        local.unsubscribe(other)


def test_messages_that_are_not_changes_are_ignored():
    assert live.Change.decode(b"12 3 pace") == live.Change(12, 3, "pace")
    for junk in (b"", b"12 3", b"12 x pace", b"12 3 who", b"\xff\xfe", None, b"1 2 pace extra"):
        assert live.Change.decode(junk) is None


# --- across processes ------------------------------------------------------------------------------


PUBLISHER = """
import sys
from ideaspace import create_app
from ideaspace.workshops import live

app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                  "WORKSHOP_EVENTS_REDIS": sys.argv[1], "WORKSHOP_EVENTS_CHANNEL": sys.argv[2]})
with app.app_context():
    live.send([live.Change(int(sys.argv[3]), 7, "pace")])
"""


def _redis_or_skip():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_FOR_TESTS, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("no Redis for the tests")
    return client


def test_a_change_published_in_another_process_wakes_a_stream_here(app, monkeypatch):
    client = _redis_or_skip()
    name = f"ideaspace:test-workshops:{uuid.uuid4().hex}"
    monkeypatch.setitem(app.config, "WORKSHOP_EVENTS_REDIS", REDIS_FOR_TESTS)
    monkeypatch.setitem(app.config, "WORKSHOP_EVENTS_CHANNEL", name)
    hub = live.Hub()  # this test's own listener, on its own channel
    hub.listen(REDIS_FOR_TESTS, name)
    deadline = time.monotonic() + 5
    while client.pubsub_numsub(name)[0][1] < 1 and time.monotonic() < deadline:
        time.sleep(0.02)  # the listener has subscribed
    waiter = hub.subscribe(4242)
    started = time.monotonic()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)
    subprocess.run(
        [sys.executable, "-c", textwrap.dedent(PUBLISHER), REDIS_FOR_TESTS, name, "4242"],
        check=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )
    assert waiter.wait(5) == {live.PACE}
    assert waiter.revision == 7
    assert time.monotonic() - started < 60
    other = hub.subscribe(4243)
    assert other.wait(0.2) == set()


def test_send_reaches_this_processs_streams_when_redis_is_down(app, monkeypatch):
    monkeypatch.setitem(app.config, "WORKSHOP_EVENTS_REDIS", "redis://127.0.0.1:1/0")
    monkeypatch.setattr(live, "_clients", {})
    monkeypatch.setattr(live, "_down_until", {})
    waiter = live.hub().subscribe(777)
    try:
        with app.app_context():
            live.send([live.Change(777, 1, live.PACE)])
        assert waiter.wait(0) == {live.PACE}
    finally:
        live.hub().unsubscribe(waiter)


def test_a_redis_that_does_not_answer_fails_fast_and_is_left_alone_for_a_while(app, monkeypatch, caplog):
    """A Redis that accepts the connection and never answers (hung, or a black hole behind a
    firewall): the request that changed something waits at most the short timeout once, logs it,
    and the next requests do not try again until the back-off is over."""
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)  # never accepted, never answered
    port = silent.getsockname()[1]
    monkeypatch.setitem(app.config, "WORKSHOP_EVENTS_REDIS", f"redis://127.0.0.1:{port}/0")
    monkeypatch.setattr(live, "_clients", {})
    monkeypatch.setattr(live, "_down_until", {})
    waiter = live.hub().subscribe(778)
    try:
        with app.app_context(), caplog.at_level("WARNING", logger=live.__name__):
            started = time.monotonic()
            live.send([live.Change(778, 1, live.PACE)])
            first = time.monotonic() - started
            assert waiter.wait(0) == {live.PACE}  # this process's streams still hear it
            started = time.monotonic()
            for revision in range(2, 12):
                live.send([live.Change(778, revision, live.COUNT)])
            after = time.monotonic() - started
        assert first < live.SOCKET_TIMEOUT + live.CONNECT_TIMEOUT + 0.5
        assert after < 0.1  # ten more changes, no attempt at Redis
        assert waiter.wait(0) == {live.COUNT} and waiter.revision == 11
        failures = [r for r in caplog.records if "Redis failed" in r.getMessage()]
        assert len(failures) == 1  # logged once, not once per request
        live._down_until[os.getpid()] = 0.0  # the back-off is over: Redis is tried again
        started = time.monotonic()
        with app.app_context():
            live.send([live.Change(778, 12, live.PACE)])
        assert time.monotonic() - started >= live.SOCKET_TIMEOUT * 0.8
    finally:
        live.hub().unsubscribe(waiter)
        silent.close()


def test_operators_set_the_workshop_events_from_the_environment(monkeypatch, tmp_path):
    from ideaspace.config import Settings

    for name in (
        "WORKSHOP_EVENTS_REDIS",
        "WORKSHOP_EVENTS_CHANNEL",
        "WORKSHOP_MAX_GUESTS",
        "WORKSHOP_STREAM_SECONDS",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("REDIS_URL", "redis://limits:6379/0")
    default = Settings.from_environ(str(tmp_path)).as_flask_config()
    assert "WORKSHOP_EVENTS_REDIS" not in default  # unset: the rate limits' Redis
    assert "WORKSHOP_STREAM_SECONDS" not in default  # unset: the server decides (gevent: 50 s)
    assert default["WORKSHOP_MAX_GUESTS"] == service.MAX_GUESTS and default["WORKSHOP_EVENTS_CHANNEL"] == ""
    monkeypatch.setenv("WORKSHOP_EVENTS_REDIS", "redis://events:6379/2")
    monkeypatch.setenv("WORKSHOP_EVENTS_CHANNEL", "kunta:workshops")
    monkeypatch.setenv("WORKSHOP_MAX_GUESTS", "800")
    monkeypatch.setenv("WORKSHOP_STREAM_SECONDS", "25")
    config = Settings.from_environ(str(tmp_path)).as_flask_config()
    assert config["WORKSHOP_EVENTS_REDIS"] == "redis://events:6379/2"
    assert config["WORKSHOP_EVENTS_CHANNEL"] == "kunta:workshops"
    assert config["WORKSHOP_MAX_GUESTS"] == 800 and config["WORKSHOP_STREAM_SECONDS"] == 25.0
    monkeypatch.setenv("WORKSHOP_EVENTS_REDIS", "")  # set but empty: no pub/sub at all
    assert Settings.from_environ(str(tmp_path)).as_flask_config()["WORKSHOP_EVENTS_REDIS"] == ""


def test_the_environments_settings_reach_the_app(monkeypatch):
    from ideaspace import create_app

    monkeypatch.setenv("REDIS_URL", "redis://limits:6379/0")
    monkeypatch.setenv("WORKSHOP_EVENTS_REDIS", "redis://events:6379/2")
    monkeypatch.setenv("WORKSHOP_STREAM_SECONDS", "0")
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.test_request_context():
        assert live.redis_url() == "redis://events:6379/2"
        assert live.channel() == "ideaspace:workshops:redis://events:6379/2"
        assert live.hold_seconds({"SERVER_SOFTWARE": "Werkzeug/3"}) == 0  # operators may turn holding off
    monkeypatch.delenv("WORKSHOP_EVENTS_REDIS")
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.test_request_context():
        assert live.redis_url() == "redis://limits:6379/0"


# --- the streams ---------------------------------------------------------------------------------


def test_a_phones_stream_says_changed_only_when_the_pace_moved(app, session, room, local, monkeypatch):
    monkeypatch.setitem(app.config, "WORKSHOP_STREAM_SECONDS", 0)  # answered at once: the polling mode
    workshop, phone = _session_with_guest(app, session, room, [room.poll.id, room.wall.id])
    same = phone.get(f"/live/events?r={workshop.revision}")
    assert same.status_code == 200 and same.mimetype == "text/event-stream"
    assert same.get_data(as_text=True) == f"retry: {live.RETRY_MS}\n\n"
    stale = phone.get("/live/events?r=old")
    assert f"id: {workshop.revision}\nevent: changed" in stale.get_data(as_text=True)
    reconnect = phone.get("/live/events", headers={"Last-Event-ID": str(workshop.revision)})
    assert "event: changed" not in reconnect.get_data(as_text=True)
    service.pace(room.supervisor, workshop, "end")
    session.commit()
    assert phone.get("/live/events").status_code == 204  # ended: the browser stops reconnecting


def test_a_held_stream_wakes_on_a_change_and_coalesces_a_burst(app, session, room, local, monkeypatch):
    monkeypatch.setitem(app.config, "WORKSHOP_STREAM_SECONDS", 3)
    workshop = service.start(room.supervisor, room.ws, room.theme, [room.poll.id, room.wall.id])
    session.commit()
    client = app.test_client()
    sign_in(client, room.supervisor)
    response = client.get(f"/present/{workshop.id}/events", buffered=False)
    assert response.status_code == 200
    chunks = iter(response.response)
    assert next(chunks) == f"retry: {live.RETRY_MS}\n\n".encode()
    assert b"event: changed" in next(chunks)  # on every connection: a count may have moved
    received = []
    reader = threading.Thread(target=lambda: received.extend(chunks), daemon=True)
    reader.start()
    deadline = time.monotonic() + 2
    while local.count() == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    for _ in range(5):  # five answers at once
        local.dispatch(live.Change(workshop.id, workshop.revision, live.COUNT))
    local.dispatch(live.Change(workshop.id + 1, 99, live.PACE))  # another session's
    reader.join(5)
    response.close()
    events = [chunk for chunk in received if b"event: changed" in chunk]
    assert len(events) == 1
    assert local.count() == 0  # the stream let go of its place when it ended


def test_a_phones_held_stream_ignores_counts(app, session, room, local, monkeypatch):
    monkeypatch.setitem(app.config, "WORKSHOP_STREAM_SECONDS", 1)
    workshop, phone = _session_with_guest(app, session, room, [room.poll.id, room.wall.id])
    response = phone.get(f"/live/events?r={workshop.revision}", buffered=False)
    chunks = iter(response.response)
    next(chunks)
    received = []
    reader = threading.Thread(target=lambda: received.extend(chunks), daemon=True)
    reader.start()
    deadline = time.monotonic() + 2
    while local.count() == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    local.dispatch(live.Change(workshop.id, workshop.revision, live.COUNT))
    reader.join(3)
    assert not [chunk for chunk in received if b"event: changed" in chunk]


def test_streams_refuse_forged_crossed_and_missing_cookies(app, client, session, room, local):
    first, phone = _session_with_guest(app, session, room, [room.poll.id])
    second = service.start(room.supervisor, room.ws, room.theme, [room.poll.id])
    session.commit()
    guest = session.scalars(select(Guest)).one()
    with app.test_request_context():
        crossed = _serializer().dumps({"w": second.id, "g": guest.id})
    thief = _phone(app)
    thief.set_cookie(COOKIE, crossed, domain="localhost")
    assert thief.get("/live/events").status_code == 403
    forger = _phone(app)
    forger.set_cookie(COOKIE, phone.get_cookie(COOKIE).value[:-2] + "xx", domain="localhost")
    assert forger.get("/live/events").status_code == 403
    assert _phone(app).get("/live/events").status_code == 403
    # A guest's cookie opens no screen's stream; nor does a stranger; an unknown session is 404.
    assert phone.get(f"/present/{first.id}/events").status_code in (302, 403)
    assert _phone(app).get(f"/present/{first.id}/events").status_code in (302, 403)
    sign_in(client, room.supervisor)
    assert client.get("/present/999999/events").status_code == 404


def test_no_stream_is_held_by_a_threaded_production_server(app):
    with app.test_request_context():
        app.config.pop("WORKSHOP_STREAM_SECONDS", None)
        assert live.hold_seconds({"SERVER_SOFTWARE": "gunicorn/27.0.1"}) == 0
        assert live.hold_seconds({"SERVER_SOFTWARE": "Werkzeug/3.1"}) == live.DEV_HOLD_SECONDS


def test_the_pages_follow_their_stream(app, client, session, room, local):
    workshop, phone = _session_with_guest(app, session, room, [room.poll.id])
    page = phone.get("/live").get_data(as_text=True)
    assert f'data-live-events="/live/events?r={workshop.revision}"' in page
    assert 'hx-trigger="live:changed, every 30s"' in page and "js/live.js" in page
    sign_in(client, room.supervisor)
    for url in (f"/present/{workshop.id}", f"/w/{room.ws.slug}/workshops/{workshop.id}"):
        text = client.get(url).get_data(as_text=True)
        assert f'data-live-events="/present/{workshop.id}/events"' in text
        assert "live:changed" in text


# --- the guest cap and the word cloud --------------------------------------------------------------


def test_a_full_session_turns_more_devices_away(app, session, room, monkeypatch):
    monkeypatch.setitem(app.config, "WORKSHOP_MAX_GUESTS", 2)
    workshop = service.start(room.supervisor, room.ws, room.theme, [room.poll.id])
    session.commit()
    for _ in range(2):
        assert _phone(app).post("/join", data={"code": workshop.code}).status_code == 302
    refused = _phone(app).post("/join", data={"code": workshop.code})
    assert refused.status_code == 422 and "session is full" in refused.get_data(as_text=True)
    count = select(func.count()).select_from(Guest).where(Guest.workshop_id == workshop.id)
    assert session.scalar(count) == 2


def test_the_big_screen_shows_the_notes_as_a_word_cloud(app, client, session, room):
    workshop = service.start(room.supervisor, room.ws, room.theme, [room.wall.id])
    for text in ("Lisää taukoja", "taukoja ja kahvia", "<b>taukoja</b> <script>x</script>"):
        service.guest_note(service.join(workshop), workshop, room.wall, text)
    service.pace(room.supervisor, workshop, "reveal")
    session.commit()
    sign_in(client, room.supervisor)
    cloud = client.get(f"/present/{workshop.id}?view=cloud").get_data(as_text=True)
    assert "presenter__cloud" in cloud and "presenter__wall" not in cloud
    assert "wordcloud__term--" in cloud and "<script>x" not in cloud and "<b>" not in cloud
    assert "view=cloud" in cloud  # the live fragment keeps the view
    wall = client.get(f"/present/{workshop.id}?view=nonsense").get_data(as_text=True)
    assert "presenter__wall" in wall and "presenter__cloud" not in wall


def test_the_answer_that_fills_a_batch_is_announced_after_the_batch_is_published(
    app, session, room, local, monkeypatch
):
    """The screens refetch on the event: it must come after the ballot box's own commit."""
    from ideaspace.models import Answer

    workshop = service.start(room.supervisor, room.ws, room.theme, [room.secret.id])
    session.commit()
    published_when_sent = []

    def record(changes):
        count = select(func.count()).select_from(Answer).where(Answer.activity_id == room.secret.id)
        published_when_sent.append(db.session.scalar(count))

    monkeypatch.setattr(live, "send", record)
    for _ in range(room.ws.min_group_size):
        phone = _phone(app)
        phone.post("/join", data={"code": workshop.code})
        response = phone.post("/live/answer", data={"option": str(room.secret.options[0].id)})
        assert response.status_code == 200
    # join, answer for each phone; the fifth answer's event sees the batch of five published.
    assert published_when_sent[-1] == room.ws.min_group_size
    assert published_when_sent[:-1] == [0] * (2 * room.ws.min_group_size - 1)
