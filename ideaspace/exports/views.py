"""Download the programme: GET /w/<slug>/export.<fmt>?lang=fi[&version=N].

The live draft (and the whole-workspace JSON) is for those who may export: the workspace's
moderators and admins. A published version may also be downloaded by whoever may read the
published versions (observers, the management group, once the workspace is open): it is the same
document they already read on the version page.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, request, stream_with_context
from flask_login import current_user

from ..permissions import can_export, can_export_version, require
from ..workspaces.service import get_workspace
from . import FORMATS
from .service import ExportError, export

bp = Blueprint("exports", __name__)


@bp.get("/w/<slug>/export.<fmt>")
def download(slug: str, fmt: str):
    workspace = get_workspace(slug)
    if fmt not in FORMATS:
        abort(404)
    raw_version = request.args.get("version")
    if raw_version is not None and (not raw_version.isdigit() or len(raw_version) > 9):
        abort(400)
    version = int(raw_version) if raw_version is not None else None
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
