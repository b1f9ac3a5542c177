"""Two merges at the same moment cannot cross (A into B while B into A) nor count anyone twice.

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
    AuditLog,
    Idea,
    IdeaStatus,
    IdeaStatusChange,
    IdeaSupport,
    MemberRole,
    Membership,
    Role,
    User,
    Workspace,
    WorkspaceStatus,
)

from ..conftest import sign_in


@pytest.fixture
def committed(app):
    tag = uuid.uuid4().hex[:8]
    with app.app_context():
        ws = Workspace(slug=f"merge-race-{tag}", title={"fi": "Kilpa"}, status=WorkspaceStatus.OPEN)
        moderator = User(email=f"merge-race-{tag}@example.fi", name="Mod", role=Role.MODERATOR, locale="en")
        fan = User(email=f"merge-fan-{tag}@example.fi", name="Fan", role=Role.PARTICIPANT)
        db.session.add_all([ws, moderator, fan])
        db.session.flush()
        a = Idea(workspace_id=ws.id, title="Idea A", body="<p>a</p>", status=IdeaStatus.UNDER_REVIEW)
        b = Idea(workspace_id=ws.id, title="Idea B", body="<p>b</p>", status=IdeaStatus.UNDER_REVIEW)
        db.session.add_all(
            [a, b, Membership(workspace_id=ws.id, user_id=moderator.id, role=MemberRole.MODERATOR)]
        )
        db.session.flush()
        db.session.add_all(
            [IdeaSupport(idea_id=a.id, user_id=fan.id), IdeaSupport(idea_id=b.id, user_id=fan.id)]
        )
        db.session.commit()
        ids = {"ws": ws.id, "slug": ws.slug, "users": [moderator.id, fan.id], "a": a.id, "b": b.id}
        db.session.remove()
    yield ids
    with app.app_context():
        db.session.execute(sa.delete(AuditLog).where(AuditLog.workspace_id == ids["ws"]))
        db.session.execute(sa.delete(Workspace).where(Workspace.id == ids["ws"]))
        db.session.execute(sa.delete(User).where(User.id.in_(ids["users"])))
        db.session.commit()
        db.session.remove()


@pytest.mark.parametrize("crossed", [True, False])
def test_two_merges_at_once(app, committed, engine_name, monkeypatch, crossed):
    if engine_name == "postgresql":
        # Hold both requests after loading the ideas and before locking them, so they really race.
        from ideaspace.moderation import views

        both_loaded = threading.Barrier(2, timeout=30)
        original = views.workflow.merge_candidates

        def wait_for_the_other(idea):
            found = original(idea)
            both_loaded.wait()
            return found

        monkeypatch.setattr(views.workflow, "merge_candidates", wait_for_the_other)
    a, b, slug = committed["a"], committed["b"], committed["slug"]
    requests = [(a, b), (b, a)] if crossed else [(a, b), (a, b)]
    with app.app_context():
        moderator = db.session.get(User, committed["users"][0])
        clients = []
        for _ in requests:
            client = app.test_client()
            sign_in(client, moderator)
            clients.append(client)
        db.session.remove()
    statuses: list[int] = []

    def merge(client, idea_id, kept_id):
        with app.app_context():
            response = client.post(
                f"/w/{slug}/moderation/ideas/{idea_id}/merge", data={"merged_into": kept_id, "reason": "Sama"}
            )
            statuses.append(response.status_code)
            db.session.remove()

    threads = [
        threading.Thread(target=merge, args=(c, i, k)) for c, (i, k) in zip(clients, requests, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    # The loser is refused: a form error (422), or, when it starts after the winner committed, the
    # redirect that says only an idea under review can be merged.
    assert len(statuses) == 2 and 302 in statuses
    with app.app_context():
        ideas = {i.id: i for i in db.session.scalars(sa.select(Idea).where(Idea.id.in_([a, b])))}
        merged = [i for i in ideas.values() if i.status is IdeaStatus.MERGED]
        assert len(merged) == 1  # never both: no idea points at an idea that points back
        kept = ideas[merged[0].merged_into_id]
        assert kept.status is IdeaStatus.UNDER_REVIEW
        changes = db.session.scalar(
            sa.select(sa.func.count(IdeaStatusChange.id))
            .where(IdeaStatusChange.to_status == IdeaStatus.MERGED)
            .where(IdeaStatusChange.idea_id.in_([a, b]))
        )
        assert changes == 1
        supports = db.session.execute(
            sa.select(IdeaSupport.idea_id).where(IdeaSupport.idea_id.in_([a, b]))
        ).all()
        assert [row.idea_id for row in supports] == [kept.id]  # the fan who supported both counts once
        db.session.remove()
