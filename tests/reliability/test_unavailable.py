"""The 503 page in-process: wherever the database fails (loading the person, a query, the commit),
the answer is the clear 503 page, never a 500, and the page itself does not touch the database."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import InterfaceError, OperationalError

from ideaspace.extensions import db, login_manager

from .conftest import RELIABILITY

pytestmark = RELIABILITY

DOWN = OperationalError("SELECT 1", {}, Exception("connection refused"))


@pytest.fixture
def member(make, login):
    ws = make.workspace()
    user = make.user(locale="en")
    make.member(ws, user)
    login(user)
    return ws


def fail(*_args, **_kwargs):
    raise DOWN


def test_person_cannot_be_loaded(client, member, monkeypatch):
    monkeypatch.setattr(login_manager, "_user_callback", fail)
    response = client.get(f"/w/{member.slug}/", headers={"Accept-Language": "sv"})
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert '<html lang="sv">' in response.text  # the browser's language: the person is unknown


@pytest.mark.parametrize("error", [DOWN, InterfaceError("SELECT 1", {}, Exception("connection closed"))])
def test_query_fails_after_the_person_was_loaded(client, member, monkeypatch, error):
    from ideaspace.workspaces import service

    def broken(slug, member=None):
        raise error

    monkeypatch.setattr(service, "get_workspace", broken)
    response = client.get(f"/w/{member.slug}/")
    assert response.status_code == 503
    assert "Service temporarily unavailable" in response.text


def test_commit_fails_at_the_end_of_the_request(client, member, monkeypatch):
    monkeypatch.setattr(db.session, "commit", fail)
    response = client.get(f"/w/{member.slug}/")
    assert response.status_code == 503
    assert "Service temporarily unavailable" in response.text
    assert response.headers["Content-Security-Policy"]
