"""Signed-in sessions for the benchmarks: real `user_session` rows, made as signing in makes them.

The benchmarks sign people in without the password form (scrypt would dominate what they measure),
but through the sessions module, so the cookie's token opens a row like any other.
"""

from __future__ import annotations

from collections.abc import Iterable

USER_AGENT = "IdeaSpace bench"


def start_sessions(user_ids: Iterable[int]) -> dict[int, str]:
    """A new session per person, committed (inside an app context); each person's cookie token."""
    from sqlalchemy import select

    from ideaspace.auth import sessions
    from ideaspace.extensions import db
    from ideaspace.models import User

    people = db.session.scalars(select(User).where(User.id.in_(set(user_ids)))).all()
    tokens = {person.id: sessions.start(person, USER_AGENT) for person in people}
    db.session.commit()
    return tokens


def sessions_for(database_url: str, user_ids: Iterable[int]) -> dict[int, str]:
    """`start_sessions` from outside the app (bench/load.py): an app of its own on that database."""
    from ideaspace import create_app
    from ideaspace.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": False})
    with app.app_context():
        tokens = start_sessions(user_ids)
        db.session.remove()
        db.engine.dispose()
    return tokens
