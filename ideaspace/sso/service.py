"""People from an OpenID Connect provider's claims: matched by issuer and `sub`, then by a
verified email, else created; unit and role mapped from claims by configuration (docs/sso.md).

Plain functions: they flush, never commit. Every check runs before the first write, and the
request commits once (web.py), so a refused or failed sign-in leaves no half-made person.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from .. import audit
from ..admin import service as admin_service
from ..extensions import db
from ..models import Role, Unit, User, utcnow
from ..models.session import UserIdentity
from ..sanitize import clean_line

# When several groups map to roles, the one that may do most wins (admin only when mapped).
ROLE_ORDER = (Role.ADMIN, Role.MODERATOR, Role.OBSERVER, Role.PARTICIPANT)
EMAIL_LENGTH = 254
NAME_LENGTH = 200
MISSING = _l(
    "The sign-in service did not give the information this service needs. "
    "Ask your organisation's IT support to release it."
)
UNVERIFIED = _l(
    "An account with your email address exists, but the sign-in service has not confirmed the "
    "address. Ask the service's administrators."
)


class Refused(Exception):
    """The provider's answer does not let this person in; `message` says why, for the page."""

    def __init__(self, reason: str, message, claim: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = message
        self.claim = claim  # the missing claim's name (from the configuration), shown escaped


@dataclass(frozen=True)
class Mapping:
    """How claims become a person's unit and role (the OIDC_* settings, parsed)."""

    required: tuple[str, ...] = ("email",)
    unit_claim: str = ""
    role_claim: str = ""
    roles: tuple[tuple[str, Role], ...] = ()

    @classmethod
    def from_config(cls, config) -> Mapping:
        return cls(
            required=tuple(n.strip() for n in config.get("OIDC_REQUIRED_CLAIMS", "").split(",") if n.strip()),
            unit_claim=config.get("OIDC_UNIT_CLAIM", "").strip(),
            role_claim=config.get("OIDC_ROLE_CLAIM", "").strip(),
            roles=parse_role_map(config.get("OIDC_ROLE_MAP", "")),
        )

    @property
    def maps_admin(self) -> bool:
        return any(role is Role.ADMIN for _, role in self.roles)


def parse_role_map(text: str) -> tuple[tuple[str, Role], ...]:
    """`"hr-moderators=moderator,johtoryhma=observer"` as pairs; ValueError names a bad entry."""
    pairs = []
    for entry in (text or "").split(","):
        if not entry.strip():
            continue
        group, sep, role = entry.rpartition("=")
        if not sep or not group.strip():
            raise ValueError(f"OIDC_ROLE_MAP: {entry.strip()!r} is not group=role")
        try:
            pairs.append((group.strip(), Role(role.strip().lower())))
        except ValueError:
            raise ValueError(f"OIDC_ROLE_MAP: {role.strip()!r} is not a role") from None
    return tuple(pairs)


def _values(claim) -> list[str]:
    """A claim as a list of strings (a provider sends one string or a list of them)."""
    if isinstance(claim, str):
        return [claim]
    if isinstance(claim, list):
        return [value for value in claim if isinstance(value, str)]
    return []


def _present(claim) -> bool:
    return bool(_values(claim)) or isinstance(claim, bool | int | float)


def mapped_role(claims: dict, mapping: Mapping) -> Role | None:
    """The role the claims give, or None when no role claim is configured."""
    if not mapping.role_claim:
        return None
    groups = set(_values(claims.get(mapping.role_claim)))
    granted = {role for group, role in mapping.roles if group in groups}
    return next((role for role in ROLE_ORDER if role in granted), Role.PARTICIPANT)


def mapped_unit(claims: dict, mapping: Mapping) -> Unit | None:
    """The unit whose code the unit claim names (the first that exists), or None."""
    if not mapping.unit_claim:
        return None
    codes = [code.strip() for code in _values(claims.get(mapping.unit_claim)) if code.strip()][:20]
    if not codes:
        return None
    units = {unit.code: unit for unit in db.session.scalars(select(Unit).where(Unit.code.in_(codes)))}
    return next((units[code] for code in codes if code in units), None)


def freshly_authenticated(claims: dict, window_seconds: float, skew: int, now: float | None = None) -> bool:
    """Whether the person proved who they are at the provider within the sudo window (its
    `auth_time`), not merely came back through the provider's own long-lived session."""
    auth_time = claims.get("auth_time")
    if isinstance(auth_time, bool) or not isinstance(auth_time, int | float):
        return False
    now = time.time() if now is None else now
    return now - window_seconds - skew <= auth_time <= now + skew


def _email(claims: dict) -> str:
    email = claims.get("email")
    if not isinstance(email, str):
        return ""
    email = clean_line(email).strip().lower()
    return email if 3 <= len(email) <= EMAIL_LENGTH and "@" in email else ""


def _name(claims: dict, email: str) -> str:
    for key in ("name", "preferred_username"):
        if isinstance(claims.get(key), str) and clean_line(claims[key]).strip():
            return clean_line(claims[key]).strip()[:NAME_LENGTH]
    parts = [claims.get(k) for k in ("given_name", "family_name")]
    joined = " ".join(clean_line(p).strip() for p in parts if isinstance(p, str)).strip()
    return (joined or email.split("@")[0])[:NAME_LENGTH]


def _check(claims: dict, mapping: Mapping) -> tuple[str, str]:
    """The issuer's `sub` and the usable email, or Refused for a missing claim."""
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > 255:
        raise Refused("sub", _l("The sign-in service did not say who you are."))
    for name in mapping.required:
        if not _present(claims.get(name)):
            raise Refused(f"missing:{name}", MISSING, claim=name)
    return subject, _email(claims)


def sign_in_from_claims(issuer: str, claims: dict, mapping: Mapping) -> User:
    """The person these verified ID-token claims belong to, linked, created or updated.

    Raises Refused before writing anything when the claims do not let them in.
    """
    subject, email = _check(claims, mapping)
    issuer = issuer[:255]
    identity = db.session.scalar(
        select(UserIdentity).where(UserIdentity.issuer == issuer, UserIdentity.subject == subject)
    )
    user = identity.user if identity is not None else None
    matched_by = "sub" if user is not None else None
    if user is None and email and claims.get("email_verified") is True:
        user = db.session.scalar(select(User).where(func.lower(User.email) == email))
        matched_by = "email" if user is not None else None
    if user is not None and not user.is_active:
        raise Refused("inactive", _l("Your account here is not in use. Ask the service's administrators."))
    if user is None:
        if not email:
            raise Refused("missing:email", MISSING, claim="email")
        if db.session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
            # Someone else has the address, and the provider did not vouch for it.
            raise Refused("email-unverified", UNVERIFIED)
    unit = mapped_unit(claims, mapping)
    role = mapped_role(claims, mapping)

    # Everything is checked: write.
    now = utcnow()
    if user is None:
        user = User(
            email=email,
            name=_name(claims, email),
            role=role or Role.PARTICIPANT,  # admin only where OIDC_ROLE_MAP names it
            unit=unit,
        )
        db.session.add(user)
        db.session.flush()
        audit.record(None, "sso.create", user, issuer=issuer, role=user.role.value, unit_id=user.unit_id)
    else:
        _apply(user, role, unit, mapping, issuer)
    if identity is None:
        db.session.add(UserIdentity(user=user, issuer=issuer, subject=subject, last_login_at=now))
        audit.record(None, "sso.link", user, issuer=issuer, matched_by=matched_by or "new")
    else:
        identity.last_login_at = now
    user.last_login_at = now
    db.session.flush()
    return user


def _apply(user: User, role: Role | None, unit: Unit | None, mapping: Mapping, issuer: str) -> None:
    """Update an existing person's unit and role from the claims (what is configured only)."""
    if unit is not None and user.unit_id != unit.id:
        audit.record(None, "sso.unit", user, issuer=issuer, changed=[user.unit_id, unit.id])
        user.unit = unit
    if role is None or role is user.role:
        return
    if user.role is Role.ADMIN and not mapping.maps_admin:
        return  # admins are made here, not by the provider, unless the mapping names admin
    before = user.role
    user.role = role
    # What they may do changed: every other session ends, as when an admin changes a role.
    admin_service.end_sessions(user)
    audit.record(None, "sso.role", user, issuer=issuer, changed=[before.value, role.value])
