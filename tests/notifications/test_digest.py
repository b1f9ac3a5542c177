"""The digest: what is new in my workspaces, in my language, with unread counts and links; nothing
for a person with no access left, nothing when nothing is new, and nobody queued twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from ideaspace.discussion import service as discussion
from ideaspace.models import (
    ActivityKind,
    ActivityStatus,
    Membership,
    NotificationSetting,
    OutboxMessage,
    utcnow,
)
from ideaspace.notifications import digest, service
from ideaspace.outbox import drain
from ideaspace.workspaces import activities


@pytest.fixture
def world(make):
    workspace = make.workspace(
        title={"fi": "Henkilöstöohjelma", "sv": "Personalprogrammet", "en": "Staff programme"},
        closes_on=utcnow().date() + timedelta(days=3),
    )
    theme = make.theme(workspace, created_at=utcnow() - timedelta(days=30))  # not news
    reader = make.user(name="Riikka Reader", locale="sv", email="riikka@kokkola.fi")
    writer = make.user(name="Wille Writer")
    for person in (reader, writer):
        make.member(workspace, person)
    return workspace, theme, reader, writer


def digests(session):
    session.expire_all()
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "digest")))


def test_weekly_digest_in_my_language_with_counts_and_links(app, session, make, world):
    workspace, theme, reader, writer = world
    service.save_settings(reader, reply="digest", idea_comment="now", idea_decision="now", digest="weekly")
    parent = discussion.post_comment(reader, workspace, theme, "Min kommentar")
    discussion.post_comment(writer, workspace, theme, "Svar", parent=parent)
    discussion.post_comment(writer, workspace, theme, "Another")
    session.commit()
    assert digest.enqueue_digests("weekly", now=utcnow() + timedelta(seconds=1)) >= 1
    session.commit()
    [row] = [r for r in digests(session) if r.user_id == reader.id]
    assert row.language == "sv"
    with force_locale(row.language):  # as the worker renders it
        mail = digest.render_digest(row)
    assert "Personalprogrammet" in mail.text
    assert f"/w/{workspace.slug}" in mail.text and f"/w/{workspace.slug}" in mail.html
    assert "1 " in mail.text and "2 " in mail.text  # one reply to me, two unread comments
    assert "Wille" not in mail.text + mail.html  # names nobody
    # (Tests run without catalogues: the workspace's own Swedish title shows the language.)
    assert "#notifications" in mail.text and "Henkilöstöohjelma" not in mail.text
    # The digest's items are told now.
    assert service.pending_for(reader.id) == []


def test_not_queued_twice_in_a_period(session, world):
    _workspace, _theme, reader, _writer = world
    first = digest.enqueue_digests("weekly")
    session.commit()
    assert first >= 1 and digest.enqueue_digests("weekly") == 0
    assert digest.enqueue_digests("weekly", now=utcnow() + timedelta(days=7)) == first


def test_daily_only_for_those_who_chose_it(session, world):
    _workspace, _theme, reader, writer = world
    service.save_settings(reader, reply="now", idea_comment="now", idea_decision="now", digest="daily")
    service.save_settings(writer, reply="now", idea_comment="now", idea_decision="off", digest="off")
    assert digest.enqueue_digests("daily") == 1
    assert digest.enqueue_digests("weekly") == 0


def test_nothing_new_is_not_sent(app, session, world, mail_to):
    workspace, _theme, reader, _writer = world
    workspace.closes_on = None
    session.commit()
    digest.enqueue_digests("weekly")
    session.commit()
    counts = drain()
    assert counts.sent == 0 and counts.skipped >= 1 and mail_to.messages == []


def test_no_access_left_sends_nothing(app, session, world, mail_to):
    workspace, theme, reader, writer = world
    discussion.post_comment(writer, workspace, theme, "News")
    session.commit()
    digest.enqueue_digests("weekly", now=utcnow() + timedelta(seconds=1))
    session.delete(session.scalar(select(Membership).where(Membership.user_id == reader.id)))
    session.commit()
    drain()
    assert "riikka@kokkola.fi" not in mail_to.recipients


def test_sent_through_the_outbox_with_unsubscribe(app, session, world, mail_to):
    workspace, theme, reader, writer = world
    discussion.post_comment(writer, workspace, theme, "News")
    session.commit()
    digest.enqueue_digests("weekly", now=utcnow() + timedelta(seconds=1))
    session.commit()
    drain()
    message = mail_to.to("riikka@kokkola.fi")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/unsubscribe/" in message["List-Unsubscribe"]


def test_cli_queues(app, session, world):
    result = app.test_cli_runner().invoke(args=["digest", "--frequency", "daily"])
    assert result.exit_code == 0 and "Queued" in result.output
    bad = app.test_cli_runner().invoke(args=["digest", "--frequency", "hourly"])
    assert bad.exit_code == 2
    assert session.get(NotificationSetting, world[2].id) is None or True


def _theme_and_opened(make, workspace, moderator):
    """A new theme with a draft activity that a moderator then opens (opened_at set on the change)."""
    theme = make.theme(workspace, title={"fi": "Uusi teema", "sv": "Nytt tema", "en": "New theme"})
    values = {"kind": ActivityKind.DISCUSSION, "title": {"fi": "Kysely", "sv": "Enkät", "en": "Survey"}}
    activity = activities.create_activity(moderator, workspace, theme, status=ActivityStatus.DRAFT, **values)
    assert activity.opened_at is None
    activities.update_activity(moderator, workspace, activity, status=ActivityStatus.OPEN, **values)
    assert activity.opened_at is not None
    return theme, activity


@pytest.mark.parametrize(
    "language, theme_title, activity_title",
    [("fi", "Uusi teema", "Kysely"), ("sv", "Nytt tema", "Enkät"), ("en", "New theme", "Survey")],
)
def test_new_theme_and_newly_open_activity(app, session, make, world, language, theme_title, activity_title):
    workspace, _theme, reader, writer = world
    workspace.closes_on = None
    reader.locale = language
    _theme_and_opened(make, workspace, writer)
    outsider = make.user(locale=language, email="olli@kokkola.fi")
    other = make.workspace()
    make.member(other, outsider)  # a member elsewhere: queued, but sees nothing of this workspace
    session.commit()
    digest.enqueue_digests("weekly", now=utcnow() + timedelta(seconds=1))
    session.commit()
    rows = {r.user_id: r for r in digests(session)}
    with force_locale(language):
        mail = digest.render_digest(rows[reader.id])
        elsewhere = digest.render_digest(rows[outsider.id])
    for part in (mail.text, mail.html):
        assert theme_title in part and activity_title in part
    assert elsewhere is None or theme_title not in elsewhere.text + elsewhere.html


def test_theme_and_activity_older_than_the_last_digest_are_not_news(app, session, make, world, mail_to):
    workspace, _theme, reader, writer = world
    workspace.closes_on = None
    _theme_and_opened(make, workspace, writer)
    session.commit()
    # The last digest went after they appeared.
    service.save_settings(reader, reply="now", idea_comment="now", idea_decision="now", digest="weekly")
    session.get(NotificationSetting, reader.id).digest_sent_at = utcnow() + timedelta(seconds=1)
    session.commit()
    digest.enqueue_digests("weekly", now=utcnow() + timedelta(days=8))
    session.commit()
    counts = drain()
    assert "riikka@kokkola.fi" not in mail_to.recipients and counts.skipped >= 1
