"""Signing in and out; the user loader Flask-Login uses."""

from __future__ import annotations

from ..extensions import db, login_manager
from ..models import User


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Sessions carry "id:nonce"; a changed nonce (password reset, erasure) ends old sessions."""
    raw_id, _, nonce = user_id.partition(":")
    if not raw_id.isdigit():
        return None
    user = db.session.get(User, int(raw_id))
    if user is None or user.session_nonce != nonce or not user.is_active:
        return None
    return user


login_manager.login_view = "auth.login"
login_manager.login_message = None
login_manager.session_protection = "basic"
