from flask import Blueprint, render_template
from flask_login import current_user, login_required

from ..discussion.service import theme_discussion
from ..ideas.service import for_theme as ideas_for_theme
from ..ideas.service import has_collection as has_idea_collection
from ..images.service import covers as image_covers
from ..images.service import image_of
from ..notes.service import theme_notes
from ..permissions import can_view_workspace, membership_of, require
from ..polls.service import theme_context as polls_context
from . import front, service

bp = Blueprint("workspaces", __name__)

# Moderators' pages (endpoints `workspaces.manage.*`): settings, themes, measures, activities.
from . import content_views, manage_views  # noqa: E402,F401

bp.register_blueprint(manage_views.bp)


@bp.get("/")
@login_required
def index():
    return render_template("workspaces/index.html", workspaces=service.visible_workspaces(current_user))


@bp.get("/w/<slug>/")
def workspace(slug: str):
    workspace = service.get_workspace(slug, member=current_user)
    require(can_view_workspace(current_user, workspace))
    membership = membership_of(current_user, workspace)
    since = membership.last_visit_at if membership is not None else None  # before this visit counts
    service.record_visit(current_user, workspace, membership)
    page = front.front_page(current_user, workspace, since)
    return render_template(
        "workspaces/workspace.html",
        workspace=workspace,
        front=page,
        themes=[card.theme for card in page.cards],
        has_idea_barrel=has_idea_collection(workspace),  # ideas: link to the workspace's idea barrel
        covers=image_covers(workspace),  # images: the workspace's and its themes' covers (two statements)
    )


@bp.get("/w/<slug>/themes/<int:theme_id>")
def theme(slug: str, theme_id: int):
    workspace = service.get_workspace(slug, member=current_user)
    require(can_view_workspace(current_user, workspace))
    theme = service.get_theme(workspace, theme_id)
    membership = service.record_visit(current_user, workspace, membership_of(current_user, workspace))
    context = {"workspace": workspace, "theme": theme, "membership": membership}
    context["todo"] = front.theme_card(current_user, workspace, theme)  # "3 questions, about 5 min"
    # Participation features add what their partials need (each one line, computed in bulk):
    context.update(polls_context(current_user, workspace, theme.activities))  # polls: answered, results
    context["theme_ideas"] = ideas_for_theme(current_user, workspace, theme)  # ideas: latest ideas, counts
    context["cover"] = image_of(theme)  # images: the theme's cover
    # discussion: each thread's newest comments and its counts (the rest on the discussion's page)
    context["discussion"] = theme_discussion(current_user, workspace, theme)
    context["notes"] = theme_notes(current_user, workspace, theme)  # notes walls: newest notes, cloud
    return render_template("workspaces/theme.html", **context)
