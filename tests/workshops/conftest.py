"""A workspace with a theme of workshop activities, a supervisor, a moderator without a unit."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from ideaspace.models import ActivityKind, MemberRole, Role


@dataclass
class Room:
    ws: object
    theme: object
    poll: object
    secret: object  # an anonymous single-choice poll
    scale: object
    wall: object
    talk: object  # a discussion: shown to the room, not answered on phones
    unit: object
    supervisor: object
    moderator: object


@pytest.fixture
def room(make) -> Room:
    unit = make.unit("Kotihoito")
    supervisor = make.user(Role.PARTICIPANT, unit=unit, name="Sanna Supervisor")
    moderator = make.user(Role.MODERATOR, name="Mona Moderator")
    ws = make.workspace()
    make.member(ws, supervisor)
    make.member(ws, moderator, MemberRole.MODERATOR)
    theme = make.theme(ws)
    poll = make.activity(theme, kind=ActivityKind.SINGLE_CHOICE, options=["Kyllä", "Ei"], position=1)
    secret = make.activity(
        theme, kind=ActivityKind.SINGLE_CHOICE, options=["A", "B"], is_anonymous=True, position=2
    )
    scale = make.activity(theme, kind=ActivityKind.SCALE, position=3)
    wall = make.activity(theme, kind=ActivityKind.NOTES, position=4)
    talk = make.activity(theme, kind=ActivityKind.DISCUSSION, position=5)
    return Room(ws, theme, poll, secret, scale, wall, talk, unit, supervisor, moderator)
