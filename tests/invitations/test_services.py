import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from ideaspace.invitations import service, tokens
from ideaspace.models import AuditLog, MemberRole, Membership, OutboxMessage, Role, SigninToken, utcnow
from ideaspace.outbox import drain
from ideaspace.outbox import service as outbox_service

from .conftest import html_of, link_path, text_of


@pytest.fixture
def workspace(make):
    return make.workspace(
        title={"fi": "Henkilöstöohjelma", "sv": "Personalprogram", "en": "Personnel programme"},
        primary_language="fi",
    )


@pytest.fixture
def moderator(make, workspace):
    user = make.user(Role.MODERATOR, name="Helena HR")
    make.member(workspace, user, MemberRole.MODERATOR)
    return user


def membership(session, workspace, user):
    return session.scalar(
        select(Membership).where(Membership.workspace_id == workspace.id, Membership.user_id == user.id)
    )


def test_each_person_gets_a_mail_in_their_own_language(session, make, smtp, workspace, moderator):
    fi = make.user(email="maija@kokkola.fi", name="Maija", locale="fi")
    sv = make.user(email="anna@karleby.fi", name="Anna", locale="sv")
    en = make.user(email="john@kokkola.fi", name="John", locale="en")
    none = make.user(email="pekka@kokkola.fi", name="Pekka", locale=None)
    outcome = service.invite(moderator, workspace, [fi, sv, en, none])
    assert [u.id for u in outcome.sent] == [fi.id, sv.id, en.id, none.id]
    assert smtp.recipients == []  # the request only writes the outbox; the worker sends
    assert drain().sent == 4
    assert smtp.recipients == sorted(u.email for u in (fi, sv, en, none))
    expected = {
        fi: ("fi", "Henkilöstöohjelma"),
        sv: ("sv", "Personalprogram"),
        en: ("en", "Personnel programme"),
        none: ("fi", "Henkilöstöohjelma"),
    }
    for user, (language, title) in expected.items():
        message = smtp.to(user.email)
        assert message["Content-Language"] == language
        assert title in message["Subject"]
        assert f'<html lang="{language}">' in html_of(message)
        assert user.name in text_of(message) and "Helena HR" in text_of(message)
        assert link_path(message).startswith("/signin/")
    m = membership(session, workspace, fi)
    assert m.invited_at is not None and m.invited_by_id == moderator.id and m.role is MemberRole.PARTICIPANT


def test_units_include_their_sub_units(session, make, smtp, workspace, moderator):
    department = make.unit("Sivistyspalvelut")
    child = make.unit("Varhaiskasvatus", parent=department)
    grandchild = make.unit("Päiväkoti", parent=child)
    other = make.unit("Tekniset palvelut")
    people = [make.user(unit=unit) for unit in (department, child, grandchild, other)]
    found, unknown = service.people_to_invite([department.id], include_subunits=True)
    assert {u.id for u in found} == {p.id for p in people[:3]} and unknown == []
    found, _ = service.people_to_invite([department.id], include_subunits=False)
    assert [u.id for u in found] == [people[0].id]
    found, unknown = service.people_to_invite(
        [other.id], emails=[people[0].email.upper(), "nobody@kokkola.fi"]
    )
    assert {u.id for u in found} == {people[0].id, people[3].id} and unknown == ["nobody@kokkola.fi"]
    assert service.find_unit("sivistyspalvelut / VARHAISKASVATUS").id == child.id
    assert service.find_unit("Varhaiskasvatus") is None


def test_nobody_is_invited_twice(session, make, smtp, workspace, moderator):
    people = [make.user(), make.user()]
    service.invite(moderator, workspace, people[:1])
    outcome = service.invite(moderator, workspace, people)
    assert [u.id for u in outcome.sent] == [people[1].id]
    assert [u.id for u in outcome.already] == [people[0].id]
    drain()
    assert len(smtp.messages) == 2
    count = session.scalar(
        select(func.count())
        .select_from(Membership)
        .where(Membership.workspace_id == workspace.id, Membership.user_id == people[0].id)
    )
    assert count == 1


