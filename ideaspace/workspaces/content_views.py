"""Moderators' pages for a theme's content: measures, indicators, activities and their options.

Routes of the `workspaces.manage` blueprint; each loads by workspace (404), then checks moderation (403).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import markdown
from ..extensions import db, htmx
from ..models import Activity, Indicator, Measure, Theme
from ..permissions import can_moderate, require
from . import activities, manage, measures, service
from .activity_forms import activity_form
from .forms import indicator_form, measure_form
from .manage_views import (
    _theme_context,
    attempt,
    bp,
    move_direction,
    moved_context,
    refused,
    reorder_response,
)


def _moderated(slug: str, get, item_id: int):
    """The workspace and its item (404 when either is not there) that only its moderators change."""
    workspace = service.get_workspace(slug)
    item = get(workspace, item_id)
    require(can_moderate(current_user, workspace))
    return workspace, item


def theme_url(workspace, theme_id: int, anchor: str = "") -> str:
    return url_for("workspaces.manage.theme", slug=workspace.slug, theme_id=theme_id) + anchor


def _move(slug: str, get, item_id: int, name_of):
    """Move a measure, indicator or activity up or down among its siblings."""
    workspace, item = _moderated(slug, get, item_id)
    direction = move_direction()
    manage.move(current_user, item, direction, workspace_id=workspace.id)
    return _moved(workspace, _theme_id(item), item, direction, name_of(item))


def _delete(slug: str, get, item_id: int, delete, *, anchor: str, done: str, back):
    """Delete a measure, indicator or activity; refused, back to it (`anchor`) with the reason;
    deleted, the message `done` and back to `back(item)`, an anchor on its theme page."""
    workspace, item = _moderated(slug, get, item_id)
    theme_id, back_to = _theme_id(item), back(item)
    try:
        delete(current_user, workspace, item)
    except manage.Refused as error:
        return refused(error, theme_url(workspace, theme_id, anchor))
    flash(done, "success")
    return redirect(theme_url(workspace, theme_id, back_to))


def _theme_id(item: Activity | Indicator | Measure) -> int:
    return item.measure.theme_id if isinstance(item, Indicator) else item.theme_id  # the measure's theme


def _moved(workspace, theme_id: int, obj, direction: str, name: dict):
    """After a move: the theme's lists as a fragment for htmx, else back to the page."""
    anchor = f"#{type(obj).__tablename__}-{obj.id}"
    if htmx:
        moved = moved_context(obj, direction, name, workspace.primary_language)
        db.session.flush()
        db.session.expire_all()  # the lists were loaded in their old order
        theme = service.get_theme(workspace, theme_id)
        context = _theme_context(workspace, theme, **moved)
        template = "_activities.html" if type(obj).__tablename__ == "activity" else "_measures.html"
        return render_template(f"workspaces/manage/{template}", **context)
    return redirect(theme_url(workspace, theme_id, anchor))


def _reorder(slug: str, theme_id: int, model, name_of, anchor: str):
    """Save the order of a theme's measures or activities dragged into place."""
    workspace, theme = _moderated(slug, service.get_theme, theme_id)

    def context_of(**extra):
        db.session.flush()
        db.session.expire_all()  # the theme's lists were loaded in their old order
        return _theme_context(workspace, service.get_theme(workspace, theme_id), **extra)

    fragment = "_activities.html" if model is Activity else "_measures.html"
    return reorder_response(
        workspace,
        model,
        theme,
        name_of=name_of,
        fragment=f"workspaces/manage/{fragment}",
        page="workspaces/manage/theme.html",
        context_of=context_of,
        back=theme_url(workspace, theme_id, anchor),
    )


@bp.post("/w/<slug>/manage/themes/<int:theme_id>/measures/reorder")
def reorder_measures(slug: str, theme_id: int):
    return _reorder(slug, theme_id, Measure, lambda measure: measure.text, "#measures-heading")


@bp.post("/w/<slug>/manage/themes/<int:theme_id>/activities/reorder")
def reorder_activities(slug: str, theme_id: int):
    return _reorder(slug, theme_id, Activity, lambda activity: activity.title, "#activities-heading")


def _form_page(template: str, form, **context):
    status = 422 if form.has_errors else 200
    return render_template(template, form=form, **context), status


# --- measures ----------------------------------------------------------------------------------


