"""Produce an export: the programme dict of the live draft or of a published version, rendered in
a format; a safe file name for it; the audit entry."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select

from .. import audit
from ..extensions import db
from ..models import LANGUAGES, ProgrammeSnapshot, Workspace
from . import FORMATS, frame, pdf


class ExportError(LookupError):
    """No such format, language or published version."""


@dataclass
class Export:
    data: bytes | Iterator[bytes]  # the whole-workspace JSON is streamed in chunks
    mimetype: str
    filename: str


def programme_for(workspace: Workspace, language: str, version: int | None = None) -> dict:
    """The live draft's programme dict, or a published version's frozen one (never the live data)."""
    from ..programme.service import build_programme

    if language not in LANGUAGES:
        raise ExportError(f"unknown language {language!r}")
    if version is None:
        return build_programme(workspace, language)
    content = db.session.scalar(
        select(ProgrammeSnapshot.content).where(
            ProgrammeSnapshot.workspace_id == workspace.id, ProgrammeSnapshot.version == version
        )
    )
    programme = (content or {}).get("languages", {}).get(language)
    if programme is None:
        raise ExportError(f"no published version {version} in {language!r}")
    return programme


def filename(workspace: Workspace, fmt: str, language: str, version: int | None) -> str:
    """slug-v2-fi.docx, slug-draft-fi.md; the whole workspace JSON is slug.json."""
    slug = re.sub(r"[^a-z0-9-]+", "-", workspace.slug.lower()).strip("-") or "workspace"
    extension = FORMATS[fmt].extension
    if FORMATS[fmt].whole_workspace:
        return f"{slug}.{extension}"
    edition = f"v{version}" if version is not None else "draft"
    return f"{slug}-{edition}-{language}.{extension}"


def export(actor, workspace: Workspace, fmt: str, language: str, version: int | None = None) -> Export:
    """Render the workspace's programme (or, for JSON, the whole workspace) in a format."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}")
    if fmt == "pdf" and not pdf.available():
        raise ExportError(f"no PDF export on this server: {pdf.problem()}")
    spec = FORMATS[fmt]
    if spec.whole_workspace:
        if version is not None:
            raise ExportError("the JSON export is the whole workspace, not a version")
        data = spec.function(workspace)
    elif spec.document:
        data = spec.function(programme_for(workspace, language, version), **frame.document_frame(fmt))
    else:
        data = spec.function(programme_for(workspace, language, version))
    audit.record(
        actor,
        "workspace.export" if spec.whole_workspace else "programme.export",
        workspace,
        workspace_id=workspace.id,
        format=fmt,
        language=None if spec.whole_workspace else language,
        version=version,
    )
    return Export(data, spec.mimetype, filename(workspace, fmt, language, version))
