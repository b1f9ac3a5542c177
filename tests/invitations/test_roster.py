"""Invitations for thousands (issue 18, 3): the list searched, filtered and paged, people with the
same name told apart, new addresses invited when the instance allows it, and a batch with bad
addresses that invites the good ones and lists the rest with their reasons."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ideaspace.invitations import batch, roster
from ideaspace.invitations import service as invitations
from ideaspace.models import AuditLog, MemberRole, Membership, OutboxMessage, Role, User, utcnow
from ideaspace.settings import service as settings

from .test_views import as_user, memberships


@pytest.fixture
def world(make, session):
    ws = make.workspace()
    moderator = make.user(Role.MODERATOR, name="Helena HR")
    make.member(ws, moderator, MemberRole.MODERATOR)
    department = make.unit("Sivistyspalvelut")
    school = make.unit("Perusopetus", parent=department)
    other = make.unit("Kuntatekniikka")
    session.commit()
    return ws, moderator, department, school, other


def invited(make, ws, user, **values):
    membership = make.member(ws, user)
    for name, value in values.items():
        setattr(membership, name, value)
    return membership


def allow_new_addresses(session, admin, on: bool = True) -> None:
    settings.put(admin, batch.NEW_ADDRESSES, on)
    session.commit()


# --- the list --------------------------------------------------------------------------------


def test_the_roster_searches_names_and_emails_filters_by_unit_and_state(make, session, world):
    ws, _moderator, department, school, other = world
    anders_school = make.user(name="Anders Lindholm", email="anders.lindholm@kokkola.fi", unit=school)
    anders_other = make.user(name="Anders Lindholm", email="a.lindholm@kokkola.fi", unit=other)
    visited = make.user(name="Bea Berg", unit=department)
    contributed = make.user(name="Cia Carlsson", email="cia@karleby.fi", unit=other)
    for user in (anders_school, anders_other):
        invited(make, ws, user)
    invited(make, ws, visited, first_visit_at=utcnow())
    invited(make, ws, contributed, first_visit_at=utcnow(), first_contribution_at=utcnow())
    uninvited = make.user(name="Anders Uninvited")
    make.member(ws, uninvited).invited_at = None  # a member by a visit, never invited
    session.flush()

    def names(**filters):
        return [m.user.email for m in roster.roster(ws, **filters).rows]

    # By name, then the order they came in: the same two people always in the same order.
    assert names(search="anders") == ["anders.lindholm@kokkola.fi", "a.lindholm@kokkola.fi"]
    assert names(search="KARLEBY") == ["cia@karleby.fi"]  # emails too, any case
    assert names(search="%") == [] and names(search="_") == []  # LIKE's wildcards taken literally
    assert names(unit_id=department.id) == [anders_school.email, visited.email]  # and sub-units
    assert names(unit_id=school.id) == [anders_school.email]
    assert names(state=roster.NOT_VISITED) == [
        "anders.lindholm@kokkola.fi",
        "a.lindholm@kokkola.fi",
        _moderator.email,
    ]
    assert names(state=roster.VISITED) == [visited.email]
    assert names(state=roster.CONTRIBUTED) == [contributed.email]
    everyone = roster.roster(ws)
    # Helena (the moderator, invited too), both Anders, Bea and Cia; never the uninvited member.
    assert everyone.total == everyone.invited == 5
    assert everyone.same_name == {"Anders Lindholm": 2}
    found = roster.roster(ws, search="cia")
    assert (found.total, found.invited, found.same_name) == (1, 5, {})


def test_the_roster_pages_and_keeps_the_page_in_range(make, session, world):
    ws = world[0]
    for n in range(7):
        invited(make, ws, make.user(name=f"Person {n:02d}"))
    session.flush()
    first = roster.roster(ws, page=1, per_page=3)
    last = roster.roster(ws, page=99, per_page=3)
    assert (first.total, first.pages, len(first.rows)) == (8, 3, 3)  # with the moderator
    assert (last.page, len(last.rows)) == (3, 2)
    assert roster.roster(ws, page=-5, per_page=3).page == 1
    pages = [m.user.id for page in (1, 2, 3) for m in roster.roster(ws, page=page, per_page=3).rows]
    assert len(pages) == len(set(pages)) == 8  # every person once, in a stable order


def test_the_roster_page_costs_the_same_statements_whatever_its_size(make, session, world, count_queries):
    ws = world[0]

    def statements() -> int:
        with count_queries() as counted:
            roster.roster(ws, search="person", unit_id=world[2].id)
        return len(counted)

    invited(make, ws, make.user(unit=world[2]))
    session.flush()
    few = statements()
    for _n in range(30):
        invited(make, ws, make.user(unit=world[3]))
    session.flush()
    assert statements() == few


# --- a batch of addresses --------------------------------------------------------------------


def test_split_keeps_each_address_once_and_lower_case():
    assert batch.split(" A@x.fi, b@x.fi;\n<c@x.fi>\ta@X.FI ") == ["a@x.fi", "b@x.fi", "c@x.fi"]
    assert batch.split(None) == [] and batch.split(" ,; ") == []


def test_a_new_persons_name_is_guessed_from_the_address():
    assert batch.name_from("anna-maria.virtanen@kokkola.fi") == "Anna-Maria Virtanen"
    assert batch.name_from("pekka_k+hr@kokkola.fi") == "Pekka K"
    assert batch.name_from("...@kokkola.fi") == "...@kokkola.fi"


def test_resolve_gives_every_address_a_person_or_a_reason(make, session, world):
    ws, moderator, department, *_ = world
    known = make.user(email="known@kokkola.fi")
    inactive = make.user(email="gone@kokkola.fi", is_active_account=False)
    session.flush()
    addresses = [
        "known@kokkola.fi",
        "gone@kokkola.fi",
        "new@kokkola.fi",
        "not-an-address",
        "x" * 300 + "@k.fi",
    ]
    found = batch.resolve(moderator, addresses, department)
    assert found.people == [known] and found.created == []
    assert (
        [(r.address, r.reason) for r in found.rejected]
        == [
            ("gone@kokkola.fi", batch.INACTIVE),
            ("new@kokkola.fi", batch.UNKNOWN),  # the instance setting is off by default
            ("not-an-address", batch.INVALID),
            (("x" * 300 + "@k.fi")[:300], batch.INVALID),
        ]
    )
    assert inactive not in found.people
    assert session.scalar(select(func.count()).select_from(User).where(User.email == "new@kokkola.fi")) == 0


def test_new_addresses_become_participants_in_the_chosen_unit_when_allowed(make, session, world):
    ws, moderator, department, *_ = world
    allow_new_addresses(session, make.user(Role.ADMIN))
    without_unit = batch.resolve(moderator, ["first.new@kokkola.fi"], None)
    assert [(r.address, r.reason) for r in without_unit.rejected] == [
        ("first.new@kokkola.fi", batch.NEEDS_UNIT)
    ]
    found = batch.resolve(moderator, ["first.new@kokkola.fi", "Second.New@Kokkola.fi".lower()], department)
    assert found.rejected == []
    assert [(u.name, u.email, u.role, u.unit_id) for u in found.created] == [
        ("First New", "first.new@kokkola.fi", Role.PARTICIPANT, department.id),
        ("Second New", "second.new@kokkola.fi", Role.PARTICIPANT, department.id),
    ]
    assert found.people == found.created
    audited = session.scalars(
        select(AuditLog).where(AuditLog.action == "user.create").order_by(AuditLog.id)
    ).all()
    assert [entry.details["email"] for entry in audited] == ["first.new@kokkola.fi", "second.new@kokkola.fi"]
    assert all(entry.actor_id == moderator.id and entry.details["by_invitation"] for entry in audited)
    # Asked again (the same batch sent twice): the same people, nobody created twice.
    again = batch.resolve(moderator, ["first.new@kokkola.fi"], department)
    assert again.created == [] and [u.email for u in again.people] == ["first.new@kokkola.fi"]


def test_an_erased_persons_address_is_not_created_again(app, make, session, world):
    from ideaspace.privacy.service import erase

    ws, moderator, department, *_ = world
    admin = make.user(Role.ADMIN)
    person = make.user(email="forget.me@kokkola.fi")
    session.flush()
    erase(admin, person, "asked to be forgotten")
    allow_new_addresses(session, admin)
    found = batch.resolve(moderator, ["forget.me@kokkola.fi"], department)
    assert [(r.address, r.reason) for r in found.rejected] == [("forget.me@kokkola.fi", batch.ERASED)]
    assert found.created == []


# --- the page --------------------------------------------------------------------------------


def test_a_batch_with_bad_addresses_invites_the_good_ones_and_lists_the_rest(
    client, login, make, session, world
):
    ws, moderator, *_ = world
    good = make.user(email="good@kokkola.fi")
    make.user(email="off@kokkola.fi", is_active_account=False)
    session.commit()
    as_user(login, moderator)
    response = client.post(
        f"/w/{ws.slug}/invitations",
        data={"emails": "good@kokkola.fi, stranger@nowhere.fi\noff@kokkola.fi broken@"},
    )
    assert response.status_code == 200
    text = response.text
    assert "1 person was invited." in text and "3 addresses were not invited" in text
    for address, reason in [
        ("stranger@nowhere.fi", "Nobody in IdeaSpace has this address."),
        ("off@kokkola.fi", "account is deactivated."),
        ("broken@", "Not a valid email address."),
    ]:
        assert address in text and reason in text
    # Nothing lost: the rejected addresses wait in the form, to correct and send again.
    kept = text.split('name="emails"')[1].split(">", 1)[1].split("</textarea>")[0]
    assert kept.split() == ["stranger@nowhere.fi", "off@kokkola.fi", "broken@"]  # as typed
    session.expire_all()
    assert session.scalar(
        select(Membership.invited_at).where(Membership.workspace_id == ws.id, Membership.user_id == good.id)
    )
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_a_batch_of_only_bad_addresses_invites_nobody(client, login, make, session, world):
    ws, moderator, *_ = world
    as_user(login, moderator)
    before = memberships(session, ws)
    response = client.post(f"/w/{ws.slug}/invitations", data={"emails": "stranger@nowhere.fi"})
    assert response.status_code == 422 and "Nobody in IdeaSpace has this address." in response.text
    assert memberships(session, ws) == before
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_moderators_invite_new_addresses_into_a_unit_when_the_instance_allows(
    client, login, make, session, world
):
    ws, moderator, department, *_ = world
    as_user(login, moderator)
    page = client.get(f"/w/{ws.slug}/invitations")
    assert 'name="new_unit"' not in page.text  # off: no unit to choose
    allow_new_addresses(session, make.user(Role.ADMIN))
    page = client.get(f"/w/{ws.slug}/invitations")
    assert 'name="new_unit"' in page.text
    response = client.post(
        f"/w/{ws.slug}/invitations",
        data={"emails": "uusi.henkilo@kokkola.fi", "new_unit": str(department.id)},
    )
    assert response.status_code == 302
    person = session.scalar(select(User).where(User.email == "uusi.henkilo@kokkola.fi"))
    assert (person.name, person.unit_id, person.role) == ("Uusi Henkilo", department.id, Role.PARTICIPANT)
    followed = client.get(response.headers["Location"])
    assert "1 new person was added in the chosen unit." in followed.text
    assert "uusi.henkilo@kokkola.fi" in followed.text  # in the list, with its email


def test_a_new_unit_that_does_not_exist_is_a_form_error(client, login, make, session, world):
    ws, moderator, *_ = world
    allow_new_addresses(session, make.user(Role.ADMIN))
    as_user(login, moderator)
    before = session.scalar(select(func.count()).select_from(User))
    for bad in ("999999", "abc", "-1"):
        response = client.post(f"/w/{ws.slug}/invitations", data={"emails": "n@kokkola.fi", "new_unit": bad})
        assert response.status_code == 422
    assert session.scalar(select(func.count()).select_from(User)) == before


def test_the_page_searches_pages_and_swaps_the_list_alone(client, login, make, session, world):
    ws, moderator, _department, school, other = world
    invited(make, ws, make.user(name="Anders Lindholm", email="anders1@kokkola.fi", unit=school))
    invited(make, ws, make.user(name="Anders Lindholm", email="anders2@kokkola.fi", unit=other))
    for n in range(60):
        invited(make, ws, make.user(name=f"Zed {n:02d}", unit=other))
    session.commit()
    as_user(login, moderator)
    page = client.get(f"/w/{ws.slug}/invitations")
    assert page.status_code == 200 and "page 1 of 2" in page.text
    assert "anders1@kokkola.fi" in page.text and "Sivistyspalvelut › Perusopetus" in page.text
    assert "2 with this name" in page.text
    assert "Zed 59" not in page.text
    second = client.get(f"/w/{ws.slug}/invitations?page=2")
    assert "Zed 59" in second.text
    found = client.get(f"/w/{ws.slug}/invitations?q=anders&unit={school.id}")
    assert "anders1@kokkola.fi" in found.text and "anders2@kokkola.fi" not in found.text
    fragment = client.get(
        f"/w/{ws.slug}/invitations?q=zed", headers={"HX-Request": "true", "HX-Target": "roster"}
    )
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith("<div") and "<html" not in fragment.text
    assert 'id="roster"' in fragment.text and "data-focus" in fragment.text


@pytest.mark.parametrize(
    "query",
    ["unit=abc", "unit=999999999999999999999", "state=everyone", "q=" + "x" * 300, "page=abc", "page=-1"],
)
def test_bad_filters_get_a_clear_answer(client, login, session, world, query):
    ws, moderator, *_ = world
    as_user(login, moderator)
    response = client.get(f"/w/{ws.slug}/invitations?{query}")
    assert response.status_code in (200, 422)
    assert "Invited" in response.text


def test_inviting_the_same_people_twice_invites_nobody_twice(make, session, world):
    ws, moderator, department, *_ = world
    people = [make.user(unit=department) for _n in range(3)]
    visitor = make.user()
    make.member(ws, visitor).invited_at = None  # a member by their first visit, never invited
    session.flush()
    first = invitations.invite(moderator, ws, [*people, visitor, people[0]])
    again = invitations.invite(moderator, ws, [*people, visitor])
    assert len(first.sent) == 4 and first.already == []
    assert again.sent == [] and len(again.already) == 4
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 4


def test_hostile_addresses_and_searches_come_back_as_text(client, login, make, session, world):
    from tests.security.xss import dangers, payloads

    ws, moderator, *_ = world
    make.user(email="good@kokkola.fi")
    session.commit()
    as_user(login, moderator)
    failures = []

    def body(response) -> str:  # user data is only in the body; the head is the layout's own
        return response.text.split("<body", 1)[1]

    for payload in payloads():
        response = client.post(f"/w/{ws.slug}/invitations", data={"emails": f"{payload}\ngood@kokkola.fi"})
        assert response.status_code < 500, payload
        failures += [f"POST {payload!r}: {found}" for found in dangers(body(response))]
        listed = client.get(f"/w/{ws.slug}/invitations", query_string={"q": payload[:200]})
        assert listed.status_code < 500, payload
        failures += [f"GET q={payload!r}: {found}" for found in dangers(body(listed))]
    assert not failures, "\n".join(failures[:20])
    assert session.scalar(select(func.count()).select_from(User).where(User.email.like("%<%"))) == 0
