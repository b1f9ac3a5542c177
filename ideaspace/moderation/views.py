"""Moderation pages: report content, the moderation queue, hide / restore / dismiss, the idea workflow
(decide, merge, promote), and the admins' audit log."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db, limiter
from ..ideas import service as ideas
from ..inputs import page_number
from ..models import IdeaStatus, Theme
from ..permissions import (
    can_change_idea_status,
    can_hide_content,
    can_moderate,
    can_promote_idea,
    can_read_audit_log,
    can_report,
    require,
)
from ..text.similar import duplicates_of
from ..web import safe_next
from ..workspaces.manage import themes_of
from ..workspaces.service import get_workspace
from . import auditlog, service, workflow
from .forms import (
    AuditFilterForm,
    ClearForm,
    DecideForm,
    HideForm,
    MergeForm,
    OptionalReasonForm,
    ReportForm,
    promote_form,
)

bp = Blueprint("moderation", __name__)

KIND = "<any(comment, note, idea):kind>"


def _add_error(form, error) -> None:
    target = form[error.field] if error.field and error.field in form else None
    if target is not None:
        target.errors = [*target.errors, error.message]
    else:
        form.form_errors.append(error.message)


def item_url(workspace, kind: str, item, place=None) -> str:
    """Where an item is shown (its anchor on the page), for links and for going back."""
    if kind == "idea":
        return url_for("ideas.idea", slug=workspace.slug, idea_id=item.id)
    place = place or service.places_of([item]).get((kind, item.id))
    if place is None:
        return url_for("workspaces.workspace", slug=workspace.slug)
    if kind == "note":
        return url_for(
            "notes.wall", slug=workspace.slug, activity_id=place.target.id, _anchor=f"note-{item.id}"
        )
    anchor = f"comment-{item.id}"
    if place.kind == "idea":
        return url_for("ideas.idea", slug=workspace.slug, idea_id=place.target.id, _anchor=anchor)
    if place.kind == "measure":
        return url_for("discussion.measure", slug=workspace.slug, measure_id=place.target.id, _anchor=anchor)
    return url_for("workspaces.theme", slug=workspace.slug, theme_id=place.theme.id, _anchor=anchor)


@bp.app_template_global("moderation_place_url")
def place_url(workspace, entry) -> str:
    """The link to where a queue item is shown."""
    return item_url(workspace, entry.kind, entry.item, entry.place)


def _back(workspace, kind, item) -> str:
    return safe_next(request.values.get("next"), item_url(workspace, kind, item))


def _attempt(form, action, error=service.ModerationError):
    """Run `action` for a valid submitted form: (True, its result), or (False, None) with the rule it
    broke shown on the form."""
    if not form.validate_on_submit():
        return False, None
    try:
        return True, action()
    except error as broken:
        _add_error(form, broken)
        return False, None


def _form_page(template: str, form, **context):
    """The form's page: 422 when the form shows an error, 200 otherwise."""
    status = 422 if form.errors or form.form_errors else 200
    return render_template(template, form=form, **context), status


def _item_context(workspace, kind: str, item, back: str) -> dict:
    return {
        "workspace": workspace,
        "kind": kind,
        "item": item,
        "excerpt": service.excerpt(item),
        "back": back,
    }


# --- reports -----------------------------------------------------------------------------------


@bp.route(f"/w/<slug>/report/{KIND}/<int:item_id>", methods=["GET", "POST"])
@limiter.limit("20/minute;100/hour", methods=["POST"])
def report(slug: str, kind: str, item_id: int):
    workspace = get_workspace(slug)
    require(can_report(current_user, workspace))
    item = service.get_reportable(current_user, workspace, kind, item_id)
    form = ReportForm()
    back = _back(workspace, kind, item)
    already = service.open_report_of(current_user, item) is not None
    if request.method == "POST" and already:
        flash(_("You have already reported this. The moderators will look at it; thank you."), "info")
        return redirect(back)
    done, _report = _attempt(form, lambda: service.report(current_user, workspace, item, form.reason.data))
    if done:
        flash(_("Thank you. The moderators will look at what you reported."), "success")
        return redirect(back)
    return _form_page(
        "moderation/report.html", form, already=already, **_item_context(workspace, kind, item, back)
    )


# --- the queue ---------------------------------------------------------------------------------


def _load(slug: str):
    workspace = get_workspace(slug)
    require(can_moderate(current_user, workspace))
    return workspace


