"""Fixtures for the workspace tests: a world with every role, and things people wrote."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from flask import g

from ideaspace.models import (
    Activity,
    Answer,
    AnswerChoice,
    Comment,
    Idea,
    MemberRole,
    Note,
    Respondent,
    Role,
    User,
    Workspace,
)


@pytest.fixture(autouse=True)
def fresh_requests(client, session, monkeypatch):
    """Give every test-client request an empty `g`, as a real request has (see tests/auth), and keep
    what the test set up: a refused request rolls back only its own changes, as in production."""
    original = client.open

    def open_with_fresh_g(*args, **kwargs):
        session.commit()  # releases the test's savepoint; the outer transaction is still rolled back
        g.__dict__.clear()
        return original(*args, **kwargs)

    monkeypatch.setattr(client, "open", open_with_fresh_g)
    return client


@dataclass
class World:
    ws: Workspace
    other: Workspace
    users: dict[str, User | None]


ROLES = ["anonymous", "nonmember", "member", "observer", "other_moderator", "moderator", "admin"]
# What each role gets on a moderators' page of `ws`: sign-in, forbidden, or the page.
EXPECTED = {
    "anonymous": 302,
    "nonmember": 403,
    "member": 403,
    "observer": 403,
    "other_moderator": 403,
    "moderator": 200,
    "admin": 200,
}


@pytest.fixture
def world(make) -> World:
    """Two workspaces and a person in each role; everyone reads English, so messages are stable."""
    real_user = make.user
    make.user = lambda role=Role.PARTICIPANT, **kw: real_user(role, **{"locale": "en", **kw})
    ws = make.workspace()
    other = make.workspace()
    member = make.user(Role.PARTICIPANT)
    make.member(ws, member)
    other_moderator = make.user(Role.MODERATOR)
    make.member(other, other_moderator, MemberRole.MODERATOR)
    moderator = make.user(Role.MODERATOR)
    make.member(ws, moderator, MemberRole.MODERATOR)
    users = {
        "anonymous": None,
        "nonmember": make.user(Role.PARTICIPANT),
        "member": member,
        "observer": make.user(Role.OBSERVER),
        "other_moderator": other_moderator,
        "moderator": moderator,
        "admin": make.user(Role.ADMIN),
    }
    return World(ws=ws, other=other, users=users)


@pytest.fixture
def as_moderator(world, login):
    return login(world.users["moderator"])


class Given:
    """What people write, made directly (the participation features have their own services)."""

    def __init__(self, session):
        self.session = session

    def _save(self, obj):
        self.session.add(obj)
        self.session.flush()
        return obj

    def answer(self, activity: Activity, user: User, options=()) -> Answer:
        answer = self._save(Answer(activity_id=activity.id, answered_on=date.today()))
        for option in options:
            self.session.add(AnswerChoice(answer_key=answer.key, option_id=option.id))
        self._save(Respondent(activity_id=activity.id, user_id=user.id, answered_on=date.today()))
        return answer

    def comment(self, workspace: Workspace, user: User, **target) -> Comment:
        return self._save(Comment(workspace_id=workspace.id, author_id=user.id, body="<p>Hyvä</p>", **target))

    def note(self, workspace: Workspace, activity: Activity, user: User) -> Note:
        return self._save(
            Note(workspace_id=workspace.id, activity_id=activity.id, author_id=user.id, text="Rohkeutta!")
        )

    def idea(self, workspace: Workspace, user: User, theme=None) -> Idea:
        return self._save(
            Idea(
                workspace_id=workspace.id,
                theme_id=theme.id if theme else None,
                author_id=user.id,
                title="Idea",
                body="<p>Idea</p>",
            )
        )


@pytest.fixture
def given(session) -> Given:
    return Given(session)
