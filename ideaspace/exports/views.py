"""Download the programme: GET /w/<slug>/export.<fmt>?lang=fi[&version=N].

The live draft (and the whole-workspace JSON) is for those who may export: the workspace's
moderators and admins. A published version may also be downloaded by whoever may read the
published versions (observers, the management group, once the workspace is open): it is the same
document they already read on the version page.

Every comment, note and idea for analysis: GET /w/<slug>/export/content.<csv|xlsx>?lang=fi, for
moderators and admins (exports/content.py).
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, request, stream_with_context
from flask_login import current_user

from .. import audit
from ..inputs import parse_id
from ..models import LANGUAGES
from ..permissions import can_export, can_export_content, can_export_version, require
from ..workspaces.service import get_workspace
from . import FORMATS, pdf
from .service import ExportError, export

bp = Blueprint("exports", __name__)


@bp.get("/w/<slug>/export.<fmt>")
def download(slug: str, fmt: str):
    workspace = get_workspace(slug)
    if fmt not in FORMATS:
        abort(404)
    raw_version = request.args.get("version")
    version = parse_id(raw_version) if raw_version is not None else None
    if raw_version is not None and version is None:
        abort(400)
    if version is None or FORMATS[fmt].whole_workspace:
        require(can_export(current_user, workspace))
    else:
        require(can_export_version(current_user, workspace))
    if version is not None and FORMATS[fmt].whole_workspace:
        abort(400)
    language = request.args.get("lang") or workspace.primary_language
    try:
        result = export(current_user, workspace, fmt, language, version)
    except ExportError:
        abort(404)
    disposition = "inline" if fmt == "html" else "attachment"
    data = result.data if isinstance(result.data, bytes) else stream_with_context(result.data)
    return Response(
        data,
        content_type=result.mimetype,
        headers={
            "Content-Disposition": f'{disposition}; filename="{result.filename}"',
            "Cache-Control": "private, no-store",
        },
    )


@bp.get("/w/<slug>/export/content.<fmt>")
def content(slug: str, fmt: str):
    """Every comment, note and idea of the workspace as CSV or XLSX, for analysis (moderators)."""
    from . import content as content_export

    workspace = get_workspace(slug)
    if fmt not in content_export.FORMATS:
        abort(404)
    require(can_export_content(current_user, workspace))
    language = request.args.get("lang") or workspace.primary_language
    if language not in LANGUAGES:
        abort(404)
    audit.record(current_user, "workspace.export_content", workspace, workspace_id=workspace.id, format=fmt)
    name = content_export.filename(workspace, fmt, language)
    if fmt == "csv":
        data = stream_with_context(content_export.render_csv(workspace, language))
        mimetype = content_export.CSV_MIMETYPE
    else:
        data, mimetype = content_export.render_xlsx(workspace, language), content_export.XLSX_MIMETYPE
    return Response(
        data,
        content_type=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store",
        },
    )


@bp.app_template_global()
def pdf_available() -> bool:
    """Whether this server can make the PDF (its libraries are installed): the menu hides it otherwise."""
    return pdf.available()