def queue_context(workspace, show: str, page: int, **extra) -> dict:
    """What the queue page and its part swapped after a bulk action show."""
    listing = service.queue(workspace, show=show, page=page)
    # Likely duplicates of the page's ideas that can still be merged: one statement for all of them.
    mergeable = [
        e.item
        for e in listing.items
        if e.kind == "idea"
        and e.item.hidden_at is None
        and IdeaStatus.MERGED in ideas.allowed_statuses(e.item)
    ]
    return {
        "duplicates": duplicates_of(current_user, workspace, mergeable) if mergeable else {},
        "workspace": workspace,
        "queue": listing,
        "clear_form": ClearForm(formdata=None, data=listing.latest),
        "allowed": {
            e.id: [s for s in ideas.allowed_statuses(e.item) if s is not IdeaStatus.MERGED]
            for e in listing.items
            if e.kind == "idea"
        },
        "queue_url": url_for(".queue", slug=workspace.slug, show=listing.show, page=listing.page),
        **extra,
    }


@bp.get("/w/<slug>/moderation")
def queue(slug: str):
    workspace = _load(slug)
    context = queue_context(workspace, request.args.get("show", "all"), page_number(request.args.get("page")))
    return render_template("moderation/queue.html", **context)


@bp.post("/w/<slug>/moderation/clear")
def clear(slug: str):
    workspace = _load(slug)
    form = ClearForm()
    if not form.validate_on_submit():
        abort(400)
    service.clear_queue(current_user, workspace, {k: form[k].data for k in service.KINDS})
    flash(_("The queue was marked as reviewed. New content will appear here again."), "success")
    return redirect(url_for(".queue", slug=slug))


def _hideable(slug: str, kind: str, item_id: int):
    """The workspace, the item (404 when not in it) and where to go back to, for someone who may hide."""
    workspace = get_workspace(slug)
    item = service.get_item(workspace, kind, item_id)
    require(can_hide_content(current_user, workspace))
    return workspace, item, _back(workspace, kind, item)


@bp.route(f"/w/<slug>/moderation/{KIND}/<int:item_id>/hide", methods=["GET", "POST"])
def hide(slug: str, kind: str, item_id: int):
    workspace, item, back = _hideable(slug, kind, item_id)
    form = HideForm()
    done, _hidden = _attempt(form, lambda: service.hide(current_user, item, form.reason.data))
    if done:
        flash(_("Hidden. Its author and the moderators still see it, with your reason."), "success")
        return redirect(back)
    return _form_page(
        "moderation/hide.html",
        form,
        reports=service.open_reports_of([item]).get((kind, item.id), []),
        **_item_context(workspace, kind, item, back),
    )


def _simple_action(slug: str, kind: str, item_id: int, operation, message: str, title: str):
    """Restore or dismiss: the buttons post straight here; the page (GET, or an error) asks for a reason."""
    workspace, item, back = _hideable(slug, kind, item_id)
    form = OptionalReasonForm()
    if form.validate_on_submit():
        try:
            operation(current_user, item, form.reason.data)
        except service.ModerationError as error:
            flash(error.message, "error")
            return redirect(back)
        flash(message, "success")
        return redirect(back)
    return _form_page(
        "moderation/action.html",
        form,
        title=title,
        action=request.path,
        **_item_context(workspace, kind, item, back),
    )


@bp.route(f"/w/<slug>/moderation/{KIND}/<int:item_id>/restore", methods=["GET", "POST"])
def restore(slug: str, kind: str, item_id: int):
    return _simple_action(
        slug,
        kind,
        item_id,
        service.restore,
        _("Restored: everyone sees it again."),
        _("Restore hidden content"),
    )


@bp.route(f"/w/<slug>/moderation/{KIND}/<int:item_id>/dismiss", methods=["GET", "POST"])
def dismiss(slug: str, kind: str, item_id: int):
    return _simple_action(
        slug,
        kind,
        item_id,
        service.dismiss_reports,
        _("The reports were dismissed; the content stays visible."),
        _("Dismiss the reports"),
    )


# --- the idea workflow -------------------------------------------------------------------------


def _idea(slug: str, idea_id: int, predicate=can_change_idea_status):
    workspace = get_workspace(slug)
    idea = ideas.get_idea(workspace, idea_id)
    require(predicate(current_user, workspace))
    return workspace, idea


def _notified(idea, workspace, kept=None) -> None:
    sent = workflow.notify_author(idea, workspace, kept)
    if sent is None:
        flash(
            _("The idea is anonymous, so nobody was emailed: the reason is shown on the idea's page."), "info"
        )
    elif sent:
        flash(_("Its author was emailed the decision and your reason."), "success")


def _idea_url(workspace, idea) -> str:
    return url_for("ideas.idea", slug=workspace.slug, idea_id=idea.id)


@bp.route("/w/<slug>/moderation/ideas/<int:idea_id>/status", methods=["GET", "POST"])
def decide(slug: str, idea_id: int):
    workspace, idea = _idea(slug, idea_id)
    form = DecideForm(allowed=ideas.allowed_statuses(idea))
    done, _decided = _attempt(
        form,
        lambda: workflow.decide(current_user, idea, IdeaStatus(form.status.data), form.reason.data),
        ideas.IdeaError,
    )
    if done:
        flash(_("The idea's status was changed; everyone sees it with your reason."), "success")
        _notified(idea, workspace)
        return redirect(safe_next(request.form.get("next"), _idea_url(workspace, idea)))
    return _idea_form_page("moderation/decide.html", workspace, idea, form)


