"""Answering polls and scales, and their live results."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..ballot.messages import ballot_message
from ..ballot.service import Pending
from ..extensions import htmx, limiter
from ..permissions import (
    activity_is_open,
    can_answer,
    can_view_activity,
    can_view_workspace,
    membership_of,
    require,
)
from ..workspaces import service as workspaces
from . import service
from .forms import AnswerForm

bp = Blueprint("polls", __name__)


def _load(slug: str, activity_id: int):
    """The workspace, the activity and the person's respondent row (None if they have not answered)."""
    workspace = workspaces.get_workspace(slug, member=current_user)  # the membership comes along
    require(can_view_workspace(current_user, workspace))
    activity, record = service.load_activity(workspace, activity_id, current_user)
    require(can_view_activity(current_user, activity, workspace))
    return workspace, activity, record


def _render(
    workspace,
    activity,
    record=service.UNKNOWN,
    *,
    status=200,
    errors=(),
    confirmation=None,
    submitted=None,
    polls=None,
):
    """The activity's panel (htmx) or a page with it alone; both use the same partial. `record`:
    the person's respondent row if known; `polls`: the states when the caller has them already."""
    if polls is None:
        known = None if record is service.UNKNOWN else service.answered_by(activity, record)
        polls = service.poll_states(current_user, workspace, [activity], answered=known)
    poll = polls[activity.id]
    poll.errors = list(errors)
    poll.confirmation = confirmation
    if submitted is not None:
        poll.selected, poll.scale_value = submitted
    context = {
        "workspace": workspace,
        "activity": activity,
        "theme": activity.theme,
        "lang": workspace.primary_language,
        "polls": polls,
        "poll": poll,
    }
    template = "polls/_panel.html" if htmx else "polls/activity.html"
    return render_template(template, **context), status


@bp.post("/w/<slug>/activities/<int:activity_id>/answer")
@limiter.limit("30/minute;300/hour")
def answer(slug: str, activity_id: int):
    workspace, activity, record = _load(slug, activity_id)  # record: looked up once for the request
    if activity_is_open(activity, workspace):
        require(can_answer(current_user, activity, workspace))
    form = AnswerForm(activity)
    refusal = service.refusal(current_user, workspace, activity, record)
    if refusal:
        return _render(workspace, activity, record, status=422, errors=[refusal], submitted=form.submitted())
    if not form.validate_on_submit():
        return _render(
            workspace, activity, record, status=422, errors=form.messages, submitted=form.submitted()
        )
    chosen = {"option_ids": form.option_ids, "scale_value": form.scale_value}
    try:
        answer_, first = service.submit(
            current_user, workspace, activity, membership_of(current_user, workspace), record=record, **chosen
        )
    except service.AnswerRefused as refused:  # looked up again: another request may have answered
        return _render(workspace, activity, status=422, errors=[str(refused)], submitted=form.submitted())
    message = _("Thank you! Your answer has been recorded.") if first else _("Your answer has been changed.")
    if isinstance(answer_, Pending):
        message = ballot_message(answer_)
    if htmx:
        polls = service.states_after_answer(current_user, workspace, activity, answer_, **chosen)
        return _render(workspace, activity, confirmation=message, polls=polls)
    flash(message, "success")
    return redirect(
        url_for(
            "workspaces.theme",
            slug=workspace.slug,
            theme_id=activity.theme_id,
            _anchor=f"activity-{activity.id}",
        )
    )


@bp.get("/w/<slug>/activities/<int:activity_id>/results")
def results(slug: str, activity_id: int):
    """The results fragment for the live refresh; 204 when nothing has changed since `v`."""
    workspace, activity, record = _load(slug, activity_id)
    if not htmx:
        return _render(workspace, activity, record)
    polls = service.poll_states(
        current_user, workspace, [activity], answered=service.answered_by(activity, record)
    )
    poll = polls[activity.id]
    if request.args.get("v") == poll.version:
        return "", 204
    return render_template(
        "polls/_results_body.html",
        workspace=workspace,
        activity=activity,
        lang=workspace.primary_language,
        poll=poll,
    )
