"""Signing in and out; the user loader Flask-Login uses."""

from __future__ import annotations

from flask import request, session
from flask_login import login_user

from ..extensions import login_manager
from ..models import User
from . import sessions


@login_manager.user_loader
def load_user(token: str) -> User | None:
    """The cookie carries a session token: its row must exist, be live, and belong to an active
    person. Flask-Login's remember-me cookie (never set here) would come through this check too."""
    return sessions.load(token)


login_manager.login_view = "auth.login"
login_manager.login_message = None
login_manager.session_protection = "basic"


def sign_in(user: User, *, reauthenticated: bool = False) -> None:
    """Sign the person in in this browser, once who they are is established (password, link).

    A new session: nothing of whoever used this browser before carries over, and a new row.
    """
    session.clear()
    sessions.start(user, request.headers.get("User-Agent"), reauthenticated=reauthenticated)
    login_user(user)
