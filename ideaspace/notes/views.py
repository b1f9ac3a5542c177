"""Notes walls: the wall page, posting a note, and moderators' grouping of notes."""

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..ballot import own
from ..ballot import service as ballot
from ..ballot.messages import ballot_message
from ..extensions import htmx, limiter
from ..inputs import page_number
from ..permissions import (
    can_moderate,
    can_post_in,
    can_view_activity,
    can_view_workspace,
    membership_of,
    require,
)
from ..text.similar import similar_notes
from ..web import safe_next
from ..workspaces import service as workspaces
from . import service
from .forms import AssignForm, GroupForm, NoteForm

bp = Blueprint("notes", __name__)


def _load(slug: str, activity_id: int):
    workspace = workspaces.get_workspace(slug)
    require(can_view_workspace(current_user, workspace))
    activity = service.get_activity(workspace, activity_id)
    require(can_view_activity(current_user, activity, workspace))
    return workspace, activity


def _theme_page(workspace, activity) -> str:
    return url_for("workspaces.theme", slug=workspace.slug, theme_id=activity.theme_id)


def _wall_page(workspace, activity, *, status=200, note_form=None, group_form=None, focus=None):
    context = {
        "workspace": workspace,
        "activity": activity,
        "theme": activity.theme,
        "wall": service.wall(current_user, workspace, activity, page=page_number(request.args.get("page"))),
        "note_form": note_form,
        "group_form": group_form or GroupForm(formdata=None),
        "focus": focus,
        "next_url": safe_next(
            (request.form.get("next") or "").split("#", 1)[0],
            url_for("notes.wall", slug=workspace.slug, activity_id=activity.id),
        ),
    }
    return render_template("notes/wall.html", **context), status


@bp.get("/w/<slug>/activities/<int:activity_id>/notes")
def wall(slug: str, activity_id: int):
    workspace, activity = _load(slug, activity_id)
    return _wall_page(workspace, activity)


@bp.post("/w/<slug>/activities/<int:activity_id>/notes")
@limiter.limit("30/minute;300/hour")
def post(slug: str, activity_id: int):
    workspace, activity = _load(slug, activity_id)
    require(can_post_in(current_user, activity, workspace))
    form = NoteForm()
    back = safe_next((form.next.data or "").split("#", 1)[0], _theme_page(workspace, activity))
    if not form.validate_on_submit():
        if htmx:
            state = {
                "text": form.text.data or "",
                "errors": form.text.errors or [_("The form could not be sent. Please try again.")],
            }
            return _fragment(workspace, activity, back, status=422, form_state=state)
        return _wall_page(workspace, activity, status=422, note_form=form)
    note = service.post_note(
        current_user, workspace, activity, form.text.data, membership=membership_of(current_user, workspace)
    )
    if isinstance(note, ballot.Pending):
        own.remember(note)
        message = ballot_message(note)
        if htmx:
            return _fragment(workspace, activity, back, announcement=message)
        flash(message, "success")
        return redirect(back)
    if htmx:
        return _fragment(workspace, activity, back, focus=f"note-{note.id}", announcement=_("Note posted."))
    flash(_("Note posted."), "success")
    return redirect(f"{back}#note-{note.id}")


@bp.post("/w/<slug>/activities/<int:activity_id>/notes/similar")
@limiter.limit("120/minute")
def similar(slug: str, activity_id: int):
    """Notes of this wall like the one being typed (htmx, after a pause): "already said" hints."""
    workspace, activity = _load(slug, activity_id)
    require(can_post_in(current_user, activity, workspace))
    if not htmx:
        return redirect(url_for(".wall", slug=slug, activity_id=activity.id))
    text = (request.form.get("text") or "")[: service.MAX_LENGTH]
    hints = similar_notes(workspace, activity, text) if len(text.strip()) >= 3 else []
    return render_template("notes/_similar.html", hints=hints)


def _fragment(workspace, activity, next_url, *, status=200, **extra):
    # Anywhere but the wall's own page (the theme page) the wall is a preview, as it was there.
    preview = urlsplit(next_url).path != url_for("notes.wall", slug=workspace.slug, activity_id=activity.id)
    context = {
        "workspace": workspace,
        "activity": activity,
        "wall": service.wall(current_user, workspace, activity, preview=preview),
        "next_url": next_url,
        **extra,
    }
    return render_template("notes/_wall_response.html", **context), status


@bp.post("/w/<slug>/activities/<int:activity_id>/notes/groups")
def create_group(slug: str, activity_id: int):
    workspace, activity = _load(slug, activity_id)
    require(can_moderate(current_user, workspace))
    form = GroupForm()
    if not form.validate_on_submit():
        return _wall_page(workspace, activity, status=422, group_form=form)
    group = service.create_group(current_user, workspace, activity, form.label.data)
    flash(_("Group “%(label)s” created.", label=group.label), "success")
    return redirect(url_for("notes.wall", slug=workspace.slug, activity_id=activity.id, _anchor="groups"))


@bp.post("/w/<slug>/notes/<int:note_id>/group")
def assign(slug: str, note_id: int):
    workspace = workspaces.get_workspace(slug)
    require(can_view_workspace(current_user, workspace))
    note = service.get_note(workspace, note_id)
    require(can_moderate(current_user, workspace))
    activity = service.get_activity(workspace, note.activity_id)
    form = AssignForm()
    if not form.validate_on_submit():
        abort(400)
    group = None
    if form.group_id.data is not None:
        group = service.get_group(activity, form.group_id.data)
        if group is None:
            abort(404)
    service.assign_note(current_user, workspace, note, group)
    flash(_("The note was moved."), "success")
    return redirect(
        url_for("notes.wall", slug=workspace.slug, activity_id=activity.id, _anchor=f"note-{note.id}")
    )
