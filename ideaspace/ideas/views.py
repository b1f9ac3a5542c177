"""The idea barrel's pages: list and search ideas, submit one, support it, follow its status."""

from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from ..ballot import own
from ..ballot import service as ballot
from ..ballot.messages import ballot_message
from ..discussion import service as discussion
from ..extensions import db, htmx, limiter
from ..images.service import image_of
from ..inputs import id_arg, page_number
from ..models import Idea, IdeaStatus
from ..moderation import workflow as moderation_workflow
from ..moderation.views import idea_panel
from ..permissions import (
    can_change_idea_status,
    can_submit_idea,
    can_support_idea,
    can_support_ideas,
    can_view_hidden,
    can_view_idea,
    can_view_workspace,
    membership_of,
    require,
)
from ..sanitize import clean_text
from ..text.similar import similar_ideas
from ..web import safe_next
from ..workspaces import service as workspaces
from . import service
from .forms import BarrelFilterForm, IdeaForm, StatusForm

# An idea form's title field: the barrel's "title", a theme page's "activity<id>-title".
_TITLE_KEY = re.compile(r"(?:activity\d+-)?title")

bp = Blueprint("ideas", __name__)


@bp.app_template_global("idea_form")
def idea_form(prefix: str = "") -> IdeaForm:
    """An empty idea form for a theme page's idea collection (its theme is a hidden field there)."""
    # An empty form shows no WTForms message: without translations it does not load WTForms'
    # catalogue on every theme page (0.2 ms; its own labels are ours, translated as ever).
    return IdeaForm(formdata=None, prefix=prefix, meta={"get_translations": lambda form: None})


def _idea_form(workspace, barrel, prefix: str = "", **kwargs) -> IdeaForm:
    """The barrel's idea form, its theme list marking the themes whose ideas are anonymous."""
    themes = workspace.themes
    return IdeaForm(
        prefix=prefix,
        themes=themes,
        **kwargs,
        anonymous_theme_ids=barrel.anonymous_theme_ids(workspace, [t.id for t in themes]),
        lang=workspace.primary_language,
    )


def _filters(workspace) -> BarrelFilterForm:
    return BarrelFilterForm(request.args, themes=workspace.themes, lang=workspace.primary_language)


def _listing(workspace, filters: BarrelFilterForm | None = None) -> service.IdeaPage:
    filters = filters or BarrelFilterForm(None)
    return service.list_ideas(
        current_user,
        workspace,
        sort=filters.sort_value,
        search=(filters.q.data or "")[:200],
        theme_id=filters.theme.data,
        status=filters.status_value,
        include_hidden=can_view_hidden(current_user, workspace),
        page=filters.page_value,
    )


def _barrel_page(
    workspace, barrel, form, filters, status=200, new_idea_id=None, template="ideas/barrel.html", **extra
):
    context = {
        **extra,
        "workspace": workspace,
        "barrel": barrel,
        "form": form,
        "filters": filters,
        "listing": _listing(workspace, filters),
        "new_idea_id": new_idea_id,
        "general": barrel.general(workspace),
    }
    return render_template(template, **context), status


@bp.get("/w/<slug>/ideas")
def index(slug: str):
    workspace = workspaces.get_workspace(slug)
    require(can_view_workspace(current_user, workspace))
    workspaces.record_visit(current_user, workspace, membership_of(current_user, workspace))
    barrel = service.barrel(workspace)
    filters = _filters(workspace)
    if htmx and htmx.target == "idea-list":
        return render_template(
            "ideas/_list.html",
            workspace=workspace,
            barrel=barrel,
            filters=filters,
            listing=_listing(workspace, filters),
            focus_list=True,
        )
    form = _idea_form(workspace, barrel) if can_submit_idea(current_user, workspace, barrel) else None
    if form is not None and request.args.get("theme", type=id_arg):
        form.theme_id.data = request.args.get("theme", type=id_arg)
    return _barrel_page(workspace, barrel, form, filters)


