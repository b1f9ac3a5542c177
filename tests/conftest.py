"""Fixtures: an app per database engine migrated once with Alembic, a rolled-back transaction per
test, factories, a signed-in client per role, and a query counter.

Every test runs on SQLite; when TEST_DATABASE_URL is set it runs on PostgreSQL too (ids show
`[sqlite]` / `[postgresql]`).
"""

from __future__ import annotations

import copy
import io
import os
import uuid
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask import g, has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from flask_sqlalchemy.session import Session as FlaskSession
from itsdangerous import URLSafeTimedSerializer

from ideaspace import create_app
from ideaspace.extensions import db

from . import factories

ENGINES = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


def _admin_engine(base_url: str) -> sa.Engine:
    return sa.create_engine(base_url, isolation_level="AUTOCOMMIT")


def create_scratch_postgres(base_url: str, label: str) -> str:
    """A new, empty database beside TEST_DATABASE_URL's, unique to this run; returns its URL.

    Runs never share a database, so parallel workers and parallel runs cannot disturb each other.
    """
    name = f"ideaspace_{label}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = _admin_engine(base_url)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return base_url.rsplit("/", 1)[0] + "/" + name


def drop_scratch_postgres(base_url: str, url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = _admin_engine(base_url)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


class CsrfClient(FlaskClient):
    """A test client that sends a valid CSRF token with every unsafe request, as the pages do.

    Set `client.csrf = False` to send none (to test that such requests are refused).
    """

    csrf = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Tests read the source (English) strings unless they ask for another language: a test
        # about Finnish output sends `Accept-Language: fi` or signs in a person whose locale is fi.
        self.environ_base.setdefault("HTTP_ACCEPT_LANGUAGE", "en")

    def open(self, *args, **kwargs):
        # The test's app context outlives each request; give every request an empty `g`, as in
        # production (no cached user or membership from the previous request).
        if has_app_context():
            g.__dict__.clear()
        method = (kwargs.get("method") or "GET").upper()
        if self.csrf and method not in ("GET", "HEAD", "OPTIONS"):
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRFToken", self.csrf_token())
            kwargs["headers"] = headers
        response = super().open(*args, **kwargs)
        # Werkzeug's test client spools a request body over 500 kB (an upload) to a temporary file
        # as `wsgi.input` and never closes it: the garbage collector would, later, with a
        # ResourceWarning raised wherever it happens to run (it was seen in ideaspace/inputs.py, which
        # reads the form). A server owns its input stream; here the client does, so it closes it.
        for answered in (*getattr(response, "history", ()), response):
            stream = getattr(answered, "request", None) and answered.request.environ.get("wsgi.input")
            if stream is not None and not isinstance(stream, io.BytesIO):
                stream.close()
        return response

    def csrf_token(self) -> str:
        with self.session_transaction() as session:
            raw = session.setdefault("csrf_token", os.urandom(20).hex())
        return URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token").dumps(raw)


def create_test_app(url: str, tmp_path_factory):
    """The app the tests use, on the database at `url` (not migrated yet)."""
    application = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": url,
            "RATELIMIT_ENABLED": False,
            "MAIL_FILE_DIR": str(tmp_path_factory.mktemp("outbox")),
            "SERVER_NAME": "localhost",
            # Tests assert the English source strings, in the default Finnish locale (Finnish numbers
            # and dates); tests/test_translations.py checks and renders the real catalogues.
            "BABEL_TRANSLATION_DIRECTORIES": str(tmp_path_factory.mktemp("no-translations")),
        }
    )
    application.test_client_class = CsrfClient
    # Flask-Babel caches translations per locale on the one shared Babel object; give this app its
    # own, so its empty catalogues never reach the browser tests' app (which uses the real ones).
    own_babel = copy.copy(application.extensions["babel"].instance)
    own_babel.__dict__.pop("domain_instance", None)
    application.extensions["babel"].instance = own_babel
    return application


@pytest.fixture(scope="session", params=ENGINES)
def app(request, tmp_path_factory, worker_id):
    if request.param == "postgresql":
        url = create_scratch_postgres(os.environ["TEST_DATABASE_URL"], worker_id)
    else:
        url = "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")
    os.environ.pop("DATABASE_URL", None)
    application = create_test_app(url, tmp_path_factory)
    with application.app_context():
        upgrade()
    yield application
    with application.app_context():
        db.engine.dispose()
    if request.param == "postgresql":
        drop_scratch_postgres(os.environ["TEST_DATABASE_URL"], url)


class _TestSession(FlaskSession):
    def get_bind(self, *args, **kwargs):
        return self.bind


@pytest.fixture
def session(app):
    """The app's session, bound to one connection whose transaction is rolled back after the test.

    The request pipeline's commits become savepoints inside it.
    """
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        original = db.session
        db.session = db._make_scoped_session(
            {"class_": _TestSession, "bind": connection, "join_transaction_mode": "create_savepoint"}
        )
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session = original
            if transaction.is_active:
                transaction.rollback()
            connection.close()


@pytest.fixture
def client(app, session):
    return app.test_client()


@pytest.fixture
def make(session):
    """Factories bound to this test's session: `make.user(role=...)`, `make.workspace()`, ..."""
    return factories.Factories(session)


def sign_in(client, user, *, sudo: bool = False) -> str:
    """A real server-side session for the person (in sudo mode if asked), its token in the cookie."""
    from ideaspace.auth import sessions

    token = sessions.start(user, "pytest", reauthenticated=sudo)
    # Kept like a real sign-in's (a refused request rolls back what is not committed).
    db.session.commit()
    with client.session_transaction() as sess:
        sess["_user_id"] = token
        sess["_fresh"] = True
    return token


@pytest.fixture
def login(client):
    """Sign the test client in as a user: `login(user)`, `login(admin, sudo=True)`."""

    def _login(user, *, sudo: bool = False):
        sign_in(client, user, sudo=sudo)
        return client

    return _login


@pytest.fixture
def count_queries(app, session):
    """Count SQL statements run inside a `with count_queries() as counter:` block."""

    @contextmanager
    def _counter():
        statements: list[str] = []

        def listener(conn, cursor, statement, *args):
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
                statements.append(statement)

        engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", listener)
        try:
            yield statements
        finally:
            sa.event.remove(engine, "before_cursor_execute", listener)

    return _counter


@pytest.fixture
def engine_name(app) -> str:
    with app.app_context():
        return db.engine.dialect.name