def test_inactive_people_are_not_invited(session, make, smtp, workspace, moderator):
    gone = make.user(is_active_account=False)
    assert service.invite(moderator, workspace, [gone]).sent == []
    drain()
    assert smtp.messages == [] and membership(session, workspace, gone) is None


def test_a_refused_address_is_recorded_for_the_invitations_page(session, make, smtp, workspace, moderator):
    good = make.user(email="good@kokkola.fi")
    bad = make.user(email="bounce@kokkola.fi")
    outcome = service.invite(moderator, workspace, [good, bad])
    assert [u.id for u in outcome.sent] == [good.id, bad.id]
    counts = drain()
    assert (counts.sent, counts.failed) == (1, 1)
    assert smtp.recipients == ["good@kokkola.fi"]
    failed = outbox_service.failures(workspace.id)
    assert [(f.address, f.kind) for f in failed] == [("bounce@kokkola.fi", "invitation")]
    assert "550" in failed[0].reason
    # They stay invited (a reminder reaches them once the address is right), and nobody twice.
    assert membership(session, workspace, bad).invited_at is not None
    assert [u.id for u in service.invite(moderator, workspace, [good, bad]).already] == [good.id, bad.id]


def test_invitations_are_audited_with_counts_not_addresses(session, make, smtp, workspace, moderator):
    service.invite(
        moderator, workspace, [make.user(email="x1@kokkola.fi"), make.user(email="bounce1@kokkola.fi")]
    )
    entry = session.scalar(select(AuditLog).where(AuditLog.action == "workspace.invite"))
    assert entry.actor_id == moderator.id and entry.workspace_id == workspace.id
    assert entry.details == {"invited": 2, "already_invited": 0}
    assert "@" not in str(entry.details)


def test_the_outbox_holds_ids_not_links(session, make, smtp, workspace, moderator):
    user = make.user()
    service.invite(moderator, workspace, [user])
    row = session.scalar(select(OutboxMessage).where(OutboxMessage.user_id == user.id))
    assert row.kind == "invitation" and row.language == "fi" and row.workspace_id == workspace.id
    assert row.about == {"workspace_id": workspace.id, "inviter_id": moderator.id}
    # No token exists until the worker sends the mail: a link's lifetime starts then.
    assert (
        session.scalar(select(func.count()).select_from(SigninToken).where(SigninToken.user_id == user.id))
        == 0
    )
    drain()
    assert (
        session.scalar(select(func.count()).select_from(SigninToken).where(SigninToken.user_id == user.id))
        == 1
    )


def test_tokens_are_stored_only_as_hashes(session, make, smtp, workspace, moderator):
    user = make.user()
    service.invite(moderator, workspace, [user])
    drain()
    raw = link_path(smtp.to(user.email)).rsplit("/", 1)[1]
    stored = session.scalar(select(SigninToken).where(SigninToken.user_id == user.id))
    assert stored.token_hash == hashlib.sha256(raw.encode()).hexdigest() and raw not in stored.token_hash
    assert len(raw) >= 43
    assert stored.workspace_id == workspace.id
    hours = (stored.expires_at - stored.created_at) / timedelta(hours=1)
    assert hours == 72


def test_token_lifecycle(session, make, workspace):
    user = make.user()
    raw, token = tokens.issue_token(user, workspace)
    session.flush()
    assert tokens.find_token(raw)[0] == tokens.VALID
    assert tokens.find_token(raw)[0] == tokens.VALID  # looking does not use it up
    status, _, who = tokens.redeem_token(raw)
    assert status == tokens.VALID and who.id == user.id
    assert tokens.redeem_token(raw)[0] == tokens.USED
    assert tokens.find_token("A" * 43)[0] == tokens.UNKNOWN
    assert tokens.find_token("../../etc")[0] == tokens.UNKNOWN
    old, _ = tokens.issue_token(user, workspace, now=utcnow() - timedelta(hours=73))
    session.flush()
    assert tokens.redeem_token(old)[0] == tokens.EXPIRED
    fresh, _ = tokens.issue_token(user, workspace)
    user.is_active_account = False
    session.flush()
    assert tokens.redeem_token(fresh)[0] == tokens.INACTIVE