@bp.route("/w/<slug>/manage/themes/<int:theme_id>/measures/new", methods=["GET", "POST"])
def new_measure(slug: str, theme_id: int):
    workspace, theme = _moderated(slug, service.get_theme, theme_id)
    form = measure_form(workspace.primary_language)()
    if form.validate_on_submit() and (
        measure := attempt(form, measures.create_measure, current_user, theme, **form.values())
    ):
        flash(_("The measure was added."), "success")
        return redirect(theme_url(workspace, theme.id, f"#measure-{measure.id}"))
    return _form_page(
        "workspaces/manage/measure_form.html", form, workspace=workspace, theme=theme, measure=None
    )


@bp.route("/w/<slug>/manage/measures/<int:measure_id>/edit", methods=["GET", "POST"])
def edit_measure(slug: str, measure_id: int):
    workspace, measure = _moderated(slug, measures.get_measure, measure_id)
    data = {name: getattr(measure, name) for name in measures.MEASURE_TEXTS}
    form = measure_form(workspace.primary_language)(data={**data, "status": measure.status.value})
    if form.validate_on_submit() and (
        attempt(
            form, measures.update_measure, current_user, measure, workspace_id=workspace.id, **form.values()
        )
        is not None
    ):
        flash(_("The measure was saved."), "success")
        return redirect(theme_url(workspace, measure.theme_id, f"#measure-{measure.id}"))
    theme = db.session.get(Theme, measure.theme_id)
    return _form_page(
        "workspaces/manage/measure_form.html", form, workspace=workspace, theme=theme, measure=measure
    )


@bp.post("/w/<slug>/manage/measures/<int:measure_id>/move")
def move_measure(slug: str, measure_id: int):
    return _move(slug, measures.get_measure, measure_id, lambda measure: measure.text)


@bp.post("/w/<slug>/manage/measures/<int:measure_id>/delete")
def delete_measure(slug: str, measure_id: int):
    return _delete(
        slug,
        measures.get_measure,
        measure_id,
        lambda user, workspace, measure: measures.delete_measure(user, measure, workspace_id=workspace.id),
        anchor=f"#measure-{measure_id}",
        done=_("The measure was deleted."),
        back=lambda measure: "#measures-heading",
    )


# --- indicators --------------------------------------------------------------------------------


@bp.route("/w/<slug>/manage/measures/<int:measure_id>/indicators/new", methods=["GET", "POST"])
def new_indicator(slug: str, measure_id: int):
    workspace, measure = _moderated(slug, measures.get_measure, measure_id)
    form = indicator_form(workspace.primary_language)()
    if form.validate_on_submit() and (
        indicator := attempt(
            form, measures.create_indicator, current_user, measure, workspace_id=workspace.id, **form.values()
        )
    ):
        flash(_("The indicator was added."), "success")
        return redirect(theme_url(workspace, measure.theme_id, f"#indicator-{indicator.id}"))
    theme = db.session.get(Theme, measure.theme_id)
    return _form_page(
        "workspaces/manage/indicator_form.html",
        form,
        workspace=workspace,
        theme=theme,
        measure=measure,
        indicator=None,
    )


@bp.route("/w/<slug>/manage/indicators/<int:indicator_id>/edit", methods=["GET", "POST"])
def edit_indicator(slug: str, indicator_id: int):
    workspace, indicator = _moderated(slug, measures.get_indicator, indicator_id)
    data = {name: getattr(indicator, name) for name in measures.INDICATOR_TEXTS}
    data.update(
        baseline_year=indicator.baseline_year,
        baseline_value=indicator.baseline_value,
        comparator=indicator.comparator.value,
        target_value=indicator.target_value,
    )
    form = indicator_form(workspace.primary_language)(data=data)
    measure = indicator.measure
    if form.validate_on_submit() and (
        attempt(
            form,
            measures.update_indicator,
            current_user,
            indicator,
            workspace_id=workspace.id,
            **form.values(),
        )
        is not None
    ):
        flash(_("The indicator was saved."), "success")
        return redirect(theme_url(workspace, measure.theme_id, f"#indicator-{indicator.id}"))
    theme = db.session.get(Theme, measure.theme_id)
    return _form_page(
        "workspaces/manage/indicator_form.html",
        form,
        workspace=workspace,
        theme=theme,
        measure=measure,
        indicator=indicator,
    )