@bp.post("/w/<slug>/ideas")
@limiter.limit("20/minute;200/hour")
def submit(slug: str):
    workspace = workspaces.get_workspace(slug)
    barrel = service.barrel(workspace)
    require(can_submit_idea(current_user, workspace, barrel))
    # A theme page's idea form names its activity, so that page's fragment is what comes back.
    activity = next((a for a in barrel if str(a.id) == request.form.get("activity_id")), None)
    prefix = f"activity{activity.id}" if activity else ""
    form = _idea_form(workspace, barrel, prefix)
    similar = []
    if form.validate_on_submit() and not request.form.get("publish_anyway"):
        # The check step: similar ideas first (support one instead, or publish anyway).
        similar = similar_ideas(current_user, workspace, form.title.data, clean_text(form.body.data))
    if form.validate_on_submit() and not similar:
        try:
            idea = service.submit_idea(
                current_user,
                workspace,
                title=form.title.data,
                body=form.body.data,
                theme=service.get_theme_or_none(workspace, form.theme_id.data),
                collections=barrel,
            )
        except service.IdeaError as error:
            _add_error(form, error)
        else:
            if isinstance(idea, ballot.Pending):
                own.remember(idea)
                message = ballot_message(idea)
                if htmx and activity is not None:
                    html, status = _theme_fragment(workspace, barrel, activity, idea_form(prefix), 200)
                    return render_template("ideas/_announce.html", message=message) + html, status
                flash(message, "success")
                return redirect(url_for(".index", slug=slug))
            message = _("Thank you! Your idea is now in the idea barrel.")
            if htmx:
                return _fragment_after_submit(workspace, barrel, activity, message, idea)
            flash(message, "success")
            return redirect(url_for(".idea", slug=slug, idea_id=idea.id))
    status = 200 if similar else 422
    extra = {
        "similar": similar,
        "may_support_similar": bool(similar) and can_support_ideas(current_user, workspace, barrel),
    }
    if htmx and activity is not None:
        return _theme_fragment(workspace, barrel, activity, form, status=status, **extra)
    filters = BarrelFilterForm(None)
    return _barrel_page(
        workspace,
        barrel,
        form,
        filters,
        status=status,
        template="ideas/_barrel.html" if htmx else "ideas/barrel.html",
        **extra,
    )


@bp.post("/w/<slug>/ideas/similar")
@limiter.limit("120/minute")
def similar(slug: str):
    """Ideas like the one being typed (htmx, after a pause); without htmx, the barrel."""
    workspace = workspaces.get_workspace(slug)
    barrel = service.barrel(workspace)
    require(can_submit_idea(current_user, workspace, barrel))
    if not htmx:
        return redirect(url_for(".index", slug=slug))
    title = _field(request.form, "title")[: service.TITLE_MAX]
    body = clean_text(_field(request.form, "body")[: service.BODY_MAX])
    found = similar_ideas(current_user, workspace, title, body) if len(title) + len(body) >= 3 else []
    # Seen while typing, the suggestions are the check step: the answer joins publish_anyway to the
    # idea form ("idea-form-" and the title field's id, as ideas/_similar_region.html names it).
    title_key = next((key for key in request.form if _TITLE_KEY.fullmatch(key)), "title")
    return render_template(
        "ideas/_similar.html",
        workspace=workspace,
        similar=found,
        may_support=can_support_ideas(current_user, workspace, barrel),
        form_id=f"idea-form-{title_key}",
    )


def _field(form, name: str) -> str:
    """A field of an idea form, whatever its prefix (a theme page's form is "activity<id>-title")."""
    for key, value in form.items():
        if key == name or key.endswith(f"-{name}"):
            return value or ""
    return ""


def _add_error(form, error: service.IdeaError) -> None:
    target = form[error.field] if error.field and error.field in form else None
    if target is not None:
        target.errors = [*target.errors, error.message]
    else:
        form.form_errors.append(error.message)


def _fragment_after_submit(workspace, barrel, activity, message, idea):
    if activity is not None:
        html, status = _theme_fragment(
            workspace, barrel, activity, idea_form(f"activity{activity.id}"), 200, idea.id
        )
    else:
        html, status = _barrel_page(
            workspace,
            barrel,
            _idea_form(workspace, barrel, formdata=None),
            BarrelFilterForm(None),
            new_idea_id=idea.id,
            template="ideas/_barrel.html",
        )
    return render_template("ideas/_announce.html", message=message) + html, status


def _theme_fragment(workspace, barrel, activity, form, status=200, new_idea_id=None, **extra):
    theme = activity.theme
    html = render_template(
        "participation/_ideas.html",
        **extra,
        workspace=workspace,
        theme=theme,
        activity=activity,
        lang=workspace.primary_language,
        theme_ideas=service.for_theme(current_user, workspace, theme),
        submitted_form=form,
        new_idea_id=new_idea_id,
    )
    return html, status


@bp.get("/w/<slug>/ideas/mine")
def mine(slug: str):
    workspace = workspaces.get_workspace(slug)
    require(can_view_workspace(current_user, workspace))
    listing = service.list_ideas(
        current_user,
        workspace,
        author=current_user,
        include_hidden=True,
        page=page_number(request.args.get("page")),
    )
    return render_template(
        "ideas/mine.html", workspace=workspace, barrel=service.barrel(workspace), listing=listing
    )


