"""The admin's backup of a workspace: GET /admin/workspaces/<slug>/backup.json (admins, in sudo mode).

Everything the database holds of the workspace, the pending pool of the ballot box included, so
that `ideaspace import` restores it into an empty instance (docs/workspace-json.md). It is exactly
as safe as the database: keep it where the database's own backups are kept.
"""

from __future__ import annotations

from flask import Blueprint, Response, stream_with_context
from flask_login import current_user

from .. import audit
from ..permissions import can_back_up_workspace, require, require_sudo
from ..workspaces.service import get_workspace
from .service import stream_workspace

bp = Blueprint("transfer", __name__)


@bp.get("/admin/workspaces/<slug>/backup.json")
def backup(slug: str):
    workspace = get_workspace(slug)
    require(can_back_up_workspace(current_user))
    require_sudo()
    audit.record(current_user, "workspace.backup", workspace, workspace_id=workspace.id)
    chunks = (chunk.encode("utf-8") for chunk in stream_workspace(workspace, backup=True))
    return Response(
        stream_with_context(chunks),
        content_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{workspace.slug}-backup.json"',
            "Cache-Control": "private, no-store",
        },
    )
