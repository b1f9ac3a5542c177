"""Two supports from one person at the same moment: exactly one is counted, neither request fails.

These tests commit for real through separate connections (no rolled-back test transaction), so
they build their own data and delete it afterwards.
"""

from __future__ import annotations

import threading
import uuid

import pytest
import sqlalchemy as sa

from ideaspace.extensions import db
from ideaspace.models import (
    Activity,
    ActivityKind,
    Idea,
    IdeaSupport,
    Membership,
    Role,
    Theme,
    User,
    Workspace,
    WorkspaceStatus,
)

from ..conftest import sign_in


@pytest.fixture
def committed(app):
    tag = uuid.uuid4().hex[:8]
    with app.app_context():
        ws = Workspace(slug=f"idea-race-{tag}", title={"fi": "Kilpa"}, status=WorkspaceStatus.OPEN)
        user = User(email=f"idea-race-{tag}@example.fi", name="Racer", role=Role.PARTICIPANT, locale="en")
        db.session.add_all([ws, user])
        db.session.flush()
        theme = Theme(workspace_id=ws.id, title={"fi": "Teema"})
        db.session.add(theme)
        db.session.flush()
        db.session.add(Activity(theme_id=theme.id, kind=ActivityKind.IDEAS, title={"fi": "Ideat"}))
        idea = Idea(workspace_id=ws.id, title="Race idea", body="<p>x</p>")
        db.session.add_all([idea, Membership(workspace_id=ws.id, user_id=user.id)])
        db.session.commit()
        ids = {"workspace": ws.id, "slug": ws.slug, "user": user.id, "idea": idea.id}
        db.session.remove()
    yield ids
    with app.app_context():
        db.session.execute(sa.delete(Workspace).where(Workspace.id == ids["workspace"]))
        db.session.execute(sa.delete(User).where(User.id == ids["user"]))
        db.session.commit()
        db.session.remove()


def test_two_supports_at_once_count_once(app, committed, engine_name, monkeypatch):
    if engine_name == "postgresql":
        # Hold both requests after their permission check and before their insert, so both really
        # race for the (idea, user) row and the primary key decides. (SQLite serialises writers
        # with BEGIN IMMEDIATE, so there the second request simply waits.)
        from ideaspace.ideas import views

        both_checked = threading.Barrier(2, timeout=30)
        original = views.can_support_idea

        def wait_for_the_other(*args):
            allowed = original(*args)
            both_checked.wait()
            return allowed

        monkeypatch.setattr(views, "can_support_idea", wait_for_the_other)
    with app.app_context():
        user = db.session.get(User, committed["user"])
        clients = []
        for _ in range(2):
            client = app.test_client()
            sign_in(client, user)
            clients.append(client)
        db.session.remove()
    start = threading.Barrier(2, timeout=30)
    statuses: list[int] = []
    errors: list[BaseException] = []
    url = f"/w/{committed['slug']}/ideas/{committed['idea']}/support"

    def post(client):
        try:
            start.wait()
            statuses.append(client.post(url, data={"support": "1"}).status_code)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=post, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert statuses == [302, 302]
    with app.app_context():
        supports = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(IdeaSupport)
            .where(IdeaSupport.idea_id == committed["idea"])
        )
        first = db.session.scalar(
            sa.select(Membership.first_contribution_at).where(Membership.user_id == committed["user"])
        )
        db.session.remove()
    assert supports == 1
    assert first is not None
