"""The clusters pages of a workspace, a theme and an activity, and the moderator's changes to them."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..permissions import can_edit_clusters, can_read_clusters, require
from ..workspaces.manage import themes_of
from ..workspaces.service import get_workspace
from . import service

bp = Blueprint("insight", __name__)


def _workspace(slug: str, edit: bool = False):
    workspace = get_workspace(slug, current_user)
    require((can_edit_clusters if edit else can_read_clusters)(current_user, workspace))
    return workspace


@bp.get("/w/<slug>/clusters")
def workspace(slug: str):
    return _page(service.Scope(_workspace(slug)))


@bp.get("/w/<slug>/themes/<int:theme_id>/clusters")
def theme(slug: str, theme_id: int):
    return _page(service.theme_scope(_workspace(slug), theme_id))


@bp.get("/w/<slug>/activities/<int:activity_id>/clusters")
def activity(slug: str, activity_id: int):
    return _page(service.activity_scope(_workspace(slug), activity_id))


@bp.post("/w/<slug>/clusters/rename")
def rename(slug: str):
    scope = service.parse_scope(_workspace(slug, edit=True), request.form.get("scope"))
    anchor = request.form.get("cluster")
    try:
        service.rename(current_user, scope, anchor, request.form.get("name"))
    except service.Refused as error:
        return _page(scope, error=error, anchor=anchor, status=400)
    flash(_("The cluster was renamed."), "success")
    return redirect(scope_url(scope, anchor))


@bp.post("/w/<slug>/clusters/move")
def move(slug: str):
    scope = service.parse_scope(_workspace(slug, edit=True), request.form.get("scope"))
    anchor = request.form.get("to")
    try:
        service.move(current_user, scope, request.form.get("item"), anchor)
    except service.Refused as error:
        return _page(scope, error=error, anchor=request.form.get("cluster"), status=400)
    flash(_("The item was moved."), "success")
    return redirect(scope_url(scope, anchor))


@bp.post("/w/<slug>/clusters/heard")
def heard(slug: str):
    scope = service.parse_scope(_workspace(slug, edit=True), request.form.get("scope"))
    anchor = request.form.get("cluster")
    try:
        heard = service.send_heard(
            current_user, scope, anchor, request.form.get("theme_id"), request.form.get("summary")
        )
    except service.Refused as error:
        return _page(scope, error=error, anchor=anchor, status=400)
    flash(_("The summary is now the theme's \u201cwhat we heard\u201d in the programme draft."), "success")
    return redirect(url_for("programme.index", slug=scope.workspace.slug, _anchor=f"heard-{heard.theme_id}"))


@bp.post("/w/<slug>/themes/<int:theme_id>/heard/remove")
def remove_heard(slug: str, theme_id: int):
    workspace = _workspace(slug, edit=True)
    scope = service.theme_scope(workspace, theme_id)
    if service.remove_heard(current_user, workspace, theme_id):
        flash(_("The theme's \u201cwhat we heard\u201d was taken out of the programme draft."), "success")
    else:
        flash(_("The theme has no \u201cwhat we heard\u201d to take out."), "info")
    return redirect(url_for("programme.index", slug=scope.workspace.slug, _anchor=f"theme-{theme_id}"))


def scope_url(scope: service.Scope, anchor: str | None = None) -> str:
    slug = scope.workspace.slug
    fragment = f"cluster-{anchor.replace(':', '-')}" if anchor and service.parse_key(anchor) else None
    if scope.activity is not None:
        return url_for("insight.activity", slug=slug, activity_id=scope.activity.id, _anchor=fragment)
    if scope.theme is not None:
        return url_for("insight.theme", slug=slug, theme_id=scope.theme.id, _anchor=fragment)
    return url_for("insight.workspace", slug=slug, _anchor=fragment)


def _page(scope: service.Scope, *, error: service.Refused | None = None, anchor=None, status: int = 200):
    workspace = scope.workspace
    clusters = service.clusters(scope)
    values = request.form if error is not None else {}
    return (
        render_template(
            "insight/clusters.html",
            workspace=workspace,
            scope=scope,
            clusters=clusters,
            themes=themes_of(workspace),
            links={item.key: link(workspace, item) for c in clusters for item in c.items},
            error=error,
            error_anchor=(anchor or "").strip(),
            values=values,
            current_heard=service.heard_for(scope.heard_theme),
            name_max=service.NAME_LENGTH,
            summary_max=service.SUMMARY_LENGTH,
        ),
        status,
    )


def link(workspace, item: service.Item) -> str:
    """Where an item is read: an idea's page, a note on its wall, a comment in its thread."""
    endpoint, values = service.link_target(workspace, item)
    return url_for(endpoint, **values)
