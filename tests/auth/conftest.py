"""Fixtures for the auth and admin tests."""

import pytest
from flask import g


@pytest.fixture(autouse=True)
def fresh_requests(client, monkeypatch):
    """Give every test-client request an empty `g`, as a real request has.

    The shared `session` fixture keeps one app context pushed for the whole test, and Flask reuses
    it for the client's requests, so `g` (Flask-Login's cached user, Flask-Babel's locale, the
    membership cache) would otherwise leak from one request into the next and hide bugs such as a
    session that should have ended.
    """
    original = client.open

    def open_with_fresh_g(*args, **kwargs):
        g.__dict__.clear()
        return original(*args, **kwargs)

    monkeypatch.setattr(client, "open", open_with_fresh_g)
    return client
