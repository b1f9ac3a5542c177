"""Single sign-on against a real OpenID Connect provider (oidc-provider-mock on a loopback port):
Authlib is not mocked; only the clock it checks the ID token against is moved."""

from __future__ import annotations

import base64
import hashlib
import time
from urllib.parse import parse_qs, urlsplit

import joserfc._rfc7519.claims as jwt_claims
import pytest
from flask import url_for
from sqlalchemy import func, select

from ideaspace.auth import sessions
from ideaspace.extensions import db
from ideaspace.models import AuditLog, Role, User, UserSession
from ideaspace.models.session import UserIdentity

_n = iter(range(10**6))


def _sub() -> str:
    return f"sub-{time.time_ns()}-{next(_n)}"


def _claims(email: str, **extra) -> dict:
    return {"email": email, "email_verified": True, "name": "Sanna Esimies", **extra}


def _start(client) -> str:
    response = client.get("/login/sso")
    assert response.status_code == 302
    return response.headers["Location"]


def _round_trip(client, provider, sub: str, claims: dict) -> str:
    """Start at our /login/sso, sign in at the provider; the callback path to send us."""
    provider.set_user(sub, claims)
    return provider.approve(_start(client), sub)


def _people() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def _failures() -> list[dict]:
    rows = db.session.scalars(select(AuditLog).where(AuditLog.action == "sso.failed"))
    return [{"reason": row.reason, **row.details} for row in rows]


class _Clock:
    """time.time() moved by `offset` seconds, for joserfc's claims registry only."""

    def __init__(self, offset: float):
        self.offset = offset

    def time(self) -> float:
        return time.time() + self.offset


# --- a successful sign-in --------------------------------------------------------------------


def test_new_person_created_with_unit_and_role_from_claims(client, make, sso):
    unit = make.unit(code=f"HR-{next(_n)}")
    sub = _sub()
    callback = _round_trip(
        client, sso, sub, _claims(f"{sub}@example.fi", department=unit.code, groups=["hr-moderators"])
    )
    response = client.get(callback)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(url_for("workspaces.index", _external=False))
    user = db.session.scalar(select(User).where(User.email == f"{sub}@example.fi"))
    assert user is not None and user.name == "Sanna Esimies"
    assert user.role is Role.MODERATOR and user.unit_id == unit.id
    identity = db.session.scalar(select(UserIdentity).where(UserIdentity.subject == sub))
    assert identity.user_id == user.id and identity.issuer == sso.issuer
    # Signed in, the ID token kept in the session row (not the cookie), sudo mode open.
    row = db.session.scalar(select(UserSession).where(UserSession.user_id == user.id))
    assert row.id_token and row.id_token.count(".") == 2
    assert sessions.in_sudo_mode(row)
    assert client.get(url_for("workspaces.index")).status_code == 200
    with client.session_transaction() as cookie:
        assert not any(row.id_token in str(value) for value in cookie.values())


def test_existing_person_matched_by_sub_then_by_verified_email(client, make, sso):
    person = make.user(email=f"match-{next(_n)}@example.fi")
    sub = _sub()
    before = _people()
    assert client.get(_round_trip(client, sso, sub, _claims(person.email))).status_code == 302
    assert _people() == before
    identity = db.session.scalar(select(UserIdentity).where(UserIdentity.subject == sub))
    assert identity.user_id == person.id
    # The email changes at the provider: the same person, found by issuer + sub.
    client.post("/logout")
    assert client.get(_round_trip(client, sso, sub, _claims("renamed@elsewhere.fi"))).status_code == 302
    assert _people() == before
    assert db.session.scalar(select(UserSession.user_id).where(UserSession.user_id == person.id))


def test_unverified_email_of_an_existing_person_is_refused(client, make, sso):
    person = make.user(email=f"taken-{next(_n)}@example.fi")
    before = _people()
    response = client.get(_round_trip(client, sso, _sub(), _claims(person.email, email_verified=False)))
    assert response.status_code == 403
    assert "has not confirmed the address" in response.get_data(as_text=True)
    assert _people() == before
    assert (
        db.session.scalar(
            select(func.count()).select_from(UserIdentity).where(UserIdentity.user_id == person.id)
        )
        == 0
    )


