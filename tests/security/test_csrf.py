"""Every state-changing route (generated from url_map) refuses a request without a CSRF token with
400, and the database is exactly as before."""

from __future__ import annotations

import hashlib

import flask_wtf.csrf
import pytest
import sqlalchemy as sa

from ideaspace.extensions import db

from . import world as worlds
from .harness import as_role, build_url, rules

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}

# Data that would be accepted with a token, where it is easy to give: the refusal must come from
# the missing token, not from the data.
VALID_DATA = {
    "auth.language": {"language": "sv", "next": "/"},
    "auth.login": {"email": "nobody@example.fi", "password": "x"},
    "discussion.create": {"body": "Hyvä ajatus"},
    "notes.post": {"text": "Lappu"},
    "ideas.submit": {"title": "Uusi idea", "body": "Kuvaus"},
    "programme.publish": {"note": "Versio"},
}


def fingerprint() -> str:
    """A hash of every row of every table."""
    digest = hashlib.sha256()
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
        digest.update(f"{table.name}:{sorted(map(repr, rows))}".encode())
    return digest.hexdigest()


# Deliberately CSRF-exempt, and only these: RFC 8058's one-click unsubscribe is POSTed by the mail
# client, with no session and no form token. The signed, purpose-bound token in its URL is what
# authorises it (test_the_exempt_unsubscribe_needs_its_signed_token), and it is idempotent. Any
# other endpoint here must be argued for in review: a new entry weakens CSRF protection.
CSRF_EXEMPT = {"notifications.unsubscribe"}


def _unsafe_rules(app):
    return [
        (rule, method)
        for rule in rules(app)
        for method in sorted(rule.methods & UNSAFE)
        if rule.endpoint not in CSRF_EXEMPT
    ]


def test_only_the_allow_listed_endpoints_are_exempt(app):
    """Nothing is exempt by accident: no blueprint, and no view but the allow-listed ones."""
    from ideaspace.extensions import csrf

    assert not csrf._exempt_blueprints
    exempt = {
        endpoint
        for endpoint, view in app.view_functions.items()
        if f"{view.__module__}.{view.__name__}" in csrf._exempt_views
    }
    assert exempt == CSRF_EXEMPT


def test_there_are_state_changing_routes(app):
    assert len(_unsafe_rules(app)) > 50


@pytest.mark.parametrize("role", ["anonymous", "admin", "moderator"])
def test_no_token_no_change(app, client, make, session, monkeypatch, role):
    world = worlds.build(make, session)
    refused_for_csrf = []
    original = flask_wtf.csrf.validate_csrf

    def spy(*args, **kwargs):
        try:
            return original(*args, **kwargs)
        except Exception:
            refused_for_csrf.append(True)
            raise

    monkeypatch.setattr(flask_wtf.csrf, "validate_csrf", spy)
    client.csrf = False
    failures = []
    for rule, method in _unsafe_rules(app):
        url = build_url(app, rule.endpoint, worlds.params_for(rule.endpoint, rule.arguments, world))
        as_role(client, world, role)
        session.commit()
        before = fingerprint()
        refused_for_csrf.clear()
        response = client.open(url, method=method, data=VALID_DATA.get(rule.endpoint, {"x": "garbage"}))
        session.rollback()
        session.expire_all()
        if response.status_code != 400 or not refused_for_csrf:
            failures.append(
                f"{rule.endpoint} {method}: {response.status_code}, CSRF check ran: {bool(refused_for_csrf)}"
            )
        elif fingerprint() != before:
            failures.append(f"{rule.endpoint} {method}: refused, but the database changed")
    assert not failures, "\n".join(failures)


def test_with_a_token_the_same_request_passes(app, client, make, session, login):
    """The check above is not vacuous: with a token, a member's comment is accepted."""
    world = worlds.build(make, session)
    login(world.user("member"))
    url = build_url(
        app, "discussion.create", {"slug": world.a.ws.slug, "kind": "theme", "target_id": world.a.theme.id}
    )
    assert client.post(url, data=VALID_DATA["discussion.create"]).status_code == 302


def test_the_exempt_unsubscribe_needs_its_signed_token(app, client, make, session):
    """The one exempt POST does nothing without a valid token made for this purpose: a garbage
    token, a token signed with another key and a token of another signed purpose (the world's
    invitation token) are all refused with 404 and nothing changes; the right token works."""
    from itsdangerous import URLSafeSerializer

    from ideaspace.notifications import unsubscribe as unsub

    world = worlds.build(make, session)
    client.csrf = False
    member = world.user("member")
    forged = URLSafeSerializer("not-the-secret-key", salt=unsub.SALT).dumps({"u": member.id, "s": "all"})
    session.commit()
    before = fingerprint()
    for token in ("garbage", forged, world.token):
        response = client.post(build_url(app, "notifications.unsubscribe", {"token": token}))
        session.rollback()
        session.expire_all()
        assert response.status_code == 404, token
        assert fingerprint() == before, token
    with app.test_request_context():
        token = unsub.make_token(member.id, unsub.ALL)
    response = client.post(build_url(app, "notifications.unsubscribe", {"token": token}))
    assert response.status_code == 200
    session.expire_all()
    assert fingerprint() != before
