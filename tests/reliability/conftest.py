"""Reliability tests: the app served by real gunicorn processes, hammered by many clients at once.

They need PostgreSQL (TEST_DATABASE_URL): without it they are skipped, except in CI (CI set), where a
skip is an error. Each test gets a scratch database of its own, created, migrated and dropped here.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from itsdangerous import URLSafeTimedSerializer

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
SECRET = "reliability-secret-" + secrets.token_hex(8)


# Every module here sets `pytestmark = RELIABILITY`: one worker runs them one after another
# (each loads the machine on its own), and `-m "not reliability"` leaves them out.
RELIABILITY = [pytest.mark.reliability, pytest.mark.xdist_group("reliability")]


def need_postgres() -> str:
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        if os.environ.get("CI"):
            pytest.fail("TEST_DATABASE_URL is not set: CI must run the reliability tests on PostgreSQL")
        pytest.skip("the reliability tests need PostgreSQL: set TEST_DATABASE_URL")
    return url


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return parts._replace(path="/" + name).geturl()


def admin_execute(url: str, *statements: str) -> None:
    """Run statements outside a transaction (CREATE/DROP DATABASE) on the server of `url`."""
    import psycopg

    parts = urlsplit(url.replace("postgresql+psycopg://", "postgresql://"))
    dsn = parts._replace(path="/postgres").geturl()
    with psycopg.connect(dsn, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


@pytest.fixture
def scratch_postgres():
    """An empty PostgreSQL database on the TEST_DATABASE_URL server, dropped afterwards."""
    url = need_postgres()
    name = "reliability_" + uuid.uuid4().hex[:12]
    admin_execute(url, f'CREATE DATABASE "{name}"')
    yield with_database(url, name)
    admin_execute(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# -- seeding ---------------------------------------------------------------------------------------


@dataclass
class Seed:
    slug: str
    theme_id: int
    poll_id: int
    option_ids: list[int]
    discussion_id: int
    people: list[tuple[int, str]]  # (user id, session token)
    extra_polls: list[int] = field(default_factory=list)
    options: dict[int, list[int]] = field(default_factory=dict)  # poll id → its option ids


def migrate_and_seed(database_url: str, people: int, extra_polls: int = 0) -> Seed:
    """Migrate `database_url` with Alembic and add one open workspace, its polls and its people."""
    from flask_migrate import upgrade

    from ideaspace import create_app
    from ideaspace.auth import sessions
    from ideaspace.extensions import db
    from ideaspace.models import ActivityKind, MemberRole, Membership, Role, User, utcnow

    from ..factories import PASSWORD_HASH, Factories

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": SECRET})
    saved = db.session
    db.session = db._make_scoped_session({})  # never the session of a test running in this process
    try:
        with app.app_context():
            upgrade()
            make = Factories(db.session)
            unit = make.unit("Kuormitustesti")
            ws = make.workspace(slug="kuormitus")
            theme = make.theme(ws)
            poll = make.activity(theme, ActivityKind.SINGLE_CHOICE, options=["Yksi", "Kaksi", "Kolme"])
            more = [make.activity(theme, ActivityKind.SINGLE_CHOICE, options=2) for _ in range(extra_polls)]
            discussion = make.activity(theme, ActivityKind.DISCUSSION)
            users = [
                User(
                    role=Role.PARTICIPANT,
                    unit=unit,
                    email=f"kuorma{i}@example.fi",
                    name=f"Kuorma {i}",
                    password_hash=PASSWORD_HASH,
                )
                for i in range(people)
            ]
            db.session.add_all(users)
            db.session.flush()
            db.session.add_all(
                Membership(workspace_id=ws.id, user_id=u.id, role=MemberRole.PARTICIPANT, invited_at=utcnow())
                for u in users
            )
            tokens = [sessions.start(u, "reliability") for u in users]
            db.session.commit()
            seed = Seed(
                slug=ws.slug,
                theme_id=theme.id,
                poll_id=poll.id,
                option_ids=[o.id for o in poll.options],
                discussion_id=discussion.id,
                people=[(u.id, token) for u, token in zip(users, tokens, strict=True)],
                extra_polls=[a.id for a in more],
                options={a.id: [o.id for o in a.options] for a in [poll, *more]},
            )
            db.session.remove()
            db.engine.dispose()
    finally:
        db.session = saved
    return seed


# -- signed-in clients without the sign-in form (its rate limit is per address) ----------------------


def session_cookie(user_id: int, token: str) -> tuple[str, str]:
    """The signed Flask session cookie of a signed-in person, and the CSRF token that matches it."""
    from flask import Flask

    raw = hashlib.sha1(os.urandom(64)).hexdigest()
    app = Flask("cookies")
    app.secret_key = SECRET
    serializer = app.session_interface.get_signing_serializer(app)
    cookie = serializer.dumps({"_user_id": token, "_fresh": True, "csrf_token": raw})
    csrf = URLSafeTimedSerializer(SECRET, salt="wtf-csrf-token").dumps(raw)
    return cookie, csrf


@dataclass
class Response:
    status: int
    body: str
    location: str | None = None


class Client:
    """One person's browser: a session cookie, a CSRF token, one connection per request."""

    def __init__(self, port: int, user: tuple[int, str] | None = None, timeout: float = 30):
        self.port, self.timeout = port, timeout
        self.cookie, self.token = session_cookie(*user) if user else (None, "")

    def request(self, method: str, path: str, form: dict | None = None, headers: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            head = dict(headers or {})
            body = None
            if self.cookie:
                head["Cookie"] = f"session={self.cookie}"
            if form is not None:
                body = urlencode({"csrf_token": self.token, **form}, doseq=True)
                head["Content-Type"] = "application/x-www-form-urlencoded"
            conn.request(method, path, body=body, headers=head)
            reply = conn.getresponse()
            text = reply.read().decode("utf-8", "replace")
            return Response(reply.status, text, reply.getheader("Location"))
        finally:
            conn.close()

    def get(self, path: str, **kw):
        return self.request("GET", path, **kw)

    def post(self, path: str, form: dict, **kw):
        return self.request("POST", path, form=form, **kw)


# -- gunicorn --------------------------------------------------------------------------------------


class Gunicorn:
    """`gunicorn -c gunicorn.conf.py 'ideaspace:create_app()'` in its own process group, as production
    runs it (`make serve`), on a port of its own."""

    def __init__(self, database_url: str, tmp_path: Path, workers: int = 2, threads: int = 8):
        self.port = free_port()
        self.log = tmp_path / "gunicorn.log"
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": SECRET,
            "MAIL_OUTBOX": str(tmp_path / "outbox"),
            "PYTHONPATH": str(ROOT),
        }
        env.pop("REDIS_URL", None)  # rate limits in memory: these tests must not share Redis counters
        self.args = [
            GUNICORN,
            "--config",  # the production settings (preloaded app, gc.freeze()); the flags below win
            str(ROOT / "gunicorn.conf.py"),
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
            "--no-control-socket",  # several servers may run at once (other tests, make bench)
            "--chdir",
            str(tmp_path),
            "ideaspace:create_app()",
        ]
        self.env = env
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> Gunicorn:
        self.process = subprocess.Popen(
            self.args,
            env=self.env,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn exited:\n" + self.output())
            try:
                if Client(self.port, timeout=5).get("/healthz").status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer /healthz in time:\n" + self.output())

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


@pytest.fixture
def gunicorn(tmp_path):
    started: list[Gunicorn] = []

    def _start(database_url: str, **kw) -> Gunicorn:
        server = Gunicorn(database_url, tmp_path, **kw).start()
        started.append(server)
        return server

    yield _start
    for server in started:
        server.stop()


# -- a PostgreSQL cluster of our own, to restart without disturbing anyone -------------------------


def postgres_bin() -> Path | None:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), reverse=True)
    return versions[0].parent if versions else None