def test_next_is_kept_through_the_provider(client, make, sso):
    sub = _sub()
    sso.set_user(sub, _claims(f"{sub}@example.fi"))
    response = client.get("/login/sso?next=/account")
    callback = sso.approve(response.headers["Location"], sub)
    assert client.get(callback).headers["Location"].endswith("/account")


# --- the mapping of claims to units and roles -----------------------------------------------


@pytest.mark.parametrize(
    ("groups", "role"),
    [
        (["johtoryhma"], Role.OBSERVER),
        (["johtoryhma", "hr-moderators"], Role.MODERATOR),  # the one that may do most
        (["somebody-else"], Role.PARTICIPANT),
        ("hr-moderators", Role.MODERATOR),  # one string, not a list
        (["admins"], Role.PARTICIPANT),  # admin is never granted unless the map names it
    ],
)
def test_groups_map_to_roles(client, sso, groups, role):
    sub = _sub()
    assert (
        client.get(_round_trip(client, sso, sub, _claims(f"{sub}@example.fi", groups=groups))).status_code
        == 302
    )
    assert db.session.scalar(select(User.role).where(User.email == f"{sub}@example.fi")) is role


def test_admin_only_when_mapped(client, sso, app, monkeypatch):
    monkeypatch.setitem(app.config, "OIDC_ROLE_MAP", "admins=admin,hr-moderators=moderator")
    sub = _sub()
    client.get(_round_trip(client, sso, sub, _claims(f"{sub}@example.fi", groups=["admins"])))
    assert db.session.scalar(select(User.role).where(User.email == f"{sub}@example.fi")) is Role.ADMIN


def test_role_change_from_claims_ends_other_sessions_and_is_audited(client, make, sso, app):
    person = make.user(role=Role.MODERATOR, email=f"demoted-{next(_n)}@example.fi")
    other = sessions.start(person, "another browser")
    db.session.commit()
    unit = make.unit(code=f"U-{next(_n)}")
    client.get(
        _round_trip(client, sso, _sub(), _claims(person.email, groups=["johtoryhma"], department=unit.code))
    )
    db.session.refresh(person)
    assert person.role is Role.OBSERVER and person.unit_id == unit.id
    assert sessions.load(other) is None  # the other browser signs in again under the new role
    actions = set(db.session.scalars(select(AuditLog.action).where(AuditLog.object_id == person.id)))
    assert {"sso.role", "sso.unit", "sso.link"} <= actions


def test_an_admin_is_not_demoted_by_claims_unless_admin_is_mapped(client, make, sso):
    admin = make.user(role=Role.ADMIN, email=f"admin-{next(_n)}@example.fi")
    client.get(_round_trip(client, sso, _sub(), _claims(admin.email, groups=["johtoryhma"])))
    db.session.refresh(admin)
    assert admin.role is Role.ADMIN


def test_unknown_unit_code_leaves_the_unit_alone(client, make, sso):
    unit = make.unit(code=f"KEEP-{next(_n)}")
    person = make.user(unit=unit, email=f"unit-{next(_n)}@example.fi")
    client.get(_round_trip(client, sso, _sub(), _claims(person.email, department="NO-SUCH-UNIT")))
    db.session.refresh(person)
    assert person.unit_id == unit.id


# --- refusals and errors: a clear page, nobody half-made --------------------------------------


def test_a_person_without_the_required_claim_is_refused(client, sso):
    before = _people()
    sub = _sub()
    response = client.get(_round_trip(client, sso, sub, {"name": "No Email"}))
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "did not give the information this service needs" in page and "email" in page
    assert _people() == before
    assert db.session.scalar(select(UserIdentity).where(UserIdentity.subject == sub)) is None
    assert {"reason": "refused", "why": "missing:email"} in _failures()


def test_a_configured_required_claim(client, sso, app, monkeypatch):
    monkeypatch.setitem(app.config, "OIDC_REQUIRED_CLAIMS", "email, department")
    sub = _sub()
    response = client.get(_round_trip(client, sso, sub, _claims(f"{sub}@example.fi")))
    assert response.status_code == 403 and "department" in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email == f"{sub}@example.fi")) is None


