import pytest
from sqlalchemy import func, select

from ideaspace.admin import service
from ideaspace.auth import load_user, sessions
from ideaspace.models import AuditLog, Role, UserSession


def audit_actions(session, obj=None):
    query = select(AuditLog.action).order_by(AuditLog.id)
    if obj is not None:
        query = query.where(AuditLog.object_id == obj.id, AuditLog.object_type == obj.__tablename__)
    return list(session.scalars(query))


@pytest.fixture
def admin(make):
    return make.user(Role.ADMIN)


# --- users ---------------------------------------------------------------------------------


def test_create_user_stores_a_lowercase_email_a_hashed_password_and_audits(admin, make, session):
    unit = make.unit()
    user = service.create_user(
        admin,
        name=" Anna Aho ",
        email=" Anna.Aho@Example.FI ",
        role=Role.MODERATOR,
        unit_id=unit.id,
        locale="sv",
        active=True,
        password="twelve chars!",
    )
    assert (user.name, user.email, user.role, user.unit, user.locale) == (
        "Anna Aho",
        "anna.aho@example.fi",
        Role.MODERATOR,
        unit,
        "sv",
    )
    assert user.password_hash.startswith("scrypt:") and user.check_password("twelve chars!")
    entry = session.scalars(select(AuditLog).where(AuditLog.action == "user.create")).one()
    assert entry.actor_id == admin.id and entry.object_id == user.id and entry.object_type == "user"
    assert entry.details["email"] == "anna.aho@example.fi" and entry.details["password_set"] is True
    assert "twelve chars!" not in str(entry.details)


def test_create_user_without_password_cannot_sign_in_by_password(admin):
    user = service.create_user(admin, name="No Pass", email="np@example.fi", role=Role.PARTICIPANT)
    assert user.password_hash is None
    assert not user.check_password("")


def test_email_is_unique_case_insensitively(admin, make, session):
    make.user(email="Taken@Example.fi")
    with pytest.raises(service.AdminError) as error:
        service.create_user(admin, name="X", email="taken@EXAMPLE.fi", role=Role.PARTICIPANT)
    assert error.value.field == "email"
    other = make.user(email="other@example.fi")
    with pytest.raises(service.AdminError):
        service.update_user(admin, other, name="X", email="TAKEN@example.fi", role=Role.PARTICIPANT)
    # Keeping one's own address (in any case) is fine.
    service.update_user(admin, other, name="Other", email="OTHER@example.fi", role=Role.PARTICIPANT)
    assert other.email == "other@example.fi"


def test_unknown_unit_and_language_are_refused(admin):
    with pytest.raises(service.AdminError) as error:
        service.create_user(admin, name="X", email="x@example.fi", role=Role.PARTICIPANT, unit_id=987654)
    assert error.value.field == "unit"
    with pytest.raises(service.AdminError) as error:
        service.create_user(admin, name="X", email="x@example.fi", role=Role.PARTICIPANT, locale="de")
    assert error.value.field == "locale"


def test_update_user_audits_what_changed(admin, make, session):
    unit = make.unit()
    user = make.user(name="Old", email="old@example.fi")
    service.update_user(admin, user, name="New", email="old@example.fi", role=Role.OBSERVER, unit_id=unit.id)
    entry = session.scalars(select(AuditLog).where(AuditLog.action == "user.update")).one()
    assert entry.details["changed"] == {
        "name": ["Old", "New"],
        "role": ["participant", "observer"],
        "unit_id": [None, unit.id],
    }


def test_deactivating_ends_the_users_sessions_and_reactivating_lets_them_sign_in(admin, make, session):
    user = make.user()
    old = sessions.start(user, "browser")
    assert load_user(old) is user
    service.update_user(admin, user, name=user.name, email=user.email, role=user.role, active=False)
    assert not user.is_active
    assert load_user(old) is None
    assert session.scalar(select(func.count()).where(UserSession.user_id == user.id)) == 0
    assert audit_actions(session, user) == ["user.update", "user.deactivate"]
    service.update_user(admin, user, name=user.name, email=user.email, role=user.role, active=True)
    assert load_user(sessions.start(user, "browser")) is user
    assert load_user(old) is None  # the old session stays ended
    assert audit_actions(session, user)[-1] == "user.reactivate"


