"""The request pipeline shared by every blueprint: one commit per request, headers, template helpers."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlsplit

from flask import Flask, make_response, render_template, request
from flask_babel import format_date, format_decimal
from sqlalchemy import event
from sqlalchemy.exc import InterfaceError, OperationalError

from . import permissions
from .extensions import db, login_manager
from .i18n import LANGUAGE_NAMES, current_language, localize, localize_markup
from .labels import TEMPLATE_GLOBALS
from .models.base import LANGUAGES

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
                response = database_unavailable(error)
        else:
            try:
                db.session.rollback()
            except DATABASE_DOWN:
                pass  # nothing was to be kept, and the refusal or error page is already rendered
        _security_headers(response)
        return response

    @app.teardown_request
    def rollback_on_error(error):
        if error is not None:
            db.session.rollback()

    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, _error_page(code))

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
        date=lambda value: format_date(value, "short") if value else "",
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
    login_manager._update_request_context_with_user()  # anonymous for this response only
    response = make_response(render_template("errors/503.html"), 503)
    response.headers["Retry-After"] = "10"
    return response


def _sqlite_transactions(app: Flask) -> None:
    """Give SQLite real transactions: BEGIN IMMEDIATE takes the write lock up front, so a
    transaction waits (busy_timeout) instead of failing with "database is locked" on upgrade,
    and savepoints work as on PostgreSQL."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _no_implicit_transactions(dbapi_connection, _record):
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def format_percent(value: Decimal | float | None, digits: int = 2) -> str:
    """Two decimals (or `digits`) in the reader's locale: 34,29 % in fi and sv, 34.29% in en."""
    if value is None:
        return "–"
    number = format_decimal(Decimal(value), format="#,##0." + "0" * digits if digits else "#,##0")
    return f"{number}%" if current_language() == "en" else f"{number}\u00a0%"


def format_number(value) -> str:
    return format_decimal(value) if value is not None else "–"


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

