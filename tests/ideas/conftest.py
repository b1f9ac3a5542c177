"""A workspace with an open idea collection, and one person per role."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from flask import g

from ideaspace.models import ActivityKind, MemberRole, Role

from ..conftest import sign_in
from ..factories import Factories


class CommittingFactories(Factories):
    """Factories whose rows survive a request that fails: a 4xx response rolls the session back to
    its last commit (a savepoint inside the test's transaction), so each object is committed."""

    def _save(self, obj):
        obj = super()._save(obj)
        self.session.commit()
        return obj


@pytest.fixture
def make(session):
    return CommittingFactories(session)


@pytest.fixture
def login(client):
    """Sign in as a user; also forget the previous user cached on `g`, which the test's app context
    shares between requests (so switching people within one test really switches them)."""

    def _login(user):
        sign_in(client, user)
        for key in ("_login_user", "_memberships"):
            g.pop(key, None)
        return client

    return _login


@pytest.fixture
def barrel(make):
    ws = make.workspace()
    theme = make.theme(ws)
    other_theme = make.theme(ws)
    activity = make.activity(theme, kind=ActivityKind.IDEAS)
    unit = make.unit()
    member = make.user(Role.PARTICIPANT, unit=unit)
    make.member(ws, member)
    other_member = make.user(Role.PARTICIPANT, unit=unit)
    make.member(ws, other_member)
    moderator = make.user(Role.MODERATOR)
    make.member(ws, moderator, MemberRole.MODERATOR)
    return SimpleNamespace(
        ws=ws,
        theme=theme,
        other_theme=other_theme,
        activity=activity,
        unit=unit,
        member=member,
        other_member=other_member,
        moderator=moderator,
        outsider=make.user(Role.PARTICIPANT),
        observer=make.user(Role.OBSERVER),
        admin=make.user(Role.ADMIN),
    )


@pytest.fixture
def other_ws(make):
    """Another open workspace with its own idea collection and an idea."""
    ws = make.workspace()
    theme = make.theme(ws)
    make.activity(theme, kind=ActivityKind.IDEAS)
    return SimpleNamespace(ws=ws, theme=theme, idea=make.idea(ws, theme=theme))