def test_a_role_change_ends_the_users_sessions_and_other_changes_do_not(admin, make, session):
    user = make.user()
    token = sessions.start(user, "browser")
    service.update_user(admin, user, name="Renamed", email=user.email, role=user.role)
    assert load_user(token) is user
    service.update_user(admin, user, name="Renamed", email=user.email, role=Role.MODERATOR)
    assert load_user(token) is None
    assert session.scalar(select(func.count()).where(UserSession.user_id == user.id)) == 0


def test_a_new_password_ends_the_users_sessions(admin, make):
    user = make.user()
    old = sessions.start(user, "browser")
    service.update_user(
        admin, user, name=user.name, email=user.email, role=user.role, password="a brand new password"
    )
    assert user.check_password("a brand new password")
    assert load_user(old) is None


def test_admins_setting_their_own_password_keep_the_session_they_did_it_in(admin, make):
    here, elsewhere = sessions.start(admin, "here"), sessions.start(admin, "elsewhere")
    assert load_user(here) is admin  # the session this request runs in
    service.update_user(
        admin, admin, name=admin.name, email=admin.email, role=admin.role, password="a brand new password"
    )
    assert load_user(elsewhere) is None
    assert load_user(here) is admin


def test_changes_that_need_sudo_mode(admin, make):
    user = make.user()
    same = {"role": user.role, "email": user.email, "active": True, "password": None}
    assert not service.needs_sudo(user, **same)
    assert not service.needs_sudo(user, **{**same, "name": "X", "unit_id": 3, "email": user.email.upper()})
    assert service.needs_sudo(user, **{**same, "role": Role.ADMIN})
    assert service.needs_sudo(user, **{**same, "active": False})
    assert service.needs_sudo(user, **{**same, "email": "other@example.fi"})
    assert service.needs_sudo(user, **{**same, "password": "a brand new password"})
    new = {"role": Role.PARTICIPANT, "email": "x@example.fi", "active": True, "password": None}
    assert not service.needs_sudo(None, **new)
    assert service.needs_sudo(None, **{**new, "role": Role.OBSERVER})
    assert service.needs_sudo(None, **{**new, "password": "p" * 12})


def test_an_admin_cannot_lock_themself_out(admin):
    with pytest.raises(service.AdminError) as error:
        service.update_user(admin, admin, name=admin.name, email=admin.email, role=Role.ADMIN, active=False)
    assert error.value.field == "active"
    with pytest.raises(service.AdminError) as error:
        service.update_user(admin, admin, name=admin.name, email=admin.email, role=Role.MODERATOR)
    assert error.value.field == "role"
    assert admin.is_active and admin.role is Role.ADMIN


def test_list_users_searches_filters_and_paginates(make):
    dept = make.unit("Sivistyspalvelut")
    school = make.unit("Koulu", parent=dept)
    other = make.unit("Tekniset palvelut")
    anna = make.user(name="Anna Aho", email="anna@example.fi", unit=school)
    bertil = make.user(Role.MODERATOR, name="Bertil Berg", email="b.berg@example.fi", unit=dept)
    make.user(name="Cecilia 100% Ek", email="cecilia@example.fi", unit=other)
    assert service.list_users(search="ANNA").items == [anna]
    assert service.list_users(search="berg@").items == [bertil]
    assert [u.name for u in service.list_users(search="100%").items] == ["Cecilia 100% Ek"]
    assert service.list_users(search="%").items == [u for u in service.list_users(search="100%").items]
    assert service.list_users(role=Role.MODERATOR).items == [bertil]
    # A department includes the units below it.
    assert service.list_users(unit_id=dept.id).items == [anna, bertil]
    assert service.list_users(unit_id=school.id).items == [anna]


