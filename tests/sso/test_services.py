"""The claim mapping and the person matching, called directly (claims as a verified ID token's)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ideaspace.extensions import db
from ideaspace.models import AuditLog, Role, User
from ideaspace.models.session import UserIdentity
from ideaspace.sso import service
from ideaspace.sso.service import Mapping, Refused

ISSUER = "https://login.example.fi"
MAPPING = Mapping(
    required=("email",),
    unit_claim="department",
    role_claim="groups",
    roles=service.parse_role_map("hr-moderators=moderator, johtoryhma=observer"),
)


def test_parse_role_map():
    assert service.parse_role_map("") == ()
    assert service.parse_role_map(" a=Moderator ,, b=c=observer ") == (
        ("a", Role.MODERATOR),
        ("b=c", Role.OBSERVER),  # a group name may hold "=": the role is after the last one
    )
    for bad in ("nogroup", "=moderator", "x=superuser"):
        with pytest.raises(ValueError, match="OIDC_ROLE_MAP"):
            service.parse_role_map(bad)


def test_a_mistyped_role_map_stops_the_app(tmp_path):
    from ideaspace import create_app

    with pytest.raises(ValueError, match="superuser"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db", "OIDC_ROLE_MAP": "a=superuser"})


def test_mapping_from_config():
    mapping = Mapping.from_config(
        {
            "OIDC_REQUIRED_CLAIMS": "email, department ,",
            "OIDC_ROLE_CLAIM": "groups",
            "OIDC_ROLE_MAP": "x=admin",
        }
    )
    assert mapping.required == ("email", "department") and mapping.maps_admin


def test_roles_without_a_role_claim_are_left_alone(session, make):
    person = make.user(role=Role.MODERATOR, email="kept@example.fi")
    user = service.sign_in_from_claims(
        ISSUER, {"sub": "s-kept", "email": "kept@example.fi", "email_verified": True}, Mapping()
    )
    assert user.id == person.id and user.role is Role.MODERATOR


@pytest.mark.parametrize(
    "claims",
    [
        {"email": "x@example.fi"},  # no sub
        {"sub": "", "email": "x@example.fi"},
        {"sub": "s" * 256, "email": "x@example.fi"},
        {"sub": ["list"], "email": "x@example.fi"},
        {"sub": "s-1"},  # no email (required)
        {"sub": "s-1", "email": ""},
        {"sub": "s-1", "email": ["a@example.fi"]},
    ],
)
def test_bad_claims_are_refused_and_nothing_is_written(session, claims):
    people = db.session.scalar(select(func.count()).select_from(User))
    with pytest.raises(Refused):
        service.sign_in_from_claims(ISSUER, claims, MAPPING)
    assert db.session.scalar(select(func.count()).select_from(User)) == people
    assert db.session.scalar(select(func.count()).select_from(UserIdentity)) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditLog)) == 0


def test_no_email_required_but_a_new_person_needs_one(session):
    with pytest.raises(Refused) as refusal:
        service.sign_in_from_claims(ISSUER, {"sub": "s-2"}, Mapping(required=()))
    assert refusal.value.claim == "email"


def test_name_and_email_are_single_line_text(session):
    user = service.sign_in_from_claims(
        ISSUER,
        {"sub": "s-3", "email": " New@Example.FI ", "name": "Eeva\nEsimies<script>", "email_verified": True},
        MAPPING,
    )
    assert user.email == "new@example.fi"
    assert "\n" not in user.name and user.name.startswith("Eeva")


def test_name_falls_back_to_given_and_family_names_then_the_address(session):
    a = service.sign_in_from_claims(
        ISSUER,
        {"sub": "s-4", "email": "a4@example.fi", "given_name": "Aino", "family_name": "Aalto"},
        MAPPING,
    )
    b = service.sign_in_from_claims(ISSUER, {"sub": "s-5", "email": "b5@example.fi"}, MAPPING)
    assert a.name == "Aino Aalto" and b.name == "b5"


def test_unit_claim_as_a_list_takes_the_first_known_code(session, make):
    unit = make.unit(code="TEK")
    user = service.sign_in_from_claims(
        ISSUER, {"sub": "s-6", "email": "c6@example.fi", "department": ["NOPE", "TEK"]}, MAPPING
    )
    assert user.unit_id == unit.id


def test_the_same_sub_at_another_issuer_is_another_identity(session):
    first = service.sign_in_from_claims(ISSUER, {"sub": "same", "email": "d7@example.fi"}, MAPPING)
    with pytest.raises(Refused) as refusal:  # the address is taken, and not verified
        service.sign_in_from_claims(
            "https://other.example.fi", {"sub": "same", "email": "d7@example.fi"}, MAPPING
        )
    assert refusal.value.reason == "email-unverified"
    assert first.id


def test_fresh_authentication_opens_sudo_mode_only_within_the_window():
    now = 1_800_000_000
    fresh = service.freshly_authenticated
    assert fresh({"auth_time": now - 30}, 600, 60, now=now)
    assert fresh({"auth_time": now + 30}, 600, 60, now=now)  # the provider's clock a bit ahead
    assert not fresh({"auth_time": now - 3600}, 600, 60, now=now)  # the provider's old session
    assert not fresh({"auth_time": now + 600}, 600, 60, now=now)
    assert not fresh({}, 600, 60, now=now) and not fresh({"auth_time": "now"}, 600, 60, now=now)
    assert not fresh({"auth_time": True}, 600, 60, now=now)


def test_settings_from_the_environment(monkeypatch, tmp_path):
    from ideaspace.config import Settings

    defaults = Settings.from_environ(str(tmp_path)).as_flask_config()
    assert defaults["OIDC_ISSUER"] == "" and defaults["OIDC_SCOPES"] == "openid email profile"
    assert defaults["OIDC_LOGOUT"] is True and defaults["OIDC_REQUIRED_CLAIMS"] == "email"
    for name, value in {
        "OIDC_ISSUER": "https://login.example.fi/",
        "OIDC_CLIENT_ID": "id",
        "OIDC_CLIENT_SECRET": "secret",
        "OIDC_SCOPES": "openid email",
        "OIDC_LOGOUT": "0",
        "OIDC_REQUIRED_CLAIMS": "email,department",
        "OIDC_UNIT_CLAIM": "department",
        "OIDC_ROLE_CLAIM": "groups",
        "OIDC_ROLE_MAP": "hr=moderator",
        "OIDC_CLOCK_SKEW": "30",
    }.items():
        monkeypatch.setenv(name, value)
    config = Settings.from_environ(str(tmp_path)).as_flask_config()
    assert config["OIDC_ISSUER"] == "https://login.example.fi/" and config["OIDC_LOGOUT"] is False
    assert config["OIDC_CLOCK_SKEW"] == 30 and config["OIDC_ROLE_MAP"] == "hr=moderator"