@bp.post("/w/<slug>/manage/indicators/<int:indicator_id>/move")
def move_indicator(slug: str, indicator_id: int):
    return _move(slug, measures.get_indicator, indicator_id, lambda indicator: indicator.description)


@bp.post("/w/<slug>/manage/indicators/<int:indicator_id>/delete")
def delete_indicator(slug: str, indicator_id: int):
    return _delete(
        slug,
        measures.get_indicator,
        indicator_id,
        lambda user, workspace, indicator: measures.delete_indicator(
            user, indicator, workspace_id=workspace.id
        ),
        anchor=f"#indicator-{indicator_id}",
        done=_("The indicator was deleted."),
        back=lambda indicator: f"#measure-{indicator.measure_id}",
    )


# --- activities --------------------------------------------------------------------------------


def _activity_page(form, status: int, **context):
    return render_template("workspaces/manage/activity_form.html", form=form, **context), status


@bp.route("/w/<slug>/manage/themes/<int:theme_id>/activities/new", methods=["GET", "POST"])
def new_activity(slug: str, theme_id: int):
    workspace, theme = _moderated(slug, service.get_theme, theme_id)
    form = activity_form(workspace.primary_language)(measure_choices=activities.measure_choices(workspace))
    context = {"workspace": workspace, "theme": theme, "activity": None, "locked": False, "answered": set()}
    if request.method == "GET":
        form.add_blank_rows(4)
    elif "add_option" in request.form:
        form.add_blank_rows()
        return _activity_page(form, 200, **context)
    elif form.validate_on_submit():
        try:
            activity = activities.create_activity(current_user, workspace, theme, **form.values())
        except manage.Refused as error:
            form.form_errors.append(str(error))
        else:
            flash(_("The activity was added."), "success")
            return redirect(theme_url(workspace, theme.id, f"#activity-{activity.id}"))
    return _activity_page(form, 422 if form.has_errors else 200, **context)


@bp.route("/w/<slug>/manage/activities/<int:activity_id>/edit", methods=["GET", "POST"])
def edit_activity(slug: str, activity_id: int):
    workspace, activity = _moderated(slug, activities.get_activity, activity_id)
    form_class = activity_form(workspace.primary_language)
    contents = activities.activity_contents(activity)
    context = {
        "workspace": workspace,
        "theme": db.session.get(Theme, activity.theme_id),
        "activity": activity,
        "locked": any(contents.values()),
        "answered": activities.answered_option_ids(activity),
    }
    choices = activities.measure_choices(workspace)
    if request.method == "GET":
        form = form_class(data=_activity_data(activity), measure_choices=choices)
        form.add_blank_rows()
        return _activity_page(form, 200, **context)
    form = form_class(measure_choices=choices)
    if not form.submitted_option_ids() <= {option.id for option in activity.options}:
        abort(404)  # an option id of another activity
    if "add_option" in request.form:
        form.add_blank_rows()
        return _activity_page(form, 200, **context)
    if form.validate_on_submit():
        try:
            activities.update_activity(current_user, workspace, activity, **form.values())
        except manage.Refused as error:
            form.form_errors.append(str(error))
        else:
            flash(_("The activity was saved."), "success")
            return redirect(theme_url(workspace, activity.theme_id, f"#activity-{activity.id}"))
    return _activity_page(form, 422 if form.has_errors else 200, **context)


def _activity_data(activity) -> dict:
    return {
        "kind": activity.kind.value,
        "title": activity.title,
        "prompt": markdown.editable_localized(activity.prompt_source, activity.prompt),
        "status": activity.status.value,
        "is_anonymous": activity.is_anonymous,
        "results_visibility": activity.results_visibility.value,
        "answers_changeable": activity.answers_changeable,
        "max_selections": activity.max_selections,
        "options": [
            {"id": str(option.id), "label": option.label, "measure_id": option.measure_id}
            for option in activity.options
        ],
    }


@bp.post("/w/<slug>/manage/activities/<int:activity_id>/move")
def move_activity(slug: str, activity_id: int):
    return _move(slug, activities.get_activity, activity_id, lambda activity: activity.title)


@bp.post("/w/<slug>/manage/activities/<int:activity_id>/delete")
def delete_activity(slug: str, activity_id: int):
    return _delete(
        slug,
        activities.get_activity,
        activity_id,
        activities.delete_activity,
        anchor=f"#activity-{activity_id}",
        done=_("The activity was deleted."),
        back=lambda activity: "#activities-heading",
    )
