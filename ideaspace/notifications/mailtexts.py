"""A workspace's own invitation and reminder texts, per language, with named placeholders.

The text is plain (typed by a moderator, cleaned by sanitize.clean_text) and filled by replacing a
fixed set of {placeholders} one by one: never str.format on what a moderator typed, so "{0.__class__}"
or "{name!r}" stays as written. Templates escape every piece, placeholders included."""

from __future__ import annotations

import re

from .. import audit
from ..extensions import db
from ..models import LANGUAGES, MailText, User, Workspace, utcnow
from ..sanitize import clean_text  # noqa: F401  (the views clean a previewed text the same way)

KINDS = ("invitation", "not_visited", "not_contributed")
PLACEHOLDERS = ("name", "workspace", "closes_on")
MAX_LENGTH = 4000
_PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")


class TextError(ValueError):
    """The text cannot be saved; the message says why."""


def get(workspace_id: int, kind: str, language: str) -> str | None:
    found = db.session.get(MailText, (workspace_id, kind, language))
    return found.body if found is not None else None


def save(actor: User, workspace: Workspace, kind: str, language: str, body: str | None) -> MailText | None:
    """Store the text (an empty one goes back to the built-in text); audited."""
    if kind not in KINDS or language not in LANGUAGES:
        raise TextError("kind or language")
    text = clean_text(body)
    if len(text) > MAX_LENGTH:
        raise TextError("too long")
    found = db.session.get(MailText, (workspace.id, kind, language))
    if not text:
        if found is not None:
            db.session.delete(found)
        found = None
    else:
        if found is None:
            found = MailText(workspace_id=workspace.id, kind=kind, language=language)
            db.session.add(found)
        found.body = text
        found.updated_at = utcnow()
        found.updated_by_id = actor.id
    audit.record(actor, "mail_text.save", workspace, workspace_id=workspace.id, kind=kind, language=language)
    db.session.flush()
    return found


def fill(text: str, values: dict[str, str]) -> str:
    """The text with its known placeholders replaced; anything else in braces stays as typed."""
    return _PLACEHOLDER.sub(lambda match: values.get(match.group(1), ""), text)


def paragraphs(text: str) -> list[list[str]]:
    """The filled text as paragraphs of lines, for a template to escape and join (never Markup)."""
    return [part.split("\n") for part in re.split(r"\n\s*\n", text) if part.strip()]
