"""The outbox's worker against a real SMTP server: delivered, retried, refused, skipped, once each."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from ideaspace import outbox
from ideaspace.invitations import service as invitations
from ideaspace.models import MemberRole, OutboxMessage, Role, SigninToken, utcnow
from ideaspace.outbox import drain
from ideaspace.outbox import worker as outbox_worker


@pytest.fixture
def workspace(make):
    return make.workspace(title={"fi": "Henkilöstöohjelma", "sv": "Personalprogram"})


@pytest.fixture
def moderator(make, workspace):
    user = make.user(Role.MODERATOR, name="Helena HR")
    make.member(workspace, user, MemberRole.MODERATOR)
    return user


def rows(session):
    session.expire_all()
    return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def make_due(session) -> None:
    """Time passes: every waiting message is due again."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None))
        .values(not_before=utcnow() - timedelta(seconds=1))
    )
    session.commit()


def invite(session, make, workspace, moderator, *emails):
    people = [make.user(email=email) for email in emails]
    invitations.invite(moderator, workspace, people)
    session.commit()
    return people


def test_a_batch_goes_over_one_connection_and_each_row_is_marked(
    session, make, mail_to, workspace, moderator
):
    invite(session, make, workspace, moderator, "a@kokkola.fi", "b@kokkola.fi", "c@kokkola.fi")
    assert mail_to.messages == []  # the request only wrote the outbox
    counts = drain()
    assert (counts.sent, counts.failed, counts.retried) == (3, 0, 0)
    assert mail_to.recipients == ["a@kokkola.fi", "b@kokkola.fi", "c@kokkola.fi"]
    assert mail_to.sessions == 1
    assert all(r.sent_at and r.attempts == 1 and r.last_error is None for r in rows(session))
    assert drain().claimed == 0  # nothing is sent twice


def test_a_stopped_server_loses_nothing_and_is_tried_again_later(
    app, session, make, smtp_server, mail_to, workspace, moderator
):
    smtp_server.stop()
    invite(session, make, workspace, moderator, "a@kokkola.fi", "b@kokkola.fi")
    counts = drain()
    assert (counts.sent, counts.retried, counts.failed) == (0, 1, 0)
    first, second = rows(session)
    assert first.attempts == 1 and first.last_error
    assert second.attempts == 0  # given back untried when the server went away
    now = utcnow()
    assert first.not_before > now + timedelta(seconds=50) and second.not_before > now + timedelta(seconds=50)
    assert all(r.claimed_by is None and r.sent_at is None and r.failed_at is None for r in (first, second))
    assert drain().claimed == 0  # not due yet: nothing is hammered
    # The backoff doubles: 60 s, 120 s, 240 s … at most 6 hours.
    with app.app_context():
        assert [outbox_worker.backoff(n).total_seconds() for n in (1, 2, 3)] == [60, 120, 240]
        assert outbox_worker.backoff(30) == timedelta(hours=6)
    smtp_server.start()
    make_due(session)
    assert drain().sent == 2
    assert mail_to.recipients == ["a@kokkola.fi", "b@kokkola.fi"]


def test_a_slow_server_times_out_and_nothing_goes_twice(
    session, make, smtp_server, mail_to, workspace, moderator
):
    invite(session, make, workspace, moderator, "a@kokkola.fi", "b@kokkola.fi", "c@kokkola.fi")
    mail_to.delay = 2.0  # longer than MAIL_TIMEOUT (1 s)
    counts = drain()
    assert counts.sent == 0 and counts.retried == 1
    assert "timed out" in rows(session)[0].last_error
    mail_to.delay = 0.2  # slow, but within the timeout
    make_due(session)
    assert drain().sent == 3
    assert mail_to.recipients == ["a@kokkola.fi", "b@kokkola.fi", "c@kokkola.fi"]  # once each


