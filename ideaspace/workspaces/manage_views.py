"""Moderators' pages: create a workspace, its settings and moderators, its themes and their order.

Registered under the workspaces blueprint (endpoints `workspaces.manage.*`).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import markdown
from ..extensions import db, htmx
from ..i18n import localize
from ..models import Theme, User
from ..permissions import can_create_workspace, can_moderate, require
from . import activities, manage, service
from .forms import ModeratorForm, MoveForm, submitted_language, theme_form, workspace_form

bp = Blueprint("manage", __name__)


def load(slug: str):
    """The workspace, 404 if none; 403 (or sign-in) unless the user moderates it."""
    workspace = service.get_workspace(slug)
    require(can_moderate(current_user, workspace))
    return workspace


def invalid(template: str, **context):
    """Re-render a form with its errors: 422, and the request saves nothing."""
    return render_template(template, **context), 422


def attempt(form, operation, *args, **kwargs):
    """Run a service operation; a refusal becomes an error of the form (shown with a 422)."""
    try:
        return operation(*args, **kwargs)
    except manage.Refused as error:
        form.form_errors.append(str(error))
        return None


def refused(error: manage.Refused, target: str):
    """Say why an operation was refused and go back; nothing was changed."""
    flash(str(error), "error")
    return redirect(target)


def move_direction() -> str:
    form = MoveForm()
    if not form.validate():
        abort(400)
    return form.direction.data


def moved_context(obj, direction: str, name: dict, language: str) -> dict:
    """What an htmx fragment needs after a move: which button keeps focus, and what to announce."""
    items = manage.siblings(obj)
    return {
        "moved": (type(obj).__tablename__, obj.id, direction),
        "moved_message": _(
            "“%(name)s” is now %(position)d of %(count)d.",
            name=localize(name, language),
            position=items.index(obj) + 1,
            count=len(items),
        ),
    }


def reorder_response(workspace, model, parent, *, name_of, fragment: str, page: str, context_of, back: str):
    """Save an order dragged into place (every id of the list once, posted as `order`, the dragged
    item as `moved`). htmx gets the list as saved and the new position for the live region; without
    htmx, the page. A list that changed meanwhile or ids from elsewhere: 422, nothing saved."""
    try:
        ids = manage.parse_order(request.form.getlist("order"))
        ordered = manage.reorder(current_user, model, parent, ids, workspace_id=workspace.id)
    except manage.Refused as error:
        if htmx:
            return render_template(fragment, **context_of(moved_message=str(error))), 422
        flash(str(error), "error")
        return render_template(page, **context_of()), 422
    moved = next((item for item in ordered if str(item.id) == request.form.get("moved", "")), None)
    if moved is None:
        message = _("The new order was saved.")
    else:
        message = _(
            "“%(name)s” is now %(position)d of %(count)d.",
            name=localize(name_of(moved), workspace.primary_language),
            position=ordered.index(moved) + 1,
            count=len(ordered),
        )
    if htmx:
        return render_template(fragment, **context_of(moved_message=message))
    flash(message, "success")
    return redirect(back)


def settings_url(workspace) -> str:
    return url_for("workspaces.manage.settings", slug=workspace.slug)


# --- workspaces --------------------------------------------------------------------------------


@bp.route("/workspaces/new", methods=["GET", "POST"])
def new_workspace():
    require(can_create_workspace(current_user))
    form = workspace_form(submitted_language(request.form, "fi"))()
    if form.validate_on_submit():
        try:
            workspace = manage.create_workspace(current_user, **form.values())
        except manage.Refused as error:
            form.form_errors.append(str(error))
        else:
            flash(_("The workspace was created. Add its themes next."), "success")
            return redirect(settings_url(workspace))
    if form.has_errors:
        return invalid("workspaces/manage/workspace_form.html", form=form, workspace=None)
    return render_template("workspaces/manage/workspace_form.html", form=form, workspace=None)


@bp.get("/w/<slug>/manage/")
def settings(slug: str):
    workspace = load(slug)
    return render_template("workspaces/manage/settings.html", **_settings_context(workspace))


def _settings_context(workspace, moderator_form=None, **extra):
    candidates = manage.moderator_candidates(workspace)
    if moderator_form is None:
        moderator_form = ModeratorForm(formdata=None)
    moderator_form.user_id.choices = [(u.id, f"{u.name} ({u.email})") for u in candidates]
    return {
        "workspace": workspace,
        "themes": manage.themes_of(workspace),
        "moderators": manage.moderators(workspace),
        "moderator_form": moderator_form,
        **extra,
    }


@bp.route("/w/<slug>/manage/edit", methods=["GET", "POST"])
def edit_workspace(slug: str):
    workspace = load(slug)
    form_class = workspace_form(submitted_language(request.form, workspace.primary_language))
    form = form_class(obj=workspace, workspace_id=workspace.id)
    if request.method == "GET":
        form.status.data = workspace.status.value
        form.access.data = workspace.access.value
    if form.validate_on_submit():
        try:
            manage.update_workspace(current_user, workspace, **form.values())
        except manage.Refused as error:
            form.form_errors.append(str(error))
        else:
            flash(_("The workspace settings were saved."), "success")
            return redirect(settings_url(workspace))
    context = {"form": form, "workspace": workspace}
    if form.has_errors:
        return invalid("workspaces/manage/workspace_form.html", **context)
    return render_template("workspaces/manage/workspace_form.html", **context)


@bp.post("/w/<slug>/manage/moderators")
def add_moderator(slug: str):
    workspace = load(slug)
    form = ModeratorForm()
    form.user_id.choices = [(u.id, u.name) for u in manage.moderator_candidates(workspace)]
    if not form.validate():
        return invalid("workspaces/manage/settings.html", **_settings_context(workspace, form))
    user = db.session.get(User, form.user_id.data)
    try:
        manage.add_moderator(current_user, workspace, user)
    except manage.Refused as error:
        return refused(error, settings_url(workspace))
    flash(_("%(name)s now moderates this workspace.", name=user.name), "success")
    return redirect(settings_url(workspace) + "#moderators")


@bp.post("/w/<slug>/manage/moderators/<int:user_id>/remove")
def remove_moderator(slug: str, user_id: int):
    workspace = load(slug)
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    try:
        manage.remove_moderator(current_user, workspace, user)
    except manage.Refused as error:
        return refused(error, settings_url(workspace) + "#moderators")
    flash(_("%(name)s no longer moderates this workspace.", name=user.name), "success")
    return redirect(settings_url(workspace) + "#moderators")


# --- themes ------------------------------------------------------------------------------------


@bp.route("/w/<slug>/manage/themes/new", methods=["GET", "POST"])
def new_theme(slug: str):
    workspace = load(slug)
    form = theme_form(workspace.primary_language)()
    if form.validate_on_submit() and (
        theme := attempt(form, manage.create_theme, current_user, workspace, **form.values())
    ):
        flash(_("The theme was added."), "success")
        return redirect(url_for("workspaces.manage.theme", slug=slug, theme_id=theme.id))
    context = {"form": form, "workspace": workspace, "theme": None}
    if form.has_errors:
        return invalid("workspaces/manage/theme_form.html", **context)
    return render_template("workspaces/manage/theme_form.html", **context)


@bp.get("/w/<slug>/manage/themes/<int:theme_id>/")
def theme(slug: str, theme_id: int):
    workspace = service.get_workspace(slug)
    theme = service.get_theme(workspace, theme_id)
    require(can_moderate(current_user, workspace))
    return render_template("workspaces/manage/theme.html", **_theme_context(workspace, theme))


def _theme_context(workspace, theme, **extra):
    return {
        "workspace": workspace,
        "theme": theme,
        "contents": activities.contents_by_activity([a.id for a in theme.activities]),
        **extra,
    }


@bp.route("/w/<slug>/manage/themes/<int:theme_id>/edit", methods=["GET", "POST"])
def edit_theme(slug: str, theme_id: int):
    workspace = service.get_workspace(slug)
    theme = service.get_theme(workspace, theme_id)
    require(can_moderate(current_user, workspace))
    form = theme_form(workspace.primary_language)(
        data={
            "title": theme.title,
            "introduction": markdown.editable_localized(theme.introduction_source, theme.introduction),
        }
    )
    if (
        form.validate_on_submit()
        and attempt(form, manage.update_theme, current_user, theme, **form.values()) is not None
    ):
        flash(_("The theme was saved."), "success")
        return redirect(url_for("workspaces.manage.theme", slug=slug, theme_id=theme.id))
    context = {"form": form, "workspace": workspace, "theme": theme}
    if form.has_errors:
        return invalid("workspaces/manage/theme_form.html", **context)
    return render_template("workspaces/manage/theme_form.html", **context)


@bp.post("/w/<slug>/manage/themes/<int:theme_id>/move")
def move_theme(slug: str, theme_id: int):
    workspace = service.get_workspace(slug)
    theme = service.get_theme(workspace, theme_id)
    require(can_moderate(current_user, workspace))
    direction = move_direction()
    manage.move(current_user, theme, direction, workspace_id=workspace.id)
    if htmx:
        moved = moved_context(theme, direction, theme.title, workspace.primary_language)
        context = _settings_context(workspace, **moved)
        return render_template("workspaces/manage/_themes.html", **context)
    return redirect(settings_url(workspace) + f"#theme-{theme.id}")


@bp.post("/w/<slug>/manage/themes/reorder")
def reorder_themes(slug: str):
    workspace = load(slug)
    return reorder_response(
        workspace,
        Theme,
        workspace,
        name_of=lambda theme: theme.title,
        fragment="workspaces/manage/_themes.html",
        page="workspaces/manage/settings.html",
        context_of=lambda **extra: _settings_context(workspace, **extra),
        back=settings_url(workspace) + "#themes-heading",
    )


@bp.post("/w/<slug>/manage/themes/<int:theme_id>/delete")
def delete_theme(slug: str, theme_id: int):
    workspace = service.get_workspace(slug)
    theme = service.get_theme(workspace, theme_id)
    require(can_moderate(current_user, workspace))
    try:
        manage.delete_theme(current_user, theme)
    except manage.Refused as error:
        return refused(error, settings_url(workspace) + f"#theme-{theme.id}")
    flash(_("The theme was deleted."), "success")
    return redirect(settings_url(workspace))


# Copying a workspace as a template (its routes join this blueprint).
from . import copying_views  # noqa: E402,F401
