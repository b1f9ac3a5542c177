"""Published versions: publishing freezes the programme in every language under a new number."""

from __future__ import annotations

from flask import abort
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..extensions import db
from ..models import LANGUAGES, ProgrammeSnapshot, Workspace, utcnow
from ..sanitize import clean_text
from .service import build_programme

MAX_NOTE = 500
ATTEMPTS = 5


class Refused(Exception):
    """The rules do not allow this; `str(error)` says why."""


def publish(actor, workspace: Workspace, note: str | None = None) -> ProgrammeSnapshot:
    """Freeze the draft as version n + 1, in every language; later edits never change it.

    Two moderators publishing at once cannot both get the same number: the (workspace, version)
    unique constraint refuses the second insert, which then takes the next number.
    """
    note = clean_text(note)[:MAX_NOTE] or None
    published_at = utcnow()
    for _attempt in range(ATTEMPTS):
        version = (
            db.session.scalar(
                select(func.coalesce(func.max(ProgrammeSnapshot.version), 0)).where(
                    ProgrammeSnapshot.workspace_id == workspace.id
                )
            )
            + 1
        )
        edition = {"number": version, "published_at": published_at.isoformat(), "note": note}
        content = {
            "languages": {lang: build_programme(workspace, lang, edition=edition) for lang in LANGUAGES}
        }
        snapshot = ProgrammeSnapshot(
            workspace_id=workspace.id,
            version=version,
            published_at=published_at,
            published_by_id=getattr(actor, "id", None),
            note=note,
            content=content,
        )
        try:
            with db.session.begin_nested():
                db.session.add(snapshot)
        except IntegrityError:
            continue
        audit.record(
            actor, "programme.publish", snapshot, workspace_id=workspace.id, version=version, note=note
        )
        return snapshot
    raise Refused("Another version was being published at the same time; try again.")


def versions(workspace: Workspace) -> list[ProgrammeSnapshot]:
    """The published versions, newest first (without loading their content)."""
    from sqlalchemy.orm import defer

    return list(
        db.session.scalars(
            select(ProgrammeSnapshot)
            .where(ProgrammeSnapshot.workspace_id == workspace.id)
            .options(defer(ProgrammeSnapshot.content))
            .order_by(ProgrammeSnapshot.version.desc())
        )
    )


def get_version(workspace: Workspace, number: int) -> ProgrammeSnapshot:
    snapshot = db.session.scalar(
        select(ProgrammeSnapshot).where(
            ProgrammeSnapshot.workspace_id == workspace.id, ProgrammeSnapshot.version == number
        )
    )
    if snapshot is None:
        abort(404)
    return snapshot


def in_language(snapshot: ProgrammeSnapshot, language: str) -> dict:
    """The frozen programme in a language (falling back to any stored one)."""
    languages = snapshot.content.get("languages", {})
    return languages.get(language) or next(iter(languages.values()))