def _idea_form_page(template: str, workspace, idea, form):
    return _form_page(
        template,
        form,
        workspace=workspace,
        idea=idea,
        notifies=workflow.author_to_notify(idea) is not None,
    )


@bp.route("/w/<slug>/moderation/ideas/<int:idea_id>/merge", methods=["GET", "POST"])
def merge(slug: str, idea_id: int):
    workspace, idea = _idea(slug, idea_id)
    if IdeaStatus.MERGED not in ideas.allowed_statuses(idea):
        flash(_("An accepted or merged idea cannot be merged into another."), "error")
        return redirect(_idea_url(workspace, idea))
    candidates = workflow.merge_candidates(idea)
    form = MergeForm(candidates=candidates)
    kept = next((c for c in candidates if c.id == form.merged_into.data), None)
    done, result = _attempt(
        form, lambda: workflow.merge(current_user, idea, kept, form.reason.data), ideas.IdeaError
    )
    if done:
        flash(
            _(
                "Merged. %(supporters)d supporters and %(comments)d comments moved to the kept idea.",
                supporters=result.supporters_moved,
                comments=result.comments_moved,
            ),
            "success",
        )
        _notified(idea, workspace, kept)
        return redirect(safe_next(request.form.get("next"), _idea_url(workspace, idea)))
    return _idea_form_page("moderation/merge.html", workspace, idea, form)


@bp.route("/w/<slug>/moderation/ideas/<int:idea_id>/promote", methods=["GET", "POST"])
def promote(slug: str, idea_id: int):
    workspace, idea = _idea(slug, idea_id, can_promote_idea)
    existing = workflow.measures_from(idea)
    if idea.status is not IdeaStatus.ACCEPTED or idea.hidden_at is not None or existing:
        flash(_("Only an accepted idea that is not hidden and not yet a measure can become one."), "error")
        return redirect(_idea_url(workspace, idea))
    themes = themes_of(workspace)
    form_class = promote_form(workspace.primary_language)
    if request.method == "GET":
        form = form_class(
            formdata=None,
            data={
                **workflow.promote_defaults(idea, workspace),
                "theme_id": idea.theme_id,
                "status": "proposed",
            },
            themes=themes,
            lang=workspace.primary_language,
        )
    else:
        form = form_class(themes=themes, lang=workspace.primary_language)
    if form.validate_on_submit():
        theme = db.session.get(Theme, form.theme_id.data)
        try:
            measure = workflow.promote(current_user, workspace, idea, theme, **form.values())
        except service.ModerationError as error:
            _add_error(form, error)
        else:
            flash(_("The idea is now a measure of the theme; both link to each other."), "success")
            return redirect(url_for("discussion.measure", slug=workspace.slug, measure_id=measure.id))
    status = 422 if form.has_errors else 200
    return render_template("moderation/promote.html", workspace=workspace, idea=idea, form=form), status


# --- the audit log -----------------------------------------------------------------------------


@bp.get("/admin/audit")
def audit_log():
    require(can_read_audit_log(current_user))
    filters = AuditFilterForm(
        request.args,
        actors=auditlog.actors(),
        actions=auditlog.actions(),
        workspaces=auditlog.all_workspaces(),
    )
    valid = filters.validate()
    chosen = (
        auditlog.AuditFilters(
            actor_id=filters.actor.data,
            action=filters.action.data or None,
            workspace_id=filters.workspace.data,
            since=filters.since.data,
            until=filters.until.data,
        )
        if valid
        else auditlog.AuditFilters()
    )
    result = auditlog.entries(chosen, page=page_number(request.args.get("page")))
    args = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template(
        "moderation/audit.html",
        filters=filters,
        result=result,
        args=args,
        action_label=auditlog.action_label,
    ), 200 if valid else 422


# --- what the idea page shows (called by the idea barrel's idea view) ---------------------------


def idea_panel(workspace, idea) -> workflow.IdeaPanel:
    """The idea page's moderation part: measures made from it, the reader's report, the workflow forms."""
    panel = workflow.idea_panel(current_user, workspace, idea)
    if can_change_idea_status(current_user, workspace):
        panel.decide_form = DecideForm(formdata=None, allowed=ideas.allowed_statuses(idea))
        panel.merge_form = MergeForm(formdata=None, candidates=panel.candidates) if panel.candidates else None
        if panel.candidates and idea.hidden_at is None:
            panel.duplicates = duplicates_of(current_user, workspace, [idea])[idea.id]
    return panel


# Bulk moderation on the queue (its routes join this blueprint).
from . import bulk_views  # noqa: E402,F401
