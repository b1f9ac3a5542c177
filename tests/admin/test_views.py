import re
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import g
from sqlalchemy import func, select

from ideaspace.models import AuditLog, MemberRole, Role, Unit, User

from ..conftest import sign_in

ROLES = ["anonymous", "participant", "observer", "moderator", "admin"]


@pytest.fixture
def people(make, session):
    dept = make.unit("Keskushallinto")
    unit = make.unit("Henkilöstöpalvelut", parent=dept)
    ws = make.workspace()
    moderator = make.user(Role.MODERATOR, unit=unit)
    make.member(ws, moderator, MemberRole.MODERATOR)
    everyone = {
        "dept": dept,
        "unit": unit,
        "participant": make.user(Role.PARTICIPANT, unit=unit),
        "observer": make.user(Role.OBSERVER),
        "moderator": moderator,
        # English pages, so that the tests can read the messages whatever the catalogues say.
        "admin": make.user(Role.ADMIN, name="Admin", email="admin@example.fi", locale="en"),
        "target": make.user(name="Target Person", email="target@example.fi", unit=unit),
    }
    session.commit()  # a refused request rolls back: keep these for the requests that follow
    return everyone


def paths(people):
    return [
        "/admin/users",
        f"/admin/users?q=target&role=participant&unit={people['dept'].id}",
        "/admin/users/new",
        f"/admin/users/{people['target'].id}",
        "/admin/units",
        "/admin/units/new",
        f"/admin/units/{people['unit'].id}",
    ]


def as_role(client, login, people, role):
    if role != "anonymous":
        login(people[role])
    return client


@pytest.mark.parametrize("role", ROLES)
def test_every_admin_page_for_every_role(client, login, people, role):
    as_role(client, login, people, role)
    for path in paths(people):
        response = client.get(path)
        if role == "anonymous":
            assert response.status_code == 302, path
            location = urlsplit(response.location)
            assert location.path == "/login", path
            assert parse_qs(location.query)["next"] == [path], path
        elif role == "admin":
            assert response.status_code == 200, path
        else:
            assert response.status_code == 403, path


@pytest.mark.parametrize("role", ["anonymous", "participant", "observer", "moderator"])
def test_nobody_but_an_admin_can_post_to_the_admin_forms(client, login, people, session, role):
    as_role(client, login, people, role)
    session.commit()
    users_before = session.scalar(select(func.count(User.id)))
    units_before = session.scalar(select(func.count(Unit.id)))
    target = people["target"]
    posts = [
        (
            "/admin/users/new",
            {"name": "Intruder", "email": "intruder@example.fi", "role": "admin", "active": "y"},
        ),
        (
            f"/admin/users/{target.id}",
            {"name": "Hacked", "email": target.email, "role": "admin", "active": "y"},
        ),
        ("/admin/units/new", {"name-fi": "Intruders"}),
        (f"/admin/units/{people['unit'].id}", {"name-fi": "Hacked"}),
    ]
    for path, data in posts:
        response = client.post(path, data=data)
        assert response.status_code == (302 if role == "anonymous" else 403), path
    session.expire_all()
    assert session.scalar(select(func.count(User.id))) == users_before
    assert session.scalar(select(func.count(Unit.id))) == units_before
    assert session.get(User, target.id).role is Role.PARTICIPANT
    assert session.get(Unit, people["unit"].id).name["fi"] == "Henkilöstöpalvelut"
    assert session.scalar(select(func.count(AuditLog.id))) == 0


@pytest.mark.parametrize("path", ["/admin/users/987654", "/admin/units/987654"])
def test_unknown_ids_give_404(client, login, people, path):
    login(people["admin"])
    assert client.get(path).status_code == 404
    assert client.post(path, data={"name": "x"}).status_code == 404


def test_admin_links_show_only_to_admins(client, login, people):
    login(people["moderator"])
    assert 'href="/admin/users"' not in client.get("/").text
    login(people["admin"])
    assert 'href="/admin/users"' in client.get("/").text


# --- the people list ------------------------------------------------------------------------


