"""One-click unsubscribe (RFC 8058): the headers on every kind of mail, a GET that only asks, a POST
that works with no session and no CSRF token, idempotent, and a clear page for a bad token."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ideaspace.discussion import service as discussion
from ideaspace.invitations import service as invitations
from ideaspace.models import IdeaStatus, MailOptOut, MemberRole, Membership, NotificationSetting, Role
from ideaspace.moderation import workflow
from ideaspace.notifications import unsubscribe
from ideaspace.outbox import drain


@pytest.fixture
def workspace(make):
    return make.workspace(title={"fi": "Ohjelma\r\nBcc: evil@example.com", "en": "Programme\nX-Evil: 1"})


@pytest.fixture
def moderator(make, workspace):
    user = make.user(Role.MODERATOR, name="Helena\r\nBcc: evil@example.com")
    make.member(workspace, user, MemberRole.MODERATOR)
    return user


def _path(url: str) -> str:
    return url.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def test_every_kind_carries_one_click_unsubscribe_and_no_injected_header(
    app, session, make, mail_to, workspace, moderator
):
    """Invitation, reminder, notification and decision (their names and titles with CRLF) reach a
    real SMTP server each with List-Unsubscribe (https) and List-Unsubscribe-Post."""
    alice = make.user(email="alice@kokkola.fi", name="Alice\r\nBcc: evil@example.com", locale="en")
    bob = make.user(email="bob@kokkola.fi", name="Bob\nX-Evil: 1")
    invitations.invite(moderator, workspace, [alice, bob])
    invitations.send_reminders(moderator, workspace, "not_visited")
    theme = make.theme(workspace)
    parent = discussion.post_comment(alice, workspace, theme, "Hello")
    discussion.post_comment(bob, workspace, theme, "Reply", parent=parent)
    idea = make.idea(workspace, author=alice, title="Idea\r\nBcc: evil@example.com")
    discussion.post_comment(bob, workspace, idea, "Comment")
    workflow.decide(moderator, idea, IdeaStatus.UNDER_REVIEW, "Looking")
    workflow.notify_author(idea, workspace)
    session.commit()
    counts = drain()
    assert counts.failed == 0 and counts.sent >= 6
    seen = set()
    for rcpt, message in mail_to.messages:
        assert "evil@example.com" not in rcpt
        assert message["Bcc"] is None and message["X-Evil"] is None
        header = message["List-Unsubscribe"]
        assert header.startswith("<https://") or header.startswith("<http://"), header
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        seen.add(str(message["Subject"]).split(":")[0])
    assert len(seen) >= 3


def test_get_asks_and_post_unsubscribes_without_session_or_csrf(app, client, session, make, workspace):
    person = make.user()
    make.member(workspace, person)
    token = unsubscribe.make_token(person.id, f"w{workspace.id}")
    page = client.get(f"/unsubscribe/{token}")
    assert page.status_code == 200 and b"<form" in page.data
    assert session.scalar(select(MailOptOut)) is None  # a GET never unsubscribes
    client.csrf = False
    for _ in range(2):  # idempotent
        done = client.post(f"/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"})
        assert done.status_code == 200
    session.expire_all()
    assert len(list(session.scalars(select(MailOptOut)))) == 1
    # Unsubscribing from a workspace's mail keeps the membership.
    assert session.scalar(select(Membership).where(Membership.user_id == person.id)) is not None


def test_unsubscribed_workspace_mail_is_skipped(app, session, make, mail_to, workspace, moderator):
    person = make.user(email="carol@kokkola.fi")
    unsubscribe.apply(person, f"w{workspace.id}")
    invitations.invite(moderator, workspace, [person])
    session.commit()
    counts = drain()
    assert counts.skipped == 1 and mail_to.messages == []


def test_all_mail_off_but_sign_in_links_still_come(app, client, session, make):
    person = make.user()
    client.csrf = False
    assert client.post(f"/unsubscribe/{unsubscribe.make_token(person.id, 'all')}").status_code == 200
    session.expire_all()
    assert session.get(NotificationSetting, person.id).mail_off_at is not None


def test_notifications_scope_turns_kinds_and_digest_off(app, client, session, make):
    person = make.user()
    client.csrf = False
    client.post(f"/unsubscribe/{unsubscribe.make_token(person.id, 'notifications')}")
    session.expire_all()
    setting = session.get(NotificationSetting, person.id)
    assert (setting.reply, setting.idea_comment, setting.idea_decision, setting.digest) == ("off",) * 4


@pytest.mark.parametrize(
    "token",
    ["garbage", "eyJ1IjoxLCJzIjoiYWxsIn0.forged", "x" * 2000, "e30.AAAA"],
)
def test_bad_token_gets_a_clear_page(client, token):
    client.csrf = False
    for response in (client.get(f"/unsubscribe/{token}"), client.post(f"/unsubscribe/{token}")):
        assert response.status_code == 404
        assert b"not valid" in response.data


def test_token_of_another_purpose_is_refused(app, client, session, make):
    from itsdangerous import URLSafeSerializer

    person = make.user()
    other = URLSafeSerializer(app.config["SECRET_KEY"], salt="something-else").dumps(
        {"u": person.id, "s": "all"}
    )
    client.csrf = False
    assert client.post(f"/unsubscribe/{other}").status_code == 404
    assert session.get(NotificationSetting, person.id) is None
