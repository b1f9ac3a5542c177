"""A workspace with an open idea collection, and one person per role."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ideaspace.models import ActivityKind, MemberRole, Role


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