def test_list_users_gives_50_a_page(make):
    for i in range(101):
        make.user(name=f"Paged {i:03d}", email=f"paged{i}@example.fi")
    first = service.list_users(search="paged")
    assert (first.total, first.pages, len(first.items)) == (101, 3, 50)
    assert first.items[0].name == "Paged 000"
    last = service.list_users(search="paged", page=3)
    assert [u.name for u in last.items] == ["Paged 100"]
    assert service.list_users(search="paged", page=99).page == 3
    assert service.list_users(search="paged", page=-1).page == 1


# --- units ---------------------------------------------------------------------------------


def test_create_and_update_a_unit_with_audit(admin, make, session):
    dept = make.unit("Keskushallinto")
    unit = service.create_unit(
        admin, name={"fi": "Henkilöstöpalvelut", "sv": "Personaltjänster"}, code="HR", parent_id=dept.id
    )
    assert unit.parent is dept and unit.code == "HR"
    service.update_unit(admin, unit, name={"fi": "Henkilöstöpalvelut"}, code="", parent_id=None)
    assert unit.parent is None and unit.code is None and unit.name == {"fi": "Henkilöstöpalvelut"}
    assert audit_actions(session, unit) == ["unit.create", "unit.update"]
    changed = (
        session.scalars(select(AuditLog).where(AuditLog.action == "unit.update")).one().details["changed"]
    )
    assert changed["code"] == ["HR", None] and changed["parent_id"] == [dept.id, None]


def test_unit_codes_are_unique(admin, make):
    make.unit(code="HR")
    with pytest.raises(service.AdminError) as error:
        service.create_unit(admin, name={"fi": "X"}, code="hr")
    assert error.value.field == "code"


def test_a_parent_that_would_create_a_cycle_is_refused(admin, make, session):
    dept = make.unit("Osasto")
    unit = make.unit("Yksikkö", parent=dept)
    team = make.unit("Tiimi", parent=unit)
    for parent in (dept, unit, team):  # itself, its child, its grandchild
        with pytest.raises(service.AdminError) as error:
            service.update_unit(admin, dept, name=dept.name, parent_id=parent.id)
        assert error.value.field == "parent"
    session.refresh(dept)
    assert dept.parent_id is None
    # Moving a team under another branch is fine.
    other = make.unit("Toinen")
    service.update_unit(admin, team, name=team.name, parent_id=other.id)
    assert team.parent is other


def test_an_unknown_parent_is_refused(admin):
    with pytest.raises(service.AdminError) as error:
        service.create_unit(admin, name={"fi": "X"}, parent_id=987654)
    assert error.value.field == "parent"


def test_unit_tree_is_built_from_one_query(make, count_queries):
    dept = make.unit("B osasto")
    make.unit("A osasto")
    unit = make.unit("Yksikkö", parent=dept)
    make.unit("Tiimi", parent=unit)
    with count_queries() as queries:
        tree = service.unit_tree()
    assert len(queries) == 1
    names = [node.unit.name["fi"] for node in tree]
    assert names.index("A osasto") < names.index("B osasto")
    b = next(node for node in tree if node.unit is dept)
    assert [c.unit.name["fi"] for c in b.children] == ["Yksikkö"]
    assert [c.unit.name["fi"] for c in b.children[0].children] == ["Tiimi"]
    assert b.children[0].children[0].depth == 2


def test_unit_choices_show_the_path(make):
    dept = make.unit("Sivistys")
    school = make.unit("Koulu", parent=dept)
    choices = dict(service.unit_choices([dept, school], "none"))
    assert choices[school.id] == "Sivistys › Koulu"
    assert choices[""] == "none"


def test_member_counts_are_grouped(make):
    unit = make.unit()
    make.user(unit=unit)
    make.user(unit=unit)
    make.user()  # without a unit: not counted anywhere
    assert service.member_counts() == {unit.id: 2}
