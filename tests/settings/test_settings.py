"""The instance settings store: registry, validation, audit, the admin page (sudo only), and
sudo mode itself (/sudo, carrying a refused form on)."""

import pytest
from sqlalchemy import select

from ideaspace.auth import sessions
from ideaspace.models import AuditLog, InstanceSetting, Role, User
from ideaspace.settings import service

from ..conftest import sign_in
from ..factories import PASSWORD

ROLES = ["anonymous", "participant", "observer", "moderator", "admin"]


def actions(session) -> list[str]:
    return list(session.scalars(select(AuditLog.action).order_by(AuditLog.id)))


# --- the service ------------------------------------------------------------------------


def test_registry_defaults_validation_and_audit(make, session):
    admin = make.user(Role.ADMIN)
    assert service.get("brand_colour") is None and service.get("password_sign_in") is True
    assert service.get("brand_colour", "#000000") == "#000000"
    with pytest.raises(KeyError):
        service.get("no_such_key")
    with pytest.raises(service.SettingError):
        service.put(admin, "no_such_key", 1)
    for bad in ["red", "#12345", "#ggg", "", None, "#1a5e9c<script>", 123]:
        with pytest.raises(service.SettingError):
            service.put(admin, "brand_colour", bad)
    assert session.scalar(select(InstanceSetting)) is None and actions(session) == []
    service.put(admin, "brand_colour", " #1A5E9C ")
    service.put(admin, "brand_colour", "abc")
    assert service.get("brand_colour") == "#aabbcc"
    service.put(admin, "password_sign_in", "off")
    assert service.get("password_sign_in") is False
    entries = session.scalars(select(AuditLog).where(AuditLog.action == "setting.change")).all()
    assert [e.details["after"] for e in entries] == ["#1a5e9c", "#aabbcc", False]
    assert entries[1].details["before"] == "#1a5e9c" and entries[0].actor_id == admin.id
    service.clear(admin, "brand_colour")
    assert service.get("brand_colour") is None and actions(session)[-1] == "setting.clear"


def test_files_are_checked_and_read_apart(make, session):
    admin = make.user(Role.ADMIN)
    service.register(
        service.Setting(
            "test_logo",
            service.FILE,
            "Logo",
            service.file_metadata,
            content_types=frozenset({"image/png"}),
            max_bytes=10,
        )
    )
    try:
        assert service.get_blob("test_logo") is None
        for blob, kind in [(b"", "image/png"), (b"x" * 11, "image/png"), (b"GIF89a", "image/gif")]:
            with pytest.raises(service.SettingError):
                service.put(admin, "test_logo", blob=blob, content_type=kind)
        service.put(
            admin, "test_logo", {"filename": "logo\u202e.png"}, blob=b"\x89PNG", content_type="image/png"
        )
        assert service.get_blob("test_logo") == (b"\x89PNG", "image/png")
        entry = session.scalars(select(AuditLog).where(AuditLog.action == "setting.change")).one()
        assert entry.details["after"]["bytes"] == 4 and entry.details["after"]["filename"] == "logo.png"
    finally:
        service.SETTINGS.pop("test_logo")


def test_reads_are_cached_for_the_request(make, session, count_queries):
    make.user(Role.ADMIN)
    service.get("brand_colour")
    with count_queries() as statements:
        for _ in range(20):
            service.get("brand_colour"), service.get("password_sign_in")
    assert statements == []


# --- the page ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_settings_page_for_every_role(client, make, session, role):
    if role != "anonymous":
        sign_in(client, make.user(Role(role)))
    response = client.get("/admin/settings")
    post = client.post("/admin/settings/brand_colour", data={"brand_colour-value": "#123456"})
    if role == "anonymous":
        assert response.status_code == 302 and response.location.startswith("/login")
        assert post.status_code == 302
    elif role == "admin":  # not in sudo mode: confirm the password first
        assert response.status_code == 302 and response.location.startswith("/sudo?next=/admin/settings")
        assert post.status_code == 403 and "Confirm it is you" in post.text
        assert "#123456" in post.text  # what was sent is carried on
    else:
        assert response.status_code == 403 and post.status_code == 403
    assert service.get("brand_colour") is None


