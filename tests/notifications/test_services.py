"""Who is told what: immediately, in the digest or never, as each person chose; never the actor,
never an anonymous author, and never a mail that names who wrote."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ideaspace import outbox
from ideaspace.discussion import service as discussion
from ideaspace.models import ActivityKind, Comment, IdeaStatus, Notification, OutboxMessage, Role
from ideaspace.moderation import workflow
from ideaspace.notifications import service
from ideaspace.notifications.messages import render_notification


@pytest.fixture
def world(make):
    workspace = make.workspace(title={"fi": "Henkilöstöohjelma", "sv": "Personalprogram", "en": "Staff"})
    theme = make.theme(workspace)
    alice = make.user(name="Alice Author", locale="en")
    bob = make.user(name="Bob Replier", locale="fi")
    for person in (alice, bob):
        make.member(workspace, person)
    return workspace, theme, alice, bob


def outbox_rows(session, kind="notification"):
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)))


def test_reply_notifies_parent_author_now_and_names_nobody(app, session, make, world):
    workspace, theme, alice, bob = world
    parent = discussion.post_comment(alice, workspace, theme, "What about remote work?")
    assert outbox_rows(session) == []  # nobody to tell about a new thread
    reply = discussion.post_comment(bob, workspace, theme, "I agree", parent=parent)
    [row] = outbox_rows(session)
    assert row.user_id == alice.id and row.about == {"kind": "reply", "comment_id": reply.id}
    mail = render_notification(row)
    assert mail.to == alice.email and "I agree" in mail.text
    assert "Bob" not in mail.text + mail.html + mail.subject
    assert f"#comment-{reply.id}" in mail.text


def test_own_reply_notifies_nobody(session, world):
    workspace, theme, alice, _bob = world
    parent = discussion.post_comment(alice, workspace, theme, "First")
    discussion.post_comment(alice, workspace, theme, "Second", parent=parent)
    assert outbox_rows(session) == []


def test_digest_and_off_preferences(session, world):
    workspace, theme, alice, bob = world
    service.save_settings(alice, reply="digest", idea_comment="off", idea_decision="now", digest="daily")
    parent = discussion.post_comment(alice, workspace, theme, "First")
    discussion.post_comment(bob, workspace, theme, "Reply", parent=parent)
    assert outbox_rows(session) == []
    [item] = service.pending_for(alice.id)
    assert item.kind == "reply" and item.workspace_id == workspace.id


def test_comment_on_idea_notifies_its_author(session, make, world):
    workspace, _theme, alice, bob = world
    idea = make.idea(workspace, author=alice)
    discussion.post_comment(bob, workspace, idea, "Good idea")
    [row] = outbox_rows(session)
    assert row.user_id == alice.id and row.about["kind"] == "idea_comment"
    assert "Bob" not in render_notification(row).text


def test_reply_on_own_idea_thread_is_one_mail(session, make, world):
    workspace, _theme, alice, bob = world
    idea = make.idea(workspace, author=alice)
    parent = discussion.post_comment(alice, workspace, idea, "Details")
    discussion.post_comment(bob, workspace, idea, "Reply", parent=parent)
    assert [r.about["kind"] for r in outbox_rows(session)] == ["reply"]


def test_anonymous_reply_notifies_nobody_when_accepted(session, make, world):
    workspace, theme, alice, bob = world
    activity = make.activity(theme, kind=ActivityKind.DISCUSSION, is_anonymous=True)
    parent = make.comment(activity, author=alice)
    discussion.post_comment(bob, workspace, activity, "Anonymous reply", parent=parent)
    assert outbox_rows(session) == []
    assert list(session.scalars(select(Notification))) == []


def test_anonymous_idea_author_is_never_told(session, make, world):
    workspace, _theme, _alice, bob = world
    idea = make.idea(workspace, author=None)
    discussion.post_comment(bob, workspace, idea, "Comment")
    assert outbox_rows(session) == []


def test_no_access_left_sends_nothing(app, session, make, world):
    workspace, theme, alice, bob = world
    parent = discussion.post_comment(alice, workspace, theme, "First")
    discussion.post_comment(bob, workspace, theme, "Reply", parent=parent)
    [row] = outbox_rows(session)
    from ideaspace.models import Membership

    session.delete(
        session.scalar(
            select(Membership).where(Membership.user_id == alice.id, Membership.workspace_id == workspace.id)
        )
    )
    session.flush()
    from flask import g

    g.__dict__.clear()
    assert render_notification(row) is None


def test_hidden_comment_sends_nothing(session, world):
    workspace, theme, alice, bob = world
    parent = discussion.post_comment(alice, workspace, theme, "First")
    reply = discussion.post_comment(bob, workspace, theme, "Reply", parent=parent)
    [row] = outbox_rows(session)
    reply.withdrawn_at = reply.created_at
    assert render_notification(row) is None


@pytest.mark.parametrize("mode, mails, digest", [("now", 1, 0), ("digest", 0, 1), ("off", 0, 0)])
def test_decision_follows_preference(session, make, world, mode, mails, digest):
    workspace, _theme, alice, _bob = world
    moderator = make.user(Role.ADMIN)
    service.save_settings(alice, reply="now", idea_comment="now", idea_decision=mode, digest="weekly")
    idea = make.idea(workspace, author=alice)
    workflow.decide(moderator, idea, IdeaStatus.UNDER_REVIEW, "Looking")
    workflow.notify_author(idea, workspace)
    assert len(outbox_rows(session, "idea_decision")) == mails
    assert len(service.pending_for(alice.id)) == digest


def test_bad_settings_refused(session, world):
    _workspace, _theme, alice, _bob = world
    with pytest.raises(ValueError):
        service.save_settings(
            alice, reply="sometimes", idea_comment="now", idea_decision="now", digest="daily"
        )
    with pytest.raises(ValueError):
        service.save_settings(alice, reply="now", idea_comment="now", idea_decision="now", digest="hourly")


def test_notification_kind_is_registered():
    assert "notification" in outbox.KINDS


def test_anonymous_replies_published_in_a_batch_notify_nobody(session, make, world):
    """Decided: an anonymous reply notifies the parent's author neither when accepted nor when its
    batch is published (a mail then would still time the batch); the thread shows it."""
    from ideaspace.ballot import service as ballot

    workspace, theme, alice, _bob = world
    activity = make.activity(theme, kind=ActivityKind.DISCUSSION, is_anonymous=True)
    parent = make.comment(activity, author=alice)
    for _ in range(6):
        writer = make.user()
        make.member(workspace, writer)
        discussion.post_comment(writer, workspace, activity, "Anonymous reply", parent=parent)
    session.commit()
    assert ballot.publish(workspace, activity.id) >= 5
    session.flush()
    assert session.scalar(select(Comment).where(Comment.parent_id == parent.id)) is not None
    assert outbox_rows(session) == [] and list(session.scalars(select(Notification))) == []
