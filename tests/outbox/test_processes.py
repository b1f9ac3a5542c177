"""`ideaspace worker` processes against a real SMTP server: one killed in the middle of a batch,
and two at once on PostgreSQL. Counted at the server: nothing lost, nothing twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from ideaspace import create_app
from ideaspace.extensions import db
from ideaspace.invitations import service as invitations
from ideaspace.models import OutboxMessage, Role

from ..conftest import create_scratch_postgres, drop_scratch_postgres
from ..factories import Factories

ENGINES = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])
WORKER = [str(Path(sys.executable).with_name("ideaspace")), "worker", "--poll", "0.1"]


@pytest.fixture(params=ENGINES)
def database(request, tmp_path):
    """A database of its own, migrated (the worker processes see only what is committed)."""
    if request.param == "postgresql":
        url = create_scratch_postgres(os.environ["TEST_DATABASE_URL"], "outbox")
    else:
        url = f"sqlite:///{tmp_path}/outbox.sqlite3"
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "outbox-test", "SERVER_NAME": "localhost"}
    )
    with app.app_context():
        upgrade()
    yield request.param, url, app
    with app.app_context():
        db.engine.dispose()
    if request.param == "postgresql":
        drop_scratch_postgres(os.environ["TEST_DATABASE_URL"], url)


def invite_people(app, count: int) -> list[str]:
    with app.app_context():
        make = Factories(db.session)
        workspace = make.workspace()
        moderator = make.user(Role.MODERATOR)
        people = [make.user(email=f"p{n}@kokkola.fi") for n in range(count)]
        invitations.invite(moderator, workspace, people)
        db.session.commit()
        return sorted(p.email for p in people)


def start_worker(url: str, port: int, tmp_path: Path, name: str, **env) -> subprocess.Popen:
    environment = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "outbox-test",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(port),
        "MAIL_TIMEOUT": "5",
        "OUTBOX_BATCH": "10",
        "OUTBOX_LEASE_SECONDS": "6",
        **env,
    }
    log = open(tmp_path / f"{name}.log", "w")  # noqa: SIM115  (closed with the process)
    return subprocess.Popen(WORKER, env=environment, stdout=log, stderr=subprocess.STDOUT)


def wait_until_sent(app, total: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with app.app_context():
            sent = db.session.scalar(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_not(None))
            )
            db.session.remove()
        if sent == total:
            return
        time.sleep(0.2)
    raise AssertionError(f"{sent} of {total} sent")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_a_killed_worker_loses_and_duplicates_nothing(database, smtp_server, tmp_path):
    engine, url, app = database
    addresses = invite_people(app, 40)
    handler = smtp_server.handler
    first = start_worker(url, smtp_server.port, tmp_path, "first")
    accepted = []

    def kill_in_the_middle(envelope):
        # The 15th message, in the worker's second batch: the worker dies before the server's
        # answer, so it never hears "250" and the server keeps nothing (451).
        accepted.append(envelope.rcpt_tos[0])
        if len(accepted) == 15:
            os.kill(first.pid, signal.SIGKILL)
            return False
        return True

    handler.on_data = kill_in_the_middle
    try:
        assert first.wait(60) == -signal.SIGKILL
        delivered_before = len(handler.messages)
        assert delivered_before == 14
        with app.app_context():
            claimed = db.session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.sent_at.is_(None), OutboxMessage.claimed_by.is_not(None))
            )
            db.session.remove()
        assert claimed >= 1  # the dead worker's claims, taken over after the lease
        handler.on_data = None
        second = start_worker(url, smtp_server.port, tmp_path, "second")
        try:
            wait_until_sent(app, len(addresses))
        finally:
            stop(second)
    finally:
        stop(first)
    assert handler.recipients == addresses  # every one, once


@pytest.mark.skipif("postgresql" not in ENGINES, reason="needs TEST_DATABASE_URL")
def test_two_workers_at_once_on_postgresql_send_each_message_once(database, smtp_server, tmp_path):
    engine, url, app = database
    if engine != "postgresql":
        pytest.skip("SQLite lets one writer in; the claim is the same statement")
    addresses = invite_people(app, 300)
    smtp_server.handler.delay = 0.01  # long enough that both workers get batches
    # A lease far longer than the run: here no claim is taken over, two workers share the rows.
    workers = [
        start_worker(url, smtp_server.port, tmp_path, f"w{n}", OUTBOX_LEASE_SECONDS="120") for n in range(2)
    ]
    try:
        wait_until_sent(app, len(addresses), timeout=240)
    finally:
        for worker in workers:
            stop(worker)
    assert smtp_server.handler.recipients == addresses  # every message once, whoever sent it
    with app.app_context():
        rows = db.session.execute(select(OutboxMessage.claimed_by, OutboxMessage.attempts)).all()
        db.session.remove()
    # Both claimed batches (FOR UPDATE SKIP LOCKED): neither waited for the other, and no row
    # was rendered twice.
    assert len({claimed_by for claimed_by, _ in rows}) == 2
    assert {attempts for _, attempts in rows} == {1}
