"""A workspace with a theme and an idea, its moderator, the idea's author and another member."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ideaspace.models import MemberRole, Role

from ..ideas.conftest import CommittingFactories
from ..ideas.conftest import login as login  # noqa: F401 (the fixture, re-exported)


@pytest.fixture
def make(session):
    return CommittingFactories(session)


@pytest.fixture
def place(make):
    ws = make.workspace()
    theme = make.theme(ws)
    author = make.user(Role.PARTICIPANT)
    other = make.user(Role.PARTICIPANT)
    moderator = make.user(Role.MODERATOR)
    for person in (author, other):
        make.member(ws, person)
    make.member(ws, moderator, MemberRole.MODERATOR)
    idea = make.idea(ws, author, theme=theme)
    return SimpleNamespace(ws=ws, theme=theme, idea=idea, author=author, other=other, moderator=moderator)


@pytest.fixture
def request_context(app, session):
    """The messages are built in a request's language (gettext needs one)."""
    with app.test_request_context():
        yield