def test_an_inactive_person_is_refused(client, make, sso):
    person = make.user(email=f"gone-{next(_n)}@example.fi", is_active_account=False)
    response = client.get(_round_trip(client, sso, _sub(), _claims(person.email)))
    assert response.status_code == 403 and "not in use" in response.get_data(as_text=True)


def test_wrong_state(client, sso):
    sub = _sub()
    callback = _round_trip(client, sso, sub, _claims(f"{sub}@example.fi"))
    path, query = callback.split("?", 1)
    params = parse_qs(query)
    response = client.get(path, query_string={"code": params["code"][0], "state": "forged"})
    assert response.status_code == 400
    assert "expired or was already used" in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email == f"{sub}@example.fi")) is None


def test_wrong_nonce(client, sso):
    sub = _sub()
    callback = _round_trip(client, sso, sub, _claims(f"{sub}@example.fi"))
    with client.session_transaction() as cookie:
        for key, value in cookie.items():
            if key.startswith("_state_"):
                value["data"]["nonce"] = "tampered"
                cookie[key] = value
    response = client.get(callback)
    assert response.status_code == 400
    assert "could not be verified" in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email == f"{sub}@example.fi")) is None
    assert {"reason": "id_token", "error": "InvalidClaimError", "claim": "nonce"} in _failures()


def test_reused_code(client, sso):
    sub = _sub()
    callback = _round_trip(client, sso, sub, _claims(f"{sub}@example.fi"))
    assert client.get(callback).status_code == 302
    client.post("/logout")
    # A new sign-in starts (a fresh state for this browser), and the old code comes back with it.
    fresh_state = parse_qs(urlsplit(_start(client)).query)["state"][0]
    path, query = callback.split("?", 1)
    response = client.get(path, query_string={"code": parse_qs(query)["code"][0], "state": fresh_state})
    assert response.status_code == 400
    assert "did not accept this sign-in" in response.get_data(as_text=True)
    assert {"reason": "provider", "error": "invalid_grant"} in _failures()


def test_a_replayed_callback_is_refused(client, sso):
    sub = _sub()
    callback = _round_trip(client, sso, sub, _claims(f"{sub}@example.fi"))
    assert client.get(callback).status_code == 302
    client.post("/logout")
    assert client.get(callback).status_code == 400  # its state was used up


def test_expired_id_token(client, sso, monkeypatch):
    sub = _sub()
    callback = _round_trip(client, sso, sub, _claims(f"{sub}@example.fi"))
    # Two hours on: the provider's ID token (valid one hour) has expired.
    monkeypatch.setattr(jwt_claims, "time", _Clock(2 * 3600))
    response = client.get(callback)
    assert response.status_code == 400
    assert db.session.scalar(select(User).where(User.email == f"{sub}@example.fi")) is None
    assert {"reason": "id_token", "error": "ExpiredTokenError", "claim": "exp"} in _failures()


def test_clock_skew_beyond_the_allowance(client, sso, monkeypatch):
    sub = _sub()
    callback = _round_trip(client, sso, sub, _claims(f"{sub}@example.fi"))
    # Our clock five minutes behind the provider's: its token seems issued in the future.
    monkeypatch.setattr(jwt_claims, "time", _Clock(-300))
    response = client.get(callback)
    assert response.status_code == 400
    assert db.session.scalar(select(User).where(User.email == f"{sub}@example.fi")) is None
    assert {"reason": "id_token", "error": "InvalidClaimError", "claim": "iat"} in _failures()


def test_clock_skew_within_the_allowance(client, sso, monkeypatch):
    sub = _sub()
    callback = _round_trip(client, sso, sub, _claims(f"{sub}@example.fi"))
    monkeypatch.setattr(jwt_claims, "time", _Clock(-30))  # within OIDC_CLOCK_SKEW (60 s)
    assert client.get(callback).status_code == 302
    assert db.session.scalar(select(User).where(User.email == f"{sub}@example.fi")) is not None