def test_refused_addresses_fail_for_good_the_others_are_delivered(
    session, make, mail_to, workspace, moderator
):
    invite(
        session,
        make,
        workspace,
        moderator,
        "a@kokkola.fi",
        "bounce@kokkola.fi",
        "later@kokkola.fi",
        "c@kokkola.fi",
    )
    counts = drain()
    assert (counts.sent, counts.failed, counts.retried) == (2, 1, 1)
    assert mail_to.recipients == ["a@kokkola.fi", "c@kokkola.fi"] and mail_to.sessions == 1
    failed = [r for r in rows(session) if r.failed_at]
    assert len(failed) == 1 and failed[0].last_error.startswith("550")
    later = [r for r in rows(session) if r.not_before > utcnow()]
    assert len(later) == 1 and later[0].last_error.startswith("451") and later[0].failed_at is None
    assert [(f.address, f.kind) for f in outbox.service.failures(workspace.id)] == [
        ("bounce@kokkola.fi", "invitation")
    ]


def test_too_many_attempts_is_a_final_failure(app, session, make, mail_to, workspace, moderator):
    invite(session, make, workspace, moderator, "later@kokkola.fi")
    saved = app.config["OUTBOX_MAX_ATTEMPTS"]
    app.config["OUTBOX_MAX_ATTEMPTS"] = 3
    try:
        for _ in range(3):
            drain()
            make_due(session)
    finally:
        app.config["OUTBOX_MAX_ATTEMPTS"] = saved
    (row,) = rows(session)
    assert row.failed_at is not None and row.attempts == 3
    assert "451" in row.last_error and "gave up after 3 attempts" in row.last_error


def test_a_rolled_back_action_sends_nothing(session, make, mail_to, workspace, moderator):
    person = make.user(email="a@kokkola.fi")
    with pytest.raises(RuntimeError):
        with session.begin_nested():
            invitations.invite(moderator, workspace, [person])
            raise RuntimeError("the request failed after the invitation")
    session.commit()
    assert rows(session) == []
    assert drain().claimed == 0 and mail_to.messages == []


def test_a_request_that_fails_sends_nothing(client, login, session, make, mail_to, workspace, moderator):
    """web.py rolls back a request that ends in an error: its outbox rows go with it."""
    login(moderator)
    response = client.post(f"/w/{workspace.slug}/invitations", data={"emails": "nobody-known@kokkola.fi"})
    assert response.status_code == 422
    assert rows(session) == [] and drain().claimed == 0


def test_a_claim_takes_at_most_its_batch(app, session, make, mail_to, workspace, moderator):
    invite(session, make, workspace, moderator, *(f"p{n}@kokkola.fi" for n in range(7)))
    with app.app_context():
        first = outbox_worker.claim("one", 3)
        second = outbox_worker.claim("two", 3)
        claimed = dict(
            session.execute(
                select(OutboxMessage.claimed_by, func.count())
                .where(OutboxMessage.claimed_by.is_not(None))
                .group_by(OutboxMessage.claimed_by)
            ).all()
        )
    assert len(first) == len(second) == 3 and not set(first) & set(second)
    assert claimed == {"one": 3, "two": 3}  # in the table too, not only in what was returned


def test_a_claim_is_taken_over_only_after_the_lease(app, session, make, mail_to, workspace, moderator):
    invite(session, make, workspace, moderator, "a@kokkola.fi")
    with app.app_context():
        assert len(outbox_worker.claim("dead-worker", 10)) == 1  # a worker claims it, then dies
        assert outbox_worker.claim("other", 10) == []
        assert drain().claimed == 0
        later = utcnow() + timedelta(seconds=app.config["OUTBOX_LEASE_SECONDS"] + 1)
        assert len(outbox_worker.claim("other", 10, now=later)) == 1
    # The dead worker's claim is gone: were it alive after all, it could not send the row.
    with app.app_context():
        counts = outbox_worker.Counts()
        assert outbox_worker._render_batch([rows(session)[0].id], "dead-worker", counts) == []
        assert counts == outbox_worker.Counts()


