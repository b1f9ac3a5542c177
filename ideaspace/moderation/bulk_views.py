"""Bulk moderation on the queue: a form with a checkbox per item (it works without JavaScript); htmx
swaps the queue in place and announces the result in the page's live region."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import ngettext
from flask_login import current_user

from ..extensions import htmx
from ..inputs import page_number
from ..permissions import can_hide_content, require
from ..workspaces.service import get_workspace
from . import bulk, service
from .views import bp, queue_context


def _message(result: bulk.BulkResult) -> str:
    done, skipped = len(result.done), len(result.skipped)
    if result.action == "hide":
        text = ngettext("%(num)d item hidden.", "%(num)d items hidden.", done)
        rest = ngettext("%(num)d was already hidden.", "%(num)d were already hidden.", skipped)
    elif result.action == "dismiss":
        text = ngettext(
            "The reports on %(num)d item were dismissed.",
            "The reports on %(num)d items were dismissed.",
            done,
        )
        rest = ngettext("%(num)d had no open reports.", "%(num)d had no open reports.", skipped)
    else:
        text = ngettext("%(num)d item marked as reviewed.", "%(num)d items marked as reviewed.", done)
        rest = ngettext("%(num)d was already reviewed.", "%(num)d were already reviewed.", skipped)
    return f"{text} {rest}" if skipped else text


@bp.post("/w/<slug>/moderation/bulk")
def bulk_moderate(slug: str):
    workspace = get_workspace(slug)
    require(can_hide_content(current_user, workspace))
    show = request.form.get("show", "all")
    page = page_number(request.form.get("page"))
    action = request.form.get("action", "")
    selected = request.form.getlist("items")
    reason = request.form.get("reason", "")
    try:
        result = bulk.apply(current_user, workspace, action, selected, reason)
    except service.ModerationError as error:
        context = queue_context(
            workspace,
            show,
            page,
            bulk_error=error,
            bulk_selected=set(selected[: bulk.BULK_MAX]),
            bulk_action=action,
            bulk_reason=reason[: service.REASON_MAX * 2],
        )
        template = "moderation/_queue.html" if htmx else "moderation/queue.html"
        return render_template(template, **context), 422
    message = _message(result)
    if htmx:
        return render_template(
            "moderation/_queue.html", **queue_context(workspace, show, page, bulk_message=message)
        )
    flash(message, "success")
    return redirect(url_for(".queue", slug=slug, show=show if show in service.SHOWS else "all", page=page))