def test_wrong_audience(client, sso, app, monkeypatch):
    sub = _sub()
    callback = _round_trip(client, sso, sub, _claims(f"{sub}@example.fi"))
    # The provider issues the token to whatever client asks; we expect it for ours only.
    monkeypatch.setitem(app.config, "OIDC_CLIENT_ID", "another-client")
    response = client.get(callback)
    assert response.status_code in (400, 502)
    assert db.session.scalar(select(User).where(User.email == f"{sub}@example.fi")) is None


def test_provider_cancel(client, sso):
    authorize = _start(client)
    import requests

    response = requests.post(authorize, data={"action": "deny"}, allow_redirects=False, timeout=5)
    parts = urlsplit(response.headers["Location"])
    page = client.get(f"{parts.path}?{parts.query}")
    assert page.status_code == 400 and "did not accept" in page.get_data(as_text=True)


def test_provider_down(client, sso, app, monkeypatch):
    monkeypatch.setitem(app.config, "OIDC_ISSUER", "http://127.0.0.1:9")  # nothing listens
    before = _people()
    response = client.get("/login/sso")
    assert response.status_code == 502
    assert "cannot be reached" in response.get_data(as_text=True)
    assert _people() == before


def test_provider_down_at_the_callback(client, sso, provider, monkeypatch):
    sub = _sub()
    callback = _round_trip(client, sso, sub, _claims(f"{sub}@example.fi"))
    import requests

    def refuse(*_args, **_kwargs):
        raise requests.ConnectionError("connection refused")

    # The network, not Authlib, fails: the token request meets a refused connection.
    monkeypatch.setattr(requests.Session, "send", refuse)
    response = client.get(callback)
    assert response.status_code == 502
    assert db.session.scalar(select(User).where(User.email == f"{sub}@example.fi")) is None


def test_malformed_callback(client, sso):
    _start(client)
    for query in ("", "?code=", "?state=", "?error=", "?code=x&state=y&state=z"):
        assert client.get("/login/sso/callback" + query).status_code == 400


# --- PKCE: what our client sends -------------------------------------------------------------


def test_client_sends_pkce_s256_and_the_verifier(client, sso):
    sub = _sub()
    authorize = _start(client)
    params = {k: v[0] for k, v in parse_qs(urlsplit(authorize).query).items()}
    assert params["code_challenge_method"] == "S256"
    assert params["nonce"] and params["state"] and "openid" in params["scope"].split()
    sso.set_user(sub, _claims(f"{sub}@example.fi"))
    callback = sso.approve(authorize, sub)
    assert client.get(callback).status_code == 302
    code = parse_qs(callback.split("?", 1)[1])["code"][0]
    ((_query, form),) = [(q, f) for q, f in sso.recorder.sent_to("/oauth2/token") if f.get("code") == code]
    digest = hashlib.sha256(form["code_verifier"].encode()).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == params["code_challenge"]


# --- RP-initiated logout ---------------------------------------------------------------------


def test_logout_goes_to_the_providers_end_session_endpoint(client, sso):
    sub = _sub()
    client.get(_round_trip(client, sso, sub, _claims(f"{sub}@example.fi")))
    user = db.session.scalar(select(User).where(User.email == f"{sub}@example.fi"))
    id_token = db.session.scalar(select(UserSession.id_token).where(UserSession.user_id == user.id))
    response = client.post("/logout")
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    assert f"{target.scheme}://{target.netloc}" == sso.issuer and target.path == "/oauth2/end_session"
    params = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert params["id_token_hint"] == id_token
    assert params["post_logout_redirect_uri"] == "http://localhost/login"
    assert db.session.scalar(select(UserSession).where(UserSession.user_id == user.id)) is None


def test_logout_stays_local_when_turned_off_or_signed_in_with_a_password(
    client, make, sso, app, login, monkeypatch
):
    sub = _sub()
    client.get(_round_trip(client, sso, sub, _claims(f"{sub}@example.fi")))
    monkeypatch.setitem(app.config, "OIDC_LOGOUT", False)
    assert client.post("/logout").headers["Location"].endswith("/login")
    monkeypatch.setitem(app.config, "OIDC_LOGOUT", True)
    login(make.user())  # a session of its own, with no ID token
    assert client.post("/logout").headers["Location"].endswith("/login")


