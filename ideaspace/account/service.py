"""Change one's own settings."""

from __future__ import annotations

from ..extensions import db
from ..models import LANGUAGES, User


def update_settings(user: User, *, language: str, consents_to_named_quotes: bool) -> list[str]:
    """Save the person's language and consent; returns the names of what changed."""
    if language not in LANGUAGES:
        raise ValueError(language)
    changed = []
    for name, value in {
        "locale": language,
        "consents_to_named_quotes": bool(consents_to_named_quotes),
    }.items():
        if getattr(user, name) != value:
            setattr(user, name, value)
            changed.append(name)
    if changed:
        db.session.flush()
    return changed
