"""Personal sign-in links: random, stored only as a SHA-256 hash, single-use, expiring, bound to
one person and one workspace."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from ..extensions import db
from ..models import SigninToken, User, Workspace, utcnow

# What token_urlsafe(32) produces (43 characters); anything else is unknown without a query.
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{32,64}$")

VALID, UNKNOWN, USED, EXPIRED, INACTIVE = "valid", "unknown", "used", "expired", "inactive"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("ascii")).hexdigest()


def issue_token(
    user: User,
    workspace: Workspace | None,
    now: datetime | None = None,
    *,
    lifetime: timedelta | None = None,
) -> tuple[str, SigninToken]:
    """A new link for the user; returns the raw token (for the email only) and the stored row.

    It lives SIGNIN_LINK_HOURS (an invitation's), or `lifetime` (a link asked for just now)."""
    now = now or utcnow()
    lifetime = lifetime or timedelta(hours=current_app.config["SIGNIN_LINK_HOURS"])
    raw = secrets.token_urlsafe(32)
    token = SigninToken(
        token_hash=hash_token(raw),
        user_id=user.id,
        workspace_id=workspace.id if workspace is not None else None,
        created_at=now,
        expires_at=now + lifetime,
    )
    db.session.add(token)
    return raw, token


def find_token(raw: str, now: datetime | None = None) -> tuple[str, SigninToken | None, User | None]:
    """Say whether the link would work, without using it up (mail scanners fetch links too)."""
    if not TOKEN_RE.match(raw or ""):
        return UNKNOWN, None, None
    row = db.session.execute(
        select(SigninToken, User)
        .join(User, User.id == SigninToken.user_id)
        .where(SigninToken.token_hash == hash_token(raw))
    ).first()
    if row is None:
        return UNKNOWN, None, None
    token, user = row
    if token.used_at is not None:
        return USED, token, user
    if token.expires_at <= (now or utcnow()):
        return EXPIRED, token, user
    if not user.is_active:
        return INACTIVE, token, user
    return VALID, token, user


def redeem_token(raw: str, now: datetime | None = None) -> tuple[str, SigninToken | None, User | None]:
    """Use the link up and return its person; a conditional UPDATE makes it single-use also when
    two requests race."""
    now = now or utcnow()
    status, token, user = find_token(raw, now)
    if status != VALID:
        return status, token, user
    result = db.session.execute(
        update(SigninToken)
        .where(SigninToken.id == token.id, SigninToken.used_at.is_(None), SigninToken.expires_at > now)
        .values(used_at=now),
        execution_options={"synchronize_session": False},
    )
    if result.rowcount != 1:
        return USED, token, user
    db.session.expire(token, ["used_at"])
    user.last_login_at = now
    return VALID, token, user