# --- the login page and the routes for every role ---------------------------------------------


def test_login_page_offers_the_organisation(client, sso, make, monkeypatch):
    from ideaspace.settings import service as settings

    monkeypatch.setattr(
        settings, "get", lambda key, default=None: "Kokkolan kaupunki" if key == "organisation_name" else True
    )
    page = client.get("/login").get_data(as_text=True)
    assert "Sign in with Kokkolan kaupunki" in page and "/login/sso" in page


def test_login_page_when_password_sign_in_is_off(client, sso, monkeypatch):
    from ideaspace.settings import service as settings

    monkeypatch.setattr(
        settings, "get", lambda key, default=None: False if key == "password_sign_in" else None
    )
    page = client.get("/login").get_data(as_text=True)
    assert "/login/sso" in page and "Sign in with your organisation" in page


def test_without_an_issuer_sso_is_off_and_invisible(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "OIDC_ISSUER", "")
    assert "/login/sso" not in client.get("/login").get_data(as_text=True)
    assert client.get("/login/sso").status_code == 404
    assert client.get("/login/sso/callback?code=a&state=b").status_code == 404


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.OBSERVER, Role.MODERATOR, Role.ADMIN])
def test_signed_in_people_are_sent_on(client, make, login, sso, role):
    login(make.user(role=role))
    response = client.get("/login/sso?next=/account")
    assert response.status_code == 302 and response.headers["Location"].endswith("/account")
    # The callback is the provider's answer to a browser that started here: none is pending.
    assert client.get("/login/sso/callback?code=a&state=b").status_code == 400


@pytest.mark.parametrize(
    "query",
    [
        {"code": "x" * 5000, "state": "y" * 5000},
        {"code": "é\u202e", "state": "<script>"},
        {"error": "access_denied", "error_description": "<script>alert(1)</script>"},
        {"state": "a\x00b"},
        {"next": "https://evil.example/"},
    ],
)
def test_hostile_callbacks_get_a_clear_4xx(client, sso, query):
    _start(client)
    response = client.get("/login/sso/callback", query_string=query)
    assert 400 <= response.status_code < 500
    assert "<script>alert" not in response.get_data(as_text=True)


def test_start_does_not_follow_a_foreign_next(client, sso):
    sub = _sub()
    sso.set_user(sub, _claims(f"{sub}@example.fi"))
    response = client.get("/login/sso?next=https://evil.example/")
    callback = sso.approve(response.headers["Location"], sub)
    assert "evil.example" not in client.get(callback).headers["Location"]


def test_a_person_without_a_password_confirms_sudo_mode_at_the_provider(client, make, login, sso):
    admin = make.user(role=Role.ADMIN, email=f"sso-admin-{next(_n)}@example.fi", password_hash=None)
    sub = _sub()
    client.get(_round_trip(client, sso, sub, _claims(admin.email)))
    row = db.session.scalar(select(UserSession).where(UserSession.user_id == admin.id))
    row.sudo_at = None  # the sudo window has passed
    db.session.commit()
    page = client.get(url_for("auth.sudo", next="/admin/users", _external=False))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "confirm=1" in html and 'name="password"' not in html
    start = client.get("/login/sso?confirm=1&next=/admin/users")
    params = parse_qs(urlsplit(start.headers["Location"]).query)
    assert params["prompt"] == ["login"] and params["max_age"] == ["0"]
    callback = sso.approve(start.headers["Location"], sub)
    response = client.get(callback)
    assert response.headers["Location"].endswith("/admin/users")
    rows = db.session.scalars(select(UserSession).where(UserSession.user_id == admin.id)).all()
    assert len(rows) == 1 and sessions.in_sudo_mode(rows[0])


def test_without_sso_a_person_without_a_password_cannot_confirm(client, make, login, app, monkeypatch):
    monkeypatch.setitem(app.config, "OIDC_ISSUER", "")
    login(make.user(role=Role.ADMIN, password_hash=None))
    assert client.get(url_for("auth.sudo", _external=False)).status_code == 403
