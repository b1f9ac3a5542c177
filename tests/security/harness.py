"""Requesting a route as a role and naming the outcome, each request undone afterwards."""

from __future__ import annotations

from contextlib import contextmanager
from urllib.parse import urlsplit

from flask import url_for

from ..conftest import sign_in


def rules(app):
    """Every rule but static files, as (endpoint, rule) pairs."""
    return [r for r in app.url_map.iter_rules() if r.endpoint != "static"]


def outcome(response) -> str:
    """login | redirect | ok | bad (400/422) | the status code."""
    code = response.status_code
    if 300 <= code < 400:
        path = urlsplit(response.headers.get("Location", "")).path
        return "login" if path == "/login" else "redirect"
    if 200 <= code < 300:
        return "ok"
    if code in (400, 422):
        return "bad"
    return str(code)


@contextmanager
def undone(session):
    """Run a request and roll back whatever it wrote (a savepoint on the test's connection)."""
    session.commit()  # the session's own savepoint closed first, so ours is the outer one
    connection = session.bind
    savepoint = connection.begin_nested()
    try:
        yield
    finally:
        session.rollback()
        if savepoint.is_active:
            savepoint.rollback()
        session.expire_all()


def as_role(client, world, role: str):
    """The client, signed in as the role's person (or signed out)."""
    with client.session_transaction() as sess:
        sess.clear()
    user = world.user(role)
    if user is not None:
        sign_in(client, user)
    return client


def request(client, session, world, role: str, method: str, url: str, data=None) -> str:
    as_role(client, world, role)
    with undone(session):
        try:
            if method == "GET":
                response = client.get(url)
            else:
                response = client.open(
                    url, method=method, data=data if data is not None else {"x": "garbage"}
                )
        except Exception as error:  # noqa: BLE001 - the testing app re-raises what would be a 500
            return f"500 {type(error).__name__}: {error}"[:300]
        return outcome(response)


def build_url(app, endpoint: str, values: dict) -> str:
    with app.test_request_context():
        return url_for(endpoint, _external=False, **values)
