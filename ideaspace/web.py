"""The request pipeline shared by every blueprint: one commit per request, headers, template helpers."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import urlsplit

from flask import Flask, Response, has_request_context, make_response, render_template, request
from flask_babel import to_user_timezone
from sqlalchemy import event
from sqlalchemy.exc import InterfaceError, OperationalError

from . import numbers, permissions
from .ballot import own as own_ballots
from .ballot import service as ballot
from .extensions import db, login_manager
from .i18n import LANGUAGE_NAMES, current_language, localize, localize_markup
from .labels import TEMPLATE_GLOBALS
from .models.base import LANGUAGES
from .sanitize import html_to_text

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def init_web(app: Flask) -> None:
    _sqlite_transactions(app)

    @app.after_request
    def finish(response):
        # Operations only flush; the request commits once here, and nothing of a failed one stays.
        if response.status_code < 400:
            try:
                db.session.commit()
            except DATABASE_DOWN as error:
                ballot.touched_scopes()  # rolled back: nothing was sealed
                response = database_unavailable(error)
            else:
                # A pool this request filled is published now, in a transaction of its own.
                ballot.publish_after_commit()
        else:
            ballot.touched_scopes()
            try:
                db.session.rollback()
            except DATABASE_DOWN:
                pass  # nothing was to be kept, and the refusal or error page is already rendered
        _security_headers(response)
        return response

    @app.teardown_request
    def rollback_on_error(error):
        if error is not None:
            ballot.touched_scopes()
            db.session.rollback()

    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, _error_page(code))
    app.context_processor(own_ballots.template_context)

    app.jinja_env.globals.update(
        permissions.PREDICATES,
        **TEMPLATE_GLOBALS,
        LANGUAGES=LANGUAGES,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
        current_language=current_language,
    )
    app.jinja_env.filters.update(
        local=localize_markup,
        local_text=localize,
        rich=lambda text, primary="fi": localize_markup(text, primary, rich=True),
        percent=format_percent,
        number=format_number,
        date=format_short_date,
        plain=plain_text,
    )


def _security_headers(response) -> None:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def _error_page(code: int):
    def handler(error):
        if code == 500:
            if isinstance(getattr(error, "original_exception", None), DATABASE_DOWN):
                # Raised where the 503 handler cannot catch it (committing in `finish`).
                return database_unavailable(error.original_exception)
            db.session.rollback()
        return render_template("errors/error.html", code=code, error=error), code

    return handler


# A database that cannot be reached (down, restarting, connection cut mid-query) or is locked.
DATABASE_DOWN = (OperationalError, InterfaceError)


def database_unavailable(error=None):
    """The 503 page, rendered without touching the database again.

    The failed transaction's objects are expired, so the signed-in user would be reloaded (and fail
    again) the moment the layout asks for a name: the page is shown as to a signed-out visitor.
    """
    try:
        db.session.rollback()
    except DATABASE_DOWN:
        pass
    if _retry_with_write_lock(error):
        return Response(status=503)  # never sent: _RetryReadOnce runs the request again
    login_manager._update_request_context_with_user()  # anonymous for this response only
    response = make_response(render_template("errors/503.html"), 503)
    response.headers["Retry-After"] = "10"
    return response


# Requests that change nothing. On SQLite they read in a deferred transaction, so (in WAL mode) any
# number of them run beside each other and beside the one writer.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_IMMEDIATE = "ideaspace.begin_immediate"  # in the WSGI environ: this read is the retry, lock up front
_RETRY = "ideaspace.retry_immediate"  # in the WSGI environ: this read met a writer, run it again


def _sqlite_transactions(app: Flask) -> None:
    """Give SQLite real transactions, and savepoints that work as on PostgreSQL.

    Every method but GET/HEAD/OPTIONS begins with BEGIN IMMEDIATE: it takes the write lock up front,
    so a transaction waits (busy_timeout) instead of failing with "database is locked" on upgrade.
    A read begins with a plain (deferred) BEGIN and never waits for a writer. When it writes all
    the same (a visit, once per person per 30 minutes) after another request committed, SQLite
    refuses the upgrade at once (SQLITE_BUSY_SNAPSHOT, which no busy timeout waits out): then the
    request runs once more with BEGIN IMMEDIATE (`_RetryReadOnce`). The CLI and scripts (no
    request) keep BEGIN IMMEDIATE.
    """
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _no_implicit_transactions(dbapi_connection, _record):
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection):
        deferred = (
            has_request_context() and request.method in READ_METHODS and not request.environ.get(_IMMEDIATE)
        )
        connection.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")

    app.wsgi_app = _RetryReadOnce(app.wsgi_app)


def _retry_with_write_lock(error) -> bool:
    """Whether this failure is a read's write meeting SQLite's lock (and may run once more)."""
    if not has_request_context() or request.method not in READ_METHODS or request.environ.get(_IMMEDIATE):
        return False
    cause = getattr(error, "orig", None)
    if not isinstance(cause, sqlite3.OperationalError):
        return False
    code = getattr(cause, "sqlite_errorcode", None)
    busy = code & 0xFF == sqlite3.SQLITE_BUSY if code is not None else "locked" in str(cause)
    if busy:
        request.environ[_RETRY] = True
    return busy


class _RetryReadOnce:
    """Run a GET/HEAD/OPTIONS whose write met a newer commit once more, with BEGIN IMMEDIATE.

    Retrying the whole request is simple and safe: the failed attempt committed nothing (its
    transaction rolled back), a read request is idempotent and has no body to re-read, and the
    retry waits for the write lock like any POST. It is rare (a read that writes, while another
    request commits) and happens at most once per request. Only installed for SQLite.
    """

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") not in READ_METHODS:
            return self.wsgi_app(environ, start_response)
        first = dict(environ)  # the retry starts from the environ as it came (ProxyFix edits it)
        started = []

        def hold(status, headers, exc_info=None):
            started[:] = [(status, headers, exc_info)]
            return _no_write

        body = self.wsgi_app(first, hold)
        if not first.get(_RETRY):
            start_response(*started[0])
            return body
        if hasattr(body, "close"):
            body.close()
        environ[_IMMEDIATE] = True
        return self.wsgi_app(environ, start_response)


def _no_write(_data):
    raise RuntimeError("the legacy WSGI write() callable is not supported (Flask never uses it)")


def format_percent(value: Decimal | float | None, digits: int = 2) -> str:
    """Two decimals (or `digits`) in the reader's locale: 34,29 % in fi and sv, 34.29% in en."""
    return numbers.percent(value, current_language(), digits)


def format_number(value) -> str:
    """A number in the reader's locale (12,5 in fi and sv, 12.5 in en), "–" for none."""
    return numbers.number(value, current_language())


def format_short_date(value: date | datetime | None) -> str:
    """A day in the reader's language (27.11.2026 in fi and sv, 27 Nov 2026 in en); a date-time's
    day in their time zone."""
    if not value:
        return ""
    if isinstance(value, datetime):
        value = to_user_timezone(value).date()
    return numbers.day(value, current_language())


def plain_text(html: str | None) -> str:
    """Stored HTML as one line of its visible text, paragraphs and items a space apart (excerpts)."""
    return " ".join(html_to_text(html or "").split())


def safe_next(target: str | None, fallback: str) -> str:
    """Only a path on this site may be a redirect target (no open redirects)."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    if "\\" in target:
        return fallback
    return target
