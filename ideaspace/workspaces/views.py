from flask import Blueprint, render_template
from flask_login import current_user, login_required

from ..permissions import can_view_workspace, membership_of, require
from . import service

bp = Blueprint("workspaces", __name__)


@bp.get("/")
@login_required
def index():
    return render_template("workspaces/index.html", workspaces=service.visible_workspaces(current_user))


@bp.get("/w/<slug>/")
def workspace(slug: str):
    workspace = service.get_workspace(slug)
    require(can_view_workspace(current_user, workspace))
    service.record_visit(current_user, workspace, membership_of(current_user, workspace))
    return render_template("workspaces/workspace.html", workspace=workspace, themes=workspace.themes)


@bp.get("/w/<slug>/themes/<int:theme_id>")
def theme(slug: str, theme_id: int):
    workspace = service.get_workspace(slug)
    require(can_view_workspace(current_user, workspace))
    theme = service.get_theme(workspace, theme_id)
    membership = service.record_visit(current_user, workspace, membership_of(current_user, workspace))
    context = {"workspace": workspace, "theme": theme, "membership": membership}
    # Participation features add what their partials need (each one line, computed in bulk):
    return render_template("workspaces/theme.html", **context)