def test_admin_in_sudo_mode_changes_and_resets_a_setting(client, make, session):
    admin = make.user(Role.ADMIN)
    sign_in(client, admin, sudo=True)
    html = client.get("/admin/settings").text
    assert "Brand colour" in html and "Sign-in with email and password" in html
    response = client.post("/admin/settings/brand_colour", data={"brand_colour-value": "#1A5E9C"})
    assert response.status_code == 302
    assert service.get("brand_colour") == "#1a5e9c"
    assert client.post("/admin/settings/password_sign_in", data={}).status_code == 302
    assert service.get("password_sign_in") is False
    assert "<code>#1a5e9c</code>" in client.get("/admin/settings").text
    assert client.post("/admin/settings/brand_colour/reset").status_code == 302
    assert service.get("brand_colour") is None
    assert actions(session) == ["setting.change", "setting.change", "setting.clear"]
    assert client.post("/admin/settings/nonsense", data={}).status_code == 404
    assert client.get("/admin/settings/brand_colour").status_code == 302


@pytest.mark.parametrize("value", ["", "blue", "#12", "x" * 201, "#1a5e9c\u0000"])
def test_bad_input_gives_422_and_saves_nothing(client, make, session, value):
    sign_in(client, make.user(Role.ADMIN), sudo=True)
    response = client.post("/admin/settings/brand_colour", data={"brand_colour-value": value})
    assert response.status_code in (400, 422)
    if response.status_code == 422:
        assert 'class="error-summary"' in response.text
    session.expire_all()
    assert session.scalar(select(InstanceSetting)) is None
    assert not session.scalar(select(AuditLog).where(AuditLog.action == "setting.change"))


def test_settings_need_csrf(client, make, session):
    sign_in(client, make.user(Role.ADMIN), sudo=True)
    client.csrf = False
    assert (
        client.post("/admin/settings/brand_colour", data={"brand_colour-value": "#123456"}).status_code == 400
    )
    assert service.get("brand_colour") is None


# --- sudo mode --------------------------------------------------------------------------


def test_sudo_window_expires(app, make, session, monkeypatch):
    admin = make.user(Role.ADMIN)
    sessions.start(admin, "x")
    row = admin.current_session
    assert not sessions.in_sudo_mode(row)
    sessions.mark_reauthenticated(row)
    assert sessions.in_sudo_mode(row)
    monkeypatch.setitem(app.config, "SUDO_MINUTES", 0)
    assert not sessions.in_sudo_mode(row)


@pytest.mark.parametrize("role", ROLES)
def test_sudo_page_for_every_role(client, make, session, role):
    if role != "anonymous":
        sign_in(client, make.user(Role(role)))
    response = client.get("/sudo?next=/admin/settings")
    if role == "anonymous":
        assert response.status_code == 302 and response.location.startswith("/login")
    else:
        assert response.status_code == 200 and 'autocomplete="current-password"' in response.text


def test_confirming_the_password_returns_and_failures_are_audited(client, make, session):
    admin = make.user(Role.ADMIN)
    sign_in(client, admin)
    session.commit()
    wrong = client.post("/sudo", data={"password": "wrong", "next": "/admin/settings"})
    assert wrong.status_code == 422 and "The password is not correct." in wrong.text
    assert actions(session) == ["sudo.failed"]
    assert client.post("/sudo", data={"password": "", "next": "/admin/settings"}).status_code == 422
    ok = client.post("/sudo", data={"password": PASSWORD, "next": "//evil.example/admin"})
    assert ok.status_code == 302 and ok.location == "/"  # never off-site
    ok = client.post("/sudo", data={"password": PASSWORD, "next": "/admin/settings"})
    assert ok.status_code == 302 and ok.location == "/admin/settings"
    assert client.get("/admin/settings").status_code == 200
    assert actions(session)[-1] == "sudo.confirm"


def test_a_role_change_without_sudo_is_carried_through_the_confirmation(client, make, session):
    admin, target = make.user(Role.ADMIN), make.user(email="target@example.fi", name="Target")
    sign_in(client, admin)
    session.commit()
    form = {
        "name": "Target",
        "email": "target@example.fi",
        "role": "admin",
        "unit": "",
        "locale": "",
        "active": "y",
    }
    refused = client.post(f"/admin/users/{target.id}", data=form)
    assert refused.status_code == 403 and "Confirm it is you" in refused.text
    session.expire_all()
    assert session.get(User, target.id).role is Role.PARTICIPANT
    carried = refused.text.split('name="carried" type="hidden" value="')[1].split('"')[0]
    confirmed = client.post(
        "/sudo",
        data={
            "password": PASSWORD,
            "next": f"/admin/users/{target.id}",
            "carried": carried.replace("&#34;", '"'),
        },
    )
    assert confirmed.status_code == 200 and 'name="role" value="admin"' in confirmed.text
    assert client.post(f"/admin/users/{target.id}", data=form).status_code == 302
    session.expire_all()
    assert session.get(User, target.id).role is Role.ADMIN