@bp.get("/w/<slug>/ideas/<int:idea_id>")
def idea(slug: str, idea_id: int):
    workspace = workspaces.get_workspace(slug)
    try:
        idea = service.get_idea(workspace, idea_id)
    except NotFound:
        if not ballot.is_retired_idea(workspace, idea_id):
            raise
        # An anonymous idea published again under a new number (issue 12): which one is not
        # kept anywhere, so the old address can only point at the barrel.
        require(can_view_workspace(current_user, workspace))
        flash(
            _(
                "Anonymous ideas were published again, together and under new numbers, so that nobody "
                "can tell whose they are. The idea that had this address is in the idea barrel."
            ),
            "info",
        )
        return redirect(url_for(".index", slug=slug))
    require(can_view_workspace(current_user, workspace))
    if not can_view_idea(current_user, idea, workspace):
        abort(404)
    workspaces.record_visit(current_user, workspace, membership_of(current_user, workspace))
    status_form = StatusForm(formdata=None, allowed=service.allowed_statuses(idea))
    return _idea_page(workspace, idea, status_form)


def _idea_page(workspace, idea, status_form, status=200):
    context = {
        "workspace": workspace,
        "idea": idea,
        "barrel": service.barrel(workspace),
        "row": service.idea_counts(idea, current_user),
        "status_form": status_form,
        "thread": discussion.thread(
            current_user,
            workspace,
            idea,
            page=discussion.page_for(discussion.requested_page(request.args), "idea", idea.id),
        ),
        "moderation": idea_panel(workspace, idea),  # moderation: report, hide, decide, merge, promote
        "image": image_of(idea),  # images: the idea's picture
    }
    return render_template("ideas/idea.html", **context), status


@bp.post("/w/<slug>/ideas/<int:idea_id>/support")
@limiter.limit("60/minute")
def support(slug: str, idea_id: int):
    workspace = workspaces.get_workspace(slug)
    idea = service.get_idea(workspace, idea_id, visible_only=True)
    barrel = service.barrel(workspace)
    wanted = request.form.get("support")
    if wanted not in ("0", "1", None):
        abort(400)
    kept = service.kept_idea(idea)
    if kept is not idea:
        # A merged idea's supporters moved to the idea it was merged into: support that one.
        require(can_support_idea(current_user, kept, workspace, barrel))
        if wanted != "0":
            service.support(current_user, kept, workspace)
        flash(
            _("This idea was merged into “%(title)s”; your support counts there, once.", title=kept.title),
            "info",
        )
        target = url_for(".idea", slug=slug, idea_id=kept.id)
        if htmx:
            return "", 204, {"HX-Redirect": target}
        return redirect(target)
    require(can_support_idea(current_user, idea, workspace, barrel))
    if wanted is None:  # a plain toggle
        wanted = "0" if idea.id in service.supports_of(current_user, [idea.id]) else "1"
    service.support(current_user, idea, workspace, supported=wanted == "1")
    if htmx:
        return render_template(
            "ideas/_support.html",
            workspace=workspace,
            barrel=barrel,
            row=service.idea_counts(idea, current_user),
            focus=True,
        )
    return redirect(safe_next(request.form.get("next"), url_for(".idea", slug=slug, idea_id=idea.id)))


@bp.post("/w/<slug>/ideas/<int:idea_id>/status")
def change_status(slug: str, idea_id: int):
    workspace = workspaces.get_workspace(slug)
    idea = service.get_idea(workspace, idea_id)
    require(can_change_idea_status(current_user, workspace))
    form = StatusForm(allowed=service.allowed_statuses(idea))
    if form.validate_on_submit():
        target = None
        if form.merged_into.data:
            target = db.session.scalar(
                select(Idea).where(Idea.id == form.merged_into.data, Idea.workspace_id == workspace.id)
            )
        try:
            if IdeaStatus(form.status.data) is IdeaStatus.MERGED:
                # moderation: a merge also moves the supporters (once each) and the comments
                moderation_workflow.merge(current_user, idea, target, form.reason.data)
            else:
                service.change_status(current_user, idea, IdeaStatus(form.status.data), form.reason.data)
        except service.IdeaError as error:
            _add_error(form, error)
        else:
            flash(_("The idea's status was changed; its author sees it with your reason."), "success")
            moderation_workflow.notify_author(idea, workspace, target)  # emailed in the author's language
            return redirect(url_for(".idea", slug=slug, idea_id=idea.id))
    return _idea_page(workspace, idea, form, status=422)
