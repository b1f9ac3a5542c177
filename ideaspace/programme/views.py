"""The programme page (moderators choose what goes in), the preview, publishing, versions, comparison."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..i18n import current_language, localize
from ..inputs import parse_id
from ..insight.service import heard_of
from ..models import LANGUAGES
from ..permissions import can_edit_programme, can_read_programme, require
from ..workspaces.forms import MoveForm
from ..workspaces.measures import get_measure
from ..workspaces.service import get_workspace
from . import curation, versions
from .compare import compare
from .forms import MeasureStatusForm, PublishForm, ResultsForm
from .left_out import left_out, since_left_out
from .rendering import programme_date, programme_number, render_document
from .service import build_programme

bp = Blueprint("programme", __name__)
bp.add_app_template_filter(programme_date, "programme_date")
bp.add_app_template_filter(programme_number, "programme_number")


def load(slug: str, predicate):
    workspace = get_workspace(slug)
    require(predicate(current_user, workspace))
    return workspace


def language() -> str:
    """The document language asked for (?lang=), else the reader's."""
    lang = request.args.get("lang")
    return lang if lang in LANGUAGES else current_language()


def back(workspace, theme_id: int | None = None) -> str:
    anchor = f"theme-{theme_id}" if theme_id else None
    return url_for("programme.index", slug=workspace.slug, _anchor=anchor)


# --- choosing what goes in ---------------------------------------------------------------------


def _index(workspace, status: int = 200, **forms):
    themes = curation.choices(workspace)
    results_forms = {}
    for item in themes:
        form = forms.get(f"results-{item.theme.id}")  # a form sent with errors keeps what was sent
        if form is None:
            form = ResultsForm(formdata=None, prefix=f"t{item.theme.id}")
            form.activity_id.data = [a.id for a in item.chosen]
        form.activity_id.choices = [
            (a.id, localize(a.title, workspace.primary_language)) for a in item.activities
        ]
        results_forms[item.theme.id] = form
    context = {
        "workspace": workspace,
        "themes": themes,
        "left_out": left_out(workspace, themes),
        "results_forms": results_forms,
        "publish_form": forms.get("publish_form") or PublishForm(formdata=None),
        "versions": versions.versions(workspace),
        "measure_status_form": MeasureStatusForm(formdata=None),
        "heard": heard_of(workspace),  # each theme's "what we heard" (ideaspace.insight)
    }
    return render_template("programme/index.html", **context), status


@bp.get("/w/<slug>/programme")
def index(slug: str):
    workspace = load(slug, can_edit_programme)
    return _index(workspace)


@bp.post("/w/<slug>/programme/themes/<int:theme_id>/results")
def choose_results(slug: str, theme_id: int):
    workspace = load(slug, can_edit_programme)
    theme = curation.get_theme(workspace, theme_id)
    form = ResultsForm(prefix=f"t{theme.id}")
    answered = [a for a in theme.activities if a.kind in curation.ANSWERED_KINDS]
    form.activity_id.choices = [(a.id, localize(a.title, workspace.primary_language)) for a in answered]
    if not form.validate_on_submit():
        if not form.activity_id.errors:
            form.activity_id.errors = [_("The form has expired; send it again.")]
        return _index(workspace, 422, **{f"results-{theme.id}": form})
    added, removed = curation.choose_results(current_user, theme, set(form.activity_id.data or []))
    if added or removed:
        flash(_("The results chosen for the programme were saved."), "success")
    return redirect(back(workspace, theme.id))


@bp.post("/w/<slug>/programme/activities/<int:activity_id>/move")
def move_result(slug: str, activity_id: int):
    workspace = load(slug, can_edit_programme)
    activity = curation.get_activity(workspace, activity_id)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    curation.move_result(current_user, activity, form.direction.data, workspace_id=workspace.id)
    return redirect(back(workspace, activity.theme_id))


@bp.post("/w/<slug>/programme/measures/<int:measure_id>/status")
def measure_status(slug: str, measure_id: int):
    workspace = load(slug, can_edit_programme)
    measure = get_measure(workspace, measure_id)
    form = MeasureStatusForm()
    if not form.validate_on_submit():
        flash(_("Choose one of the statuses."), "error")
        return _index(workspace, 422)
    if curation.set_measure_status(current_user, measure, form.status.data, workspace_id=workspace.id):
        flash(_("The measure's status was changed."), "success")
    return redirect(back(workspace, measure.theme_id))


# --- reading -----------------------------------------------------------------------------------


@bp.get("/w/<slug>/programme/preview")
def preview(slug: str):
    workspace = load(slug, can_read_programme)
    lang = language()
    programme = build_programme(workspace, lang)
    # Moderators learn here too that something they chose is left out (the list is on /programme).
    left = len(left_out(workspace)) if can_edit_programme(current_user, workspace) else 0
    return render_template(
        "programme/preview.html",
        workspace=workspace,
        lang=lang,
        left_out_count=left,
        document=render_document(programme),
    )


@bp.post("/w/<slug>/programme/publish")
def publish(slug: str):
    workspace = load(slug, can_edit_programme)
    form = PublishForm()
    if not form.validate_on_submit():
        return _index(workspace, 422, publish_form=form)
    try:
        snapshot = versions.publish(current_user, workspace, form.note.data)
    except versions.Refused:
        form.note.errors = [_("Another version was being published at the same time; try again.")]
        return _index(workspace, 422, publish_form=form)
    flash(_("Version %(number)d of the programme was published.", number=snapshot.version), "success")
    return redirect(url_for("programme.version", slug=workspace.slug, number=snapshot.version))


@bp.get("/w/<slug>/programme/versions")
def version_list(slug: str):
    workspace = load(slug, can_read_programme)
    return render_template(
        "programme/versions.html", workspace=workspace, versions=versions.versions(workspace)
    )


@bp.get("/w/<slug>/programme/versions/<int:number>")
def version(slug: str, number: int):
    workspace = load(slug, can_read_programme)
    snapshot = versions.get_version(workspace, number)
    lang = language()
    programme = versions.in_language(snapshot, lang)
    return render_template(
        "programme/version.html",
        workspace=workspace,
        snapshot=snapshot,
        lang=lang,
        since_left_out=since_left_out(workspace, programme),
        document=render_document(programme),
    )


@bp.get("/w/<slug>/programme/compare")
def compare_versions(slug: str):
    workspace = load(slug, can_read_programme)
    lang = language()
    all_versions = versions.versions(workspace)
    a, b = request.args.get("a"), request.args.get("b")
    diff = old = new = None
    if a or b:
        old_doc, old = _edition(workspace, a, lang)
        new_doc, new = _edition(workspace, b, lang)
        diff = compare(old_doc, new_doc)
    return render_template(
        "programme/compare.html",
        workspace=workspace,
        versions=all_versions,
        lang=lang,
        diff=diff,
        a=a,
        b=b,
        old=old,
        new=new,
    )


def _edition(workspace, value: str | None, lang: str):
    """A version's frozen dict by its number, or the live draft for "draft"; 404 otherwise."""
    if value == "draft":
        return build_programme(workspace, lang), None
    number = parse_id(value)
    if number is None:
        abort(404)
    snapshot = versions.get_version(workspace, number)
    return versions.in_language(snapshot, lang), snapshot
