"""The follow-up page: every indicator of the programme with its baseline, yearly readings,
target, status and chart; moderators record, replace and delete readings."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..i18n import current_language
from ..permissions import can_record_readings, can_view_follow_up, require
from ..sanitize import clean_text
from ..workspaces.service import get_workspace
from . import service
from .forms import DeleteReadingForm, ReadingForm

bp = Blueprint("followup", __name__)


def _page(workspace, status: int = 200, forms: dict | None = None):
    rows = service.follow_up_table(workspace)
    forms = dict(forms or {})
    for theme in rows:
        for measure in theme.measures:
            for ind in measure.indicators:
                forms.setdefault(ind.indicator.id, ReadingForm(formdata=None, prefix=f"i{ind.indicator.id}"))
    return (
        render_template(
            "followup/index.html",
            workspace=workspace,
            rows=rows,
            counts=service.status_counts(rows),
            forms=forms,
            delete_form=DeleteReadingForm(formdata=None),
        ),
        status,
    )


def _back(workspace, indicator_id: int) -> str:
    return url_for("followup.index", slug=workspace.slug, _anchor=f"indicator-{indicator_id}")


@bp.get("/w/<slug>/follow-up")
def index(slug: str):
    workspace = get_workspace(slug)
    require(can_view_follow_up(current_user, workspace))
    return _page(workspace)


@bp.post("/w/<slug>/follow-up/indicators/<int:indicator_id>/readings")
def record(slug: str, indicator_id: int):
    workspace = get_workspace(slug)
    require(can_record_readings(current_user, workspace))
    indicator = service.get_indicator(workspace, indicator_id)
    form = ReadingForm(prefix=f"i{indicator.id}")
    if not form.validate_on_submit():
        if not form.errors:
            form.year.errors = [_("The form has expired; send it again.")]
        return _page(workspace, 422, {indicator.id: form})
    service.record_reading(
        current_user,
        indicator,
        form.year.data,
        form.parsed_value,
        clean_text(form.note.data)[:500],
        language=current_language(),
        workspace_id=workspace.id,
    )
    flash(_("The reading for %(year)d was saved.", year=form.year.data), "success")
    return redirect(_back(workspace, indicator.id))


@bp.post("/w/<slug>/follow-up/readings/<int:reading_id>/delete")
def delete(slug: str, reading_id: int):
    workspace = get_workspace(slug)
    require(can_record_readings(current_user, workspace))
    reading = service.get_reading(workspace, reading_id)
    form = DeleteReadingForm()
    if not form.validate_on_submit():
        flash(_("The form has expired; send it again."), "error")
        return _page(workspace, 422)
    indicator_id, year = reading.indicator_id, reading.year
    service.delete_reading(current_user, reading, workspace_id=workspace.id)
    flash(_("The reading for %(year)d was deleted.", year=year), "success")
    return redirect(_back(workspace, indicator_id))
