"""The workspace's search page: comments, notes, ideas, themes, measures and quotes by base forms,
ranked and paged."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user

from ..inputs import page_number
from ..permissions import can_edit_programme, can_view_workspace, require
from ..workspaces import service as workspaces
from . import analysers
from . import search as service

bp = Blueprint("text", __name__)


@bp.app_template_global()
def finnish_analyser() -> str:
    """Which analyser Finnish uses here, "voikko" or "snowball" (the instance settings page says)."""
    return analysers.finnish_analyser()


@bp.get("/w/<slug>/search")
def search(slug: str):
    workspace = workspaces.get_workspace(slug, current_user)
    require(can_view_workspace(current_user, workspace))
    query = request.args.get("q", "")
    results = service.search(current_user, workspace, query, page_number(request.args.get("page")))
    return render_template(
        "text/search.html",
        workspace=workspace,
        results=results,
        links=[_link(workspace, hit) for hit in results.hits],
    )


def _link(workspace, hit: service.Hit) -> str:
    """Where a result is read: an idea's, a theme's or a measure's page, a note on its wall, a
    comment in its thread, a quote in the programme (its draft for those who edit it, otherwise
    the preview)."""
    item, slug = hit.item, workspace.slug
    if hit.kind == "theme":
        return url_for("workspaces.theme", slug=slug, theme_id=item.id)
    if hit.kind == "measure":
        return url_for("discussion.measure", slug=slug, measure_id=item.id)
    if hit.kind == "quote":
        if can_edit_programme(current_user, workspace):
            return url_for("programme.index", slug=slug, _anchor=f"quote-{item.id}")
        return url_for("programme.preview", slug=slug)
    if hit.kind == "idea":
        return url_for("ideas.idea", slug=slug, idea_id=item.id)
    if hit.kind == "note":
        return url_for("notes.wall", slug=slug, activity_id=item.activity_id) + f"#note-{item.id}"
    anchor = f"#comment-{item.id}"
    if item.idea_id:
        return url_for("ideas.idea", slug=slug, idea_id=item.idea_id) + anchor
    if item.measure_id:
        return url_for("discussion.measure", slug=slug, measure_id=item.measure_id) + anchor
    kind, target = ("theme", item.theme_id) if item.theme_id else ("activity", item.activity_id)
    return url_for("discussion.show", slug=slug, kind=kind, target_id=target) + anchor
