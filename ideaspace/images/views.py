"""Images: serve a variant to whoever may read what it belongs to; moderators set covers, authors
their idea's picture. Every upload form says what was wrong and saves nothing when it refuses."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from ..extensions import limiter
from ..ideas import service as ideas
from ..permissions import (
    can_change_cover,
    can_change_idea_image,
    can_view_idea,
    can_view_image,
    can_view_workspace,
    require,
)
from ..workspaces import service as workspaces
from . import processing, service
from .forms import IdeaImageForm, cover_form

bp = Blueprint("images", __name__)

# Each variant's URL names bytes that never change (its version is their hash), so a browser keeps
# it a year without asking; `private`: only that person's browser, never a shared cache,
# since who may see an image depends on who asks.
CACHE = "private, max-age=31536000, immutable"


@bp.app_template_global("image_url")
def image_url(image, variant) -> str:
    """A variant's address for templates (the `picture` macro in templates/images/_macros.html)."""
    return service.url(image, variant)


@bp.get("/images/<int:image_id>/<any(small, medium, large):size>/<version>")
def show(image_id: int, size: str, version: str):
    """A variant; `version` is the start of its ETag (`service.version`), so a URL always names the
    same bytes (SQLite may give a replaced image's id to the next one) and may be cached for good."""
    served = service.for_serving(image_id, size)
    if served is None or service.version(served.variant) != version:
        abort(404)
    require(can_view_workspace(current_user, served.workspace))
    if not can_view_image(current_user, served.image, served.workspace, served.idea):
        abort(404)  # as the hidden idea's own page: nothing to see here, not even that it exists
    etag = served.variant.etag
    headers = {
        "ETag": f'"{etag}"',
        "Cache-Control": CACHE,
        # Never a document: even a browser that sniffed would run nothing.
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Content-Disposition": "inline",
    }
    if request.if_none_match.contains(etag):
        return Response(status=304, headers=headers)
    return Response(
        service.variant_bytes(served.variant), mimetype=served.variant.content_type, headers=headers
    )


# --- the upload forms ---------------------------------------------------------------------------


@dataclass
class Target:
    """What an image form is about: the workspace, the thing, its form, where to go back."""

    workspace: object
    obj: object
    form_class: type
    heading: str
    back: str
    action: str
    remove: str


def _target(slug: str, theme_id: int | None = None, idea_id: int | None = None) -> Target:
    """Load the workspace and the thing (404), check the permission (403 or sign-in)."""
    workspace = workspaces.get_workspace(slug)
    lang = workspace.primary_language
    if idea_id is not None:
        idea = ideas.get_idea(workspace, idea_id)
        require(can_view_workspace(current_user, workspace))
        if not can_view_idea(current_user, idea, workspace):
            abort(404)
        require(can_change_idea_image(current_user, idea, workspace))
        args = {"slug": slug, "idea_id": idea.id}
        return Target(
            workspace,
            idea,
            IdeaImageForm,
            _("Picture of your idea"),
            url_for("ideas.idea", **args),
            url_for(".idea_image", **args),
            url_for(".remove_idea_image", **args),
        )
    if theme_id is not None:
        theme = workspaces.get_theme(workspace, theme_id)
        require(can_change_cover(current_user, workspace))
        args = {"slug": slug, "theme_id": theme.id}
        return Target(
            workspace,
            theme,
            cover_form(lang),
            _("Cover image of the theme"),
            url_for("workspaces.manage.theme", **args),
            url_for(".theme_cover", **args),
            url_for(".remove_theme_cover", **args),
        )
    require(can_change_cover(current_user, workspace))
    return Target(
        workspace,
        workspace,
        cover_form(lang),
        _("Cover image of the workspace"),
        url_for("workspaces.manage.settings", slug=slug),
        url_for(".workspace_cover", slug=slug),
        url_for(".remove_workspace_cover", slug=slug),
    )


def _page(target: Target, form, image, status: int = 200):
    return (
        render_template(
            "images/edit.html", target=target, form=form, image=image, workspace=target.workspace
        ),
        status,
    )


def _edit(target: Target):
    image = service.image_of(target.obj)
    if request.method == "GET":
        data = {"alt": image.alt if image else {}} if target.form_class is not IdeaImageForm else {}
        if image is not None and target.form_class is IdeaImageForm:
            data["alt"] = next(iter(image.alt.values()), "")
        return _page(target, target.form_class(data=data), image)
    form = target.form_class()
    if form.validate_on_submit():
        upload = form.image.data
        data = upload.read(processing.MAX_BYTES + 1) if upload is not None else None
        try:
            service.set_image(
                current_user,
                target.obj,
                data=data,
                alt=form.alt_value(),
                primary=target.workspace.primary_language,
            )
        except service.ImageError as error:
            field = form.alt if error.field == "alt" else form.image
            field.errors = [*field.errors, error.message]
        else:
            flash(_("The picture was saved."), "success")
            return redirect(target.back)
    return _page(target, form, image, 422)


_LIMIT = "20/minute;100/hour"


@bp.route("/w/<slug>/manage/cover", methods=["GET", "POST"])
@limiter.limit(_LIMIT, methods=["POST"])
def workspace_cover(slug: str):
    return _edit(_target(slug))


@bp.route("/w/<slug>/manage/themes/<int:theme_id>/cover", methods=["GET", "POST"])
@limiter.limit(_LIMIT, methods=["POST"])
def theme_cover(slug: str, theme_id: int):
    return _edit(_target(slug, theme_id=theme_id))


@bp.route("/w/<slug>/ideas/<int:idea_id>/image", methods=["GET", "POST"])
@limiter.limit(_LIMIT, methods=["POST"])
def idea_image(slug: str, idea_id: int):
    return _edit(_target(slug, idea_id=idea_id))


def _remove(target: Target):
    if service.remove_image(current_user, target.obj):
        flash(_("The picture was removed."), "success")
    return redirect(target.back)


@bp.post("/w/<slug>/manage/cover/remove")
def remove_workspace_cover(slug: str):
    return _remove(_target(slug))


@bp.post("/w/<slug>/manage/themes/<int:theme_id>/cover/remove")
def remove_theme_cover(slug: str, theme_id: int):
    return _remove(_target(slug, theme_id=theme_id))


@bp.post("/w/<slug>/ideas/<int:idea_id>/image/remove")
def remove_idea_image(slug: str, idea_id: int):
    return _remove(_target(slug, idea_id=idea_id))


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error):
    """A file over the request limit (5 MB): the form again with its error, for whoever may use it;
    its body was never read, so nothing is saved (CSRF was not checked either: this only renders)."""
    forms = {"images.workspace_cover", "images.theme_cover", "images.idea_image"}
    if request.endpoint in forms:
        try:
            target = _target(**(request.view_args or {}))
        except HTTPException:  # not found, not allowed, not signed in: the generic page
            return render_template("errors/error.html", code=413, error=error), 413
        form = target.form_class(formdata=None)
        form.image.errors = [
            _("The image is too large: at most %(mb)d MB.", mb=processing.MAX_BYTES // (1024 * 1024))
        ]
        return _page(target, form, service.image_of(target.obj), 413)
    return render_template("errors/error.html", code=413, error=error), 413