def test_users_list_searches_and_filters(client, login, people, make):
    login(people["admin"])
    make.user(name="Someone Else", email="else@example.fi")
    html = client.get("/admin/users?q=TARGET").text
    assert "Target Person" in html and "Someone Else" not in html
    html = client.get("/admin/users?role=observer").text
    assert people["observer"].name in html and "Target Person" not in html
    html = client.get(f"/admin/users?unit={people['dept'].id}").text  # includes the sub-unit
    assert "Target Person" in html and people["participant"].name in html and "Someone Else" not in html
    assert 'role="search"' in html and "<caption" in html and 'scope="col"' in html


@pytest.mark.parametrize("query", ["role=superuser", "unit=abc", "unit=987654", "q=" + "x" * 201])
def test_users_list_with_bad_filters_gives_422(client, login, people, query):
    login(people["admin"])
    response = client.get("/admin/users?" + query)
    assert response.status_code == 422
    assert 'class="error-summary"' in response.text


def test_users_list_paginates_50_a_page_and_keeps_the_filters(client, login, people, make, count_queries):
    login(people["admin"])
    for i in range(60):
        make.user(name=f"Paged {i:02d}", email=f"paged{i}@example.fi", unit=people["unit"])
    html = client.get("/admin/users?q=paged").text
    assert len(re.findall(r'href="/admin/users/\d+"', html)) == 50
    assert "Paged 49" in html and "Paged 50" not in html
    assert 'href="/admin/users?page=2&amp;q=paged"' in html
    html = client.get("/admin/users?q=paged&page=2").text
    assert "Paged 50" in html and "Paged 59" in html and "Paged 00" not in html
    assert 'rel="prev"' in html and 'rel="next"' not in html


def test_users_list_runs_a_fixed_number_of_queries(client, login, people, make, count_queries):
    login(people["admin"])
    client.get("/admin/users")
    g.__dict__.clear()
    with count_queries() as few:
        client.get("/admin/users")
    for i in range(20):
        make.user(unit=make.unit(), email=f"many{i}@example.fi")
    g.__dict__.clear()
    with count_queries() as many:
        client.get("/admin/users")
    assert len(many) == len(few) <= 6


# --- creating and editing people ------------------------------------------------------------


