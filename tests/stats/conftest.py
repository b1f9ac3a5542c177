"""Rows the statistics read, written straight to the session (the features that write them are
built in parallel; these tests only need the rows)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time

import pytest

from ideaspace.models import (
    Answer,
    Comment,
    Idea,
    IdeaSupport,
    MemberRole,
    Membership,
    Note,
    Respondent,
    Role,
    User,
    Visit,
    utcnow,
)

_seq = itertools.count(1)


def at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


class Rows:
    def __init__(self, session, make):
        self.session = session
        self.make = make

    def _save(self, obj):
        self.session.add(obj)
        self.session.flush()
        return obj

    def members(self, workspace, count: int, unit=None, visited: int = 0, contributed: int = 0,
                invited: bool = True, role: MemberRole = MemberRole.PARTICIPANT,
                when: datetime | None = None) -> list[Membership]:
        """`count` people in `unit` with memberships; the first `visited` visited, the first
        `contributed` contributed. Added in bulk (one flush)."""
        users = []
        for _ in range(count):
            n = next(_seq)
            users.append(User(email=f"stats{n}@example.fi", name=f"Stats {n}", role=Role.PARTICIPANT,
                              unit=unit))
        self.session.add_all(users)
        self.session.flush()
        now = when or utcnow()
        memberships = [
            Membership(
                workspace_id=workspace.id,
                user_id=user.id,
                role=role,
                invited_at=now if invited else None,
                first_visit_at=now if i < visited else None,
                last_visit_at=now if i < visited else None,
                visit_count=1 if i < visited else 0,
                first_contribution_at=now if i < contributed else None,
            )
            for i, user in enumerate(users)
        ]
        self.session.add_all(memberships)
        self.session.flush()
        return memberships

    def visit(self, membership, day: date) -> Visit:
        return self._save(Visit(membership_id=membership.id, day=day))

    def comment(self, workspace, *, theme=None, measure=None, activity=None, idea=None, author=None,
                created_at=None, **kw) -> Comment:
        return self._save(Comment(
            workspace_id=workspace.id,
            theme_id=theme.id if theme else None,
            measure_id=measure.id if measure else None,
            activity_id=activity.id if activity else None,
            idea_id=idea.id if idea else None,
            author_id=author.id if author else None,
            body="<p>Kommentti</p>",
            created_at=created_at or utcnow(),
            **kw,
        ))

    def note(self, workspace, activity, created_at=None, **kw) -> Note:
        return self._save(Note(workspace_id=workspace.id, activity_id=activity.id, text="Rohkeutta!",
                               created_at=created_at or utcnow(), **kw))

    def idea(self, workspace, theme=None, created_at=None, **kw) -> Idea:
        return self._save(Idea(workspace_id=workspace.id, theme_id=theme.id if theme else None,
                               title="Idea", body="<p>Idea</p>", created_at=created_at or utcnow(), **kw))

    def support(self, idea, user, created_at=None) -> IdeaSupport:
        return self._save(IdeaSupport(idea_id=idea.id, user_id=user.id, created_at=created_at or utcnow()))

    def answer(self, activity, user, day: date | None = None) -> Respondent:
        """An answer the way an anonymous activity stores it: an unlinked Answer and a Respondent."""
        day = day or date.today()
        self._save(Answer(activity_id=activity.id, answered_on=day))
        return self._save(Respondent(activity_id=activity.id, user_id=user.id, answered_on=day))


@pytest.fixture
def rows(session, make):
    return Rows(session, make)