class PrivateCluster:
    """initdb into a temporary directory and run it on a free port as the postgres user."""

    def __init__(self, root: Path):
        self.bin = postgres_bin()
        self.dir = root / "pgdata"
        self.sockets = root / "sockets"
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")

    def init(self) -> PrivateCluster:
        for path in (self.dir.parent, self.sockets):
            path.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.dir.parent, "postgres")
            shutil.chown(self.sockets, "postgres")
        self._run("initdb", "-D", str(self.dir), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        return self

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.sockets} -c fsync=off"
        self._run(
            "pg_ctl", "-D", str(self.dir), "-o", options, "-l", str(self.dir.parent / "pg.log"), "-w", "start"
        )

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.dir), "-m", "fast", "-w", "-t", "30", "stop")
        except RuntimeError:
            # A loaded machine may not finish a fast shutdown in time; the outage is what matters.
            self._run("pg_ctl", "-D", str(self.dir), "-m", "immediate", "-w", "stop")

    def database(self, name: str) -> str:
        admin_execute(self.url, f'CREATE DATABASE "{name}"')
        return with_database(self.url, name)


@pytest.fixture
def private_postgres():
    need_postgres()
    if postgres_bin() is None or (os.geteuid() == 0 and shutil.which("runuser") is None):
        pytest.fail("PostgreSQL server binaries (/usr/lib/postgresql/<version>/bin) are missing")
    # Not under pytest's temporary root: every pytest run as the same user sets that back to 0700
    # when it starts, and the postgres user (as which root runs the cluster) then cannot reach the
    # data directory to stop it (seen with several test runs on one machine).
    root = Path(tempfile.mkdtemp(prefix="ideaspace-pgcluster-"))
    root.chmod(0o755)
    cluster = PrivateCluster(root).init()
    try:
        cluster.start()
        yield cluster
        try:
            cluster.stop()
        except RuntimeError:
            pass  # already stopped by the test
    finally:
        shutil.rmtree(root, ignore_errors=True)