def user_data(**overrides):
    data = {
        "name": "Anna Aho",
        "email": "anna.aho@example.fi",
        "role": "participant",
        "unit": "",
        "locale": "",
        "active": "y",
        "password": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_admin_creates_a_user_who_can_then_sign_in(app, client, login, people, session):
    login(people["admin"], sudo=True)
    response = client.post(
        "/admin/users/new",
        data=user_data(
            email="Anna.Aho@Example.fi",
            role="moderator",
            unit=str(people["unit"].id),
            locale="sv",
            password="at least twelve",
        ),
    )
    assert response.status_code == 302 and response.location == "/admin/users"
    user = session.scalars(select(User).where(User.email == "anna.aho@example.fi")).one()
    assert (user.role, user.unit_id, user.locale, user.is_active) == (
        Role.MODERATOR,
        people["unit"].id,
        "sv",
        True,
    )
    assert (
        session.scalars(select(AuditLog).where(AuditLog.action == "user.create")).one().object_id == user.id
    )
    assert "Anna Aho" in client.get("/admin/users").text  # the flash and the list
    fresh = app.test_client()
    g.__dict__.clear()
    response = fresh.post(
        "/login",
        data={"email": "anna.aho@example.fi", "password": "at least twelve"},
        headers={"X-CSRFToken": fresh.csrf_token()},
    )
    assert response.status_code == 302


def test_user_form_prefills_on_edit(client, login, people):
    login(people["admin"])
    html = client.get(f"/admin/users/{people['target'].id}").text
    assert 'value="target@example.fi"' in html
    assert re.search(
        rf'<option selected value="{people["unit"].id}">Keskushallinto › Henkilöstöpalvelut', html
    )
    assert re.search(r'id="active"[^>]*checked|checked[^>]*id="active"', html)
    assert 'autocomplete="new-password"' in html


def test_admin_edits_a_user(client, login, people, session):
    login(people["admin"], sudo=True)
    target = people["target"]
    response = client.post(
        f"/admin/users/{target.id}",
        data=user_data(
            name="Renamed",
            email="TARGET@example.fi",
            role="observer",
            unit=str(people["dept"].id),
            locale="en",
        ),
    )
    assert response.status_code == 302
    session.refresh(target)
    assert (target.name, target.email, target.role, target.unit_id, target.locale) == (
        "Renamed",
        "target@example.fi",
        Role.OBSERVER,
        people["dept"].id,
        "en",
    )
    assert target.check_password("correct horse battery staple")  # no new password given: kept


def test_deactivating_a_user_signs_them_out(app, client, login, people, session):
    target = people["target"]
    victim = app.test_client()
    sign_in(victim, target)
    assert victim.get("/").status_code == 200
    login(people["admin"], sudo=True)
    g.__dict__.clear()
    response = client.post(
        f"/admin/users/{target.id}",
        data=user_data(
            name=target.name,
            email=target.email,
            active=None,  # the checkbox left unticked
        ),
    )
    assert response.status_code == 302
    session.refresh(target)
    assert not target.is_active
    g.__dict__.clear()
    response = victim.get("/")
    assert response.status_code == 302 and response.location.startswith("/login")
    actions = list(
        session.scalars(select(AuditLog.action).where(AuditLog.object_id == target.id).order_by(AuditLog.id))
    )
    assert actions == ["user.update", "user.deactivate"]
    assert "badge--inactive" in client.get("/admin/users?q=target").text


def test_admin_setting_their_own_password_stays_signed_in(client, login, people, session):
    admin = people["admin"]
    login(admin, sudo=True)
    response = client.post(
        f"/admin/users/{admin.id}",
        data=user_data(
            name="Admin",
            email=admin.email,
            role="admin",
            password="my new long password",
        ),
    )
    assert response.status_code == 302
    assert client.get("/admin/users").status_code == 200
    session.refresh(admin)
    assert admin.check_password("my new long password")


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"email": ""}, "email"),
        ({"email": "not an email"}, "email"),
        ({"email": "a" * 250 + "@example.fi"}, "email"),
        ({"email": "TARGET@example.fi"}, "email"),  # taken, in another case
        ({"role": "superuser"}, "role"),
        ({"role": None}, "role"),
        ({"unit": "abc"}, "unit"),
        ({"unit": "987654"}, "unit"),
        ({"locale": "de"}, "locale"),
        ({"password": "short"}, "password"),
        ({"password": "x" * 201}, "password"),
    ],
)
def test_user_form_with_bad_input_gives_422_and_saves_nothing(
    client, login, people, session, overrides, field
):
    login(people["admin"])
    session.commit()
    before = session.scalar(select(func.count(User.id)))
    response = client.post("/admin/users/new", data=user_data(**overrides))
    assert response.status_code == 422
    assert 'class="error-summary"' in response.text
    assert f'id="{field}-error"' in response.text
    session.expire_all()
    assert session.scalar(select(func.count(User.id))) == before
    assert session.scalar(select(func.count(AuditLog.id))) == 0


def test_editing_with_bad_input_changes_nothing(client, login, people, session):
    login(people["admin"], sudo=True)
    target = people["target"]
    session.commit()
    response = client.post(
        f"/admin/users/{target.id}",
        data=user_data(
            name="Changed",
            email=people["observer"].email.upper(),
        ),
    )
    assert response.status_code == 422
    assert "Another person already uses this email address." in response.text
    session.expire_all()
    assert session.get(User, target.id).name == "Target Person"


def test_an_admin_cannot_deactivate_themself_through_the_form(client, login, people, session):
    admin = people["admin"]
    login(admin, sudo=True)
    session.commit()
    response = client.post(
        f"/admin/users/{admin.id}", data=user_data(name="Admin", email=admin.email, role="admin", active=None)
    )
    assert response.status_code == 422
    assert "You cannot deactivate your own account." in response.text
    session.expire_all()
    assert session.get(User, admin.id).is_active


def test_user_form_without_csrf_is_refused(client, login, people, session):
    login(people["admin"])
    session.commit()
    client.csrf = False
    assert client.post("/admin/users/new", data=user_data()).status_code == 400
    assert session.scalar(select(User).where(User.email == "anna.aho@example.fi")) is None


# --- units ---------------------------------------------------------------------------------


