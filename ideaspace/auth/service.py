"""Sign-in operations."""

from __future__ import annotations

from sqlalchemy import func, select

from ..extensions import db
from ..models import User, utcnow

# Checked against when the email is unknown, so both paths take the same time.
_DUMMY = User(password_hash="scrypt:32768:8:1$0000000000000000$" + "0" * 128)


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        _DUMMY.check_password(password)
        return None
    if not user.check_password(password) or not user.is_active:
        return None
    user.last_login_at = utcnow()
    return user


def set_language(user: User | None, language: str) -> None:
    if user is not None:
        user.locale = language
