"""A workspace with polls of every kind, people in every role, and helpers to fill in answers."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import g

from ideaspace.models import (
    Activity,
    ActivityKind,
    Answer,
    AnswerChoice,
    MemberRole,
    Role,
    Theme,
    User,
    Workspace,
    utcnow,
)


@pytest.fixture
def fresh_requests(client, monkeypatch):
    """An empty `g` for every test-client request, as a real request has (see tests/auth)."""
    original = client.open

    def open_with_fresh_g(*args, **kwargs):
        g.__dict__.clear()
        return original(*args, **kwargs)

    monkeypatch.setattr(client, "open", open_with_fresh_g)
    return client


@dataclass
class World:
    workspace: Workspace
    theme: Theme
    single: Activity
    multiple: Activity
    scale: Activity
    anonymous: Activity
    member: User
    outsider: User
    observer: User
    moderator: User
    admin: User
    other_activity: Activity  # in another workspace

    def url(self, activity: Activity, what: str = "answer") -> str:
        return f"/w/{self.workspace.slug}/activities/{activity.id}/{what}"

    @property
    def theme_url(self) -> str:
        return f"/w/{self.workspace.slug}/themes/{self.theme.id}"


@pytest.fixture
def world(make) -> World:
    ws = make.workspace()
    theme = make.theme(ws)
    single = make.activity(theme, ActivityKind.SINGLE_CHOICE, options=["Ensimmäinen", "Toinen", "Kolmas"])
    multiple = make.activity(
        theme, ActivityKind.MULTIPLE_CHOICE, options=["A", "B", "C", "D"], max_selections=2
    )
    scale = make.activity(theme, ActivityKind.SCALE)
    anonymous = make.activity(
        theme, ActivityKind.MULTIPLE_CHOICE, options=["Sukupuoli", "Ikä", "Kieli"], is_anonymous=True
    )
    member = make.user(Role.PARTICIPANT)
    make.member(ws, member)
    moderator = make.user(Role.MODERATOR)
    make.member(ws, moderator, MemberRole.MODERATOR)
    other_ws = make.workspace()
    other_theme = make.theme(other_ws)
    other = make.activity(other_theme, ActivityKind.SINGLE_CHOICE, options=2)
    world = World(
        workspace=ws,
        theme=theme,
        single=single,
        multiple=multiple,
        scale=scale,
        anonymous=anonymous,
        member=member,
        outsider=make.user(Role.PARTICIPANT),
        observer=make.user(Role.OBSERVER),
        moderator=moderator,
        admin=make.user(Role.ADMIN),
        other_activity=other,
    )
    for user in (member, moderator, world.outsider, world.observer, world.admin):
        user.locale = "en"  # tests read English; the Finnish test switches its reader to Finnish
    # A refused request rolls back to here, so the world survives a 4xx response.
    make.session.commit()
    return world


def fill(session, activity: Activity, choices: list[list[int]] | None = None, scale: list[int] | None = None):
    """Store answers directly (no respondents): for results that need many answers."""
    today = utcnow().date()
    for chosen in choices or []:
        session.add(
            Answer(
                activity_id=activity.id,
                answered_on=today,
                choices=[AnswerChoice(option_id=option_id) for option_id in chosen],
            )
        )
    for value in scale or []:
        session.add(Answer(activity_id=activity.id, answered_on=today, scale_value=value))
    session.commit()  # kept even if a later request is refused and rolls back


def fill_counts(session, activity: Activity, counts: list[int]) -> None:
    """Single-choice answers: counts[i] answers for the i-th option."""
    fill(
        session,
        activity,
        [[option.id] for option, n in zip(activity.options, counts, strict=True) for _ in range(n)],
    )