def test_units_page_shows_a_nested_tree_with_a_fixed_number_of_queries(
    client, login, people, make, count_queries
):
    login(people["admin"])
    client.get("/admin/units")
    g.__dict__.clear()
    with count_queries() as few:
        html = client.get("/admin/units").text
    # Keskushallinto > Henkilöstöpalvelut, as a list inside the department's list item.
    assert re.search(
        r"Keskushallinto(?:</span>)?</a>.*?<ul class=\"unit-tree\">\s*<li>.*?Henkilöstöpalvelut", html, re.S
    )
    parent = people["unit"]
    for i in range(10):
        parent = make.unit(f"Taso {i}", parent=parent)
    g.__dict__.clear()
    with count_queries() as many:
        html = client.get("/admin/units").text
    assert "Taso 9" in html and html.count('<ul class="unit-tree">') >= 11
    assert len(many) == len(few) <= 5


def test_admin_creates_a_unit_under_a_department(client, login, people, session):
    login(people["admin"])
    form = client.get(f"/admin/units/new?parent={people['dept'].id}").text
    assert re.search(rf'<option selected value="{people["dept"].id}">', form)
    assert "<fieldset" in form and "<legend" in form and 'lang="sv"' in form
    response = client.post(
        "/admin/units/new",
        data={
            "name-fi": "Palkanlaskenta",
            "name-sv": "Löneräkning",
            "name-en": "",
            "code": "PAY",
            "parent": str(people["dept"].id),
        },
    )
    assert response.status_code == 302 and response.location == "/admin/units"
    unit = session.scalars(select(Unit).where(Unit.code == "PAY")).one()
    assert unit.name == {"fi": "Palkanlaskenta", "sv": "Löneräkning"} and unit.parent_id == people["dept"].id
    assert session.scalars(
        select(AuditLog.action).where(AuditLog.object_id == unit.id).order_by(AuditLog.id)
    ).all() == ["unit.create"]


def test_admin_edits_a_unit(client, login, people, make, session):
    login(people["admin"])
    unit = people["unit"]
    team = make.unit("Tiimi", parent=unit)
    form = client.get(f"/admin/units/{unit.id}").text
    # The parent list offers neither the unit itself nor what is below it.
    assert f'<option selected value="{people["dept"].id}">' in form
    assert f'value="{unit.id}"' not in form and f'value="{team.id}"' not in form
    assert 'value="Henkilöstöpalvelut"' in form
    response = client.post(
        f"/admin/units/{unit.id}", data={"name-fi": "HR-palvelut", "name-sv": "HR", "parent": ""}
    )
    assert response.status_code == 302
    session.refresh(unit)
    assert unit.name == {"fi": "HR-palvelut", "sv": "HR"} and unit.parent_id is None


@pytest.mark.parametrize(
    "data, message",
    [
        ({"name-fi": ""}, "Write this at least in Suomi."),
        ({"name-fi": "   ", "name-sv": "Bara svenska"}, "Write this at least in Suomi."),
        ({"name-fi": "x" * 201}, "Field cannot be longer than 200 characters."),
        ({"name-fi": "Ok", "code": "x" * 65}, "Field cannot be longer than 64 characters."),
        ({"name-fi": "Ok", "code": "hr-code"}, "Another unit already has this code."),
        ({"name-fi": "Ok", "parent": "abc"}, "Invalid Choice: could not coerce."),
        ({"name-fi": "Ok", "parent": "987654"}, "Not a valid choice."),
    ],
)
def test_unit_form_with_bad_input_gives_422_and_saves_nothing(
    client, login, people, make, session, data, message
):
    make.unit("Existing", code="HR-CODE")
    login(people["admin"])
    session.commit()
    before = session.scalar(select(func.count(Unit.id)))
    response = client.post("/admin/units/new", data=data)
    assert response.status_code == 422
    assert 'class="error-summary"' in response.text and message in response.text
    session.expire_all()
    assert session.scalar(select(func.count(Unit.id))) == before
    assert session.scalar(select(func.count(AuditLog.id))) == 0


@pytest.mark.parametrize("which", ["self", "child", "grandchild"])
def test_a_unit_cannot_move_under_itself(client, login, people, make, session, which):
    dept, unit = people["dept"], people["unit"]
    team = make.unit("Tiimi", parent=unit)
    login(people["admin"])
    session.commit()
    parent = {"self": dept, "child": unit, "grandchild": team}[which]
    response = client.post(
        f"/admin/units/{dept.id}", data={"name-fi": "Keskushallinto", "parent": str(parent.id)}
    )
    assert response.status_code == 422
    assert 'id="parent-error"' in response.text
    session.expire_all()
    assert session.get(Unit, dept.id).parent_id is None