def test_the_outbox_holds_no_token_or_link(session, make, mail_to, workspace, moderator, app):
    """Scan every column of every row, before and after sending, for links and tokens."""
    people = invite(session, make, workspace, moderator, "a@kokkola.fi", "b@kokkola.fi")
    invitations.send_reminders(moderator, workspace, "not_visited")
    session.commit()
    assert session.scalar(select(func.count()).select_from(SigninToken)) == 0  # none before sending
    drain()
    texts = [m.get_body(("plain",)).get_content() for _, m in mail_to.messages]
    tokens = [t.split("/signin/")[1].split()[0] for t in texts]
    assert len(tokens) == 4 and len(set(tokens)) == 4
    hashes = list(session.scalars(select(SigninToken.token_hash)))
    columns = [c.name for c in OutboxMessage.__table__.columns]
    dump = repr(list(session.execute(select(*OutboxMessage.__table__.columns)).all()))
    for needle in ["http", "/signin/", "@", *tokens, *hashes]:
        assert needle not in dump, (needle, columns)
    assert {r.user_id for r in rows(session)} == {p.id for p in people}


def test_a_message_nobody_needs_is_skipped_not_failed(session, make, mail_to, workspace, moderator):
    (person,) = invite(session, make, workspace, moderator, "a@kokkola.fi")
    person.is_active_account = False
    session.commit()
    counts = drain()
    assert (counts.skipped, counts.sent, counts.failed) == (1, 0, 0)
    assert rows(session)[0].skipped_at is not None and outbox.service.failures(workspace.id) == []


def test_a_broken_renderer_is_retried_and_does_not_stop_the_batch(
    session, make, mail_to, workspace, moderator
):
    @outbox.kind("test_broken")
    def broken(message):
        raise KeyError("bug")

    try:
        outbox.service.enqueue("test_broken", email="x@kokkola.fi", workspace_id=workspace.id)
        invite(session, make, workspace, moderator, "a@kokkola.fi")
        counts = drain()
    finally:
        # Both registries: the renderer is defined anew for each engine's run of this test.
        del outbox.KINDS["test_broken"]
        del outbox._REGISTERED["test_broken"]
    assert (counts.sent, counts.retried) == (1, 1)
    broken_row = rows(session)[0]
    assert broken_row.last_error == "rendering failed: KeyError" and broken_row.attempts == 1


def test_enqueue_refuses_unknown_kinds_and_messages_to_nobody(session):
    with pytest.raises(ValueError):
        outbox.service.enqueue("no-such-kind", email="a@kokkola.fi")
    with pytest.raises(ValueError):
        outbox.service.enqueue("invitation")


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_no_header_injection_through_names_or_titles_in_any_kind(session, make, mail_to, moderator, newline):
    """Every kind the app sends: invitation, reminder, the idea's decision."""
    from ideaspace.ideas import service as ideas
    from ideaspace.models import Idea, IdeaStatus
    from ideaspace.moderation import workflow

    evil = f"{newline}Bcc: spy@evil.example{newline}X-Injected: yes"
    workspace = make.workspace(title={"fi": f"Ohjelma{evil}", "sv": f"Program{evil}"})
    moderator.name = f"Helena{evil}"
    invitee = make.user(email="a@kokkola.fi", name=f"Anna{evil}", locale="sv")
    reminded = make.user(email="b@kokkola.fi", name=f"Bertil{evil}")
    make.member(workspace, reminded)
    author = make.user(email="c@kokkola.fi", name=f"Cecilia{evil}")
    make.member(workspace, author)
    idea = Idea(workspace_id=workspace.id, title=f"Idea{evil}", body="<p>x</p>", author_id=author.id)
    session.add(idea)
    session.commit()
    invitations.invite(moderator, workspace, [invitee])
    invitations.send_reminders(moderator, workspace, "not_visited")
    ideas.change_status(moderator, idea, IdeaStatus.UNDER_REVIEW, "")
    workflow.notify_author(idea, workspace)
    session.commit()
    assert {r.kind for r in rows(session)} == {"invitation", "reminder", "idea_decision"}
    assert drain().sent == len(rows(session))
    assert "spy@evil.example" not in mail_to.recipients
    for _rcpt, message in mail_to.messages:
        assert message["Bcc"] is None and message["X-Injected"] is None, message.keys()
        assert "\n" not in str(message["Subject"]) and "\r" not in str(message["Subject"])