# --- reminders ------------------------------------------------------------------------------


@pytest.fixture
def funnel(make, workspace):
    """Three invited participants: one never visited, one visited only, one contributed."""
    now = utcnow()
    people = {}
    for key in ("not_visited", "visited", "contributed"):
        user = make.user(email=f"{key}@kokkola.fi", locale="sv" if key == "visited" else None)
        m = make.member(workspace, user)
        if key != "not_visited":
            m.first_visit_at = m.last_visit_at = now
        if key == "contributed":
            m.first_contribution_at = now
        people[key] = user
    make.member(workspace, make.user(Role.MODERATOR), MemberRole.MODERATOR)  # never reminded
    uninvited = make.user()
    make.session.add(Membership(workspace_id=workspace.id, user_id=uninvited.id, first_visit_at=now))
    make.session.flush()
    return people


def test_reminder_audiences(session, workspace, funnel):
    not_visited = service.reminder_audience(workspace, "not_visited")
    not_contributed = service.reminder_audience(workspace, "not_contributed")
    assert [m.user_id for m in not_visited] == [funnel["not_visited"].id]
    assert [m.user_id for m in not_contributed] == [funnel["visited"].id]
    assert service.reminder_counts(workspace) == {"not_visited": 1, "not_contributed": 1}
    with pytest.raises(ValueError):
        service.reminder_audience(workspace, "everyone")


def test_reminders_go_once_within_the_interval(session, smtp, workspace, funnel, moderator):
    outcome = service.send_reminders(moderator, workspace, "not_contributed")
    assert [u.id for u in outcome.sent] == [funnel["visited"].id]
    drain()
    message = smtp.to("visited@kokkola.fi")
    assert message["Content-Language"] == "sv" and "Personalprogram" in message["Subject"]
    assert link_path(message).startswith("/signin/")
    assert membership(session, workspace, funnel["visited"]).last_reminded_at is not None
    assert service.reminder_counts(workspace)["not_contributed"] == 0
    assert service.send_reminders(moderator, workspace, "not_contributed").sent == []
    drain()
    assert len(smtp.messages) == 1
    later = utcnow() + timedelta(hours=72, minutes=1)
    assert service.reminder_counts(workspace, now=later)["not_contributed"] == 1
    entry = session.scalar(select(AuditLog).where(AuditLog.action == "workspace.remind"))
    assert entry.details == {"audience": "not_contributed", "reminded": 1}


def test_a_failed_reminder_is_recorded(session, make, smtp, workspace, moderator):
    bad = make.user(email="bounce@kokkola.fi")
    make.member(workspace, bad)
    assert [u.id for u in service.send_reminders(moderator, workspace, "not_visited").sent] == [bad.id]
    assert drain().failed == 1
    assert [(f.address, f.kind) for f in outbox_service.failures(workspace.id)] == [
        ("bounce@kokkola.fi", "reminder")
    ]


def test_a_person_no_longer_invited_is_skipped(session, make, smtp, workspace, moderator):
    gone = make.user()
    service.invite(moderator, workspace, [gone])
    gone.is_active_account = False  # deactivated before the worker came round
    session.flush()
    counts = drain()
    assert (counts.sent, counts.skipped, counts.failed) == (0, 1, 0)
    assert smtp.messages == [] and outbox_service.failures(workspace.id) == []


def test_reminder_preview(app, session, workspace, funnel):
    subject, text = service.reminder_preview(workspace, "not_visited", "sv", "NN")
    assert "Personalprogram" in subject and "NN" in text and "/signin/" in text
    assert service.languages_of(workspace, service.reminder_audience(workspace, "not_contributed")) == {
        "sv": 1
    }
