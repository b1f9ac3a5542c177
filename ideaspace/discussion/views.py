"""Comments: the measure page, and posting, replying, editing, withdrawing and liking comments."""

from urllib.parse import parse_qsl, urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.routing import BuildError

from .. import markdown
from ..ballot import own
from ..ballot import service as ballot
from ..ballot.messages import ballot_message
from ..extensions import htmx, limiter
from ..models import Activity, Idea
from ..permissions import (
    can_comment_on,
    can_edit_comment,
    can_like_comment,
    can_view_activity,
    can_view_idea,
    can_view_workspace,
    can_withdraw_comment,
    membership_of,
    require,
)
from ..web import safe_next
from ..workspaces import service as workspaces
from . import service
from .forms import ActionForm, CommentForm, LikeForm

bp = Blueprint("discussion", __name__)

KIND = "<any(theme,measure,activity,idea):kind>"


# --- loading -----------------------------------------------------------------------------------


def _workspace(slug: str):
    workspace = workspaces.get_workspace(slug)
    require(can_view_workspace(current_user, workspace))
    return workspace


def _require_view_target(workspace, target) -> None:
    if isinstance(target, Activity):
        require(can_view_activity(current_user, target, workspace))
    elif isinstance(target, Idea) and not can_view_idea(current_user, target, workspace):
        abort(404)


def _target(workspace, kind: str, target_id: int):
    target = service.get_target(workspace, kind, target_id)
    _require_view_target(workspace, target)
    return target


def _comment(workspace, comment_id: int):
    comment = service.get_comment(current_user, workspace, comment_id)
    target = service.target_of(workspace, comment)
    _require_view_target(workspace, target)
    return comment, target


def _page_of(workspace, target) -> str:
    """Where a target's discussion is shown, when the form did not say where it came from."""
    if isinstance(target, Activity):
        return url_for("workspaces.theme", slug=workspace.slug, theme_id=target.theme_id)
    kind = service.kind_of(target)
    if kind == "theme":
        return url_for("workspaces.theme", slug=workspace.slug, theme_id=target.id)
    if kind == "measure":
        return url_for("discussion.measure", slug=workspace.slug, measure_id=target.id)
    try:
        return url_for("ideas.idea", slug=workspace.slug, idea_id=target.id)
    except BuildError:
        return url_for("workspaces.workspace", slug=workspace.slug)


def _back(workspace, target, next_url: str | None, anchor: str | None = None) -> str:
    page = safe_next((next_url or "").split("#", 1)[0], _page_of(workspace, target))
    return f"{page}#{anchor}" if anchor else page


def _discussion_url(workspace, target) -> str | None:
    """The discussion's own page, for the threads the theme page shows as previews."""
    kind = service.kind_of(target)
    if kind not in ("theme", "activity"):
        return None  # a measure's and an idea's pages show the whole thread
    return url_for("discussion.show", slug=workspace.slug, kind=kind, target_id=target.id)


def _fragment(workspace, target, next_url, *, status=200, **extra):
    """The thread region for htmx: the comments and forms, and the announcement out of band."""
    # The page of the thread the reader was on travels in the page address they came from; on the
    # theme page (anywhere but the discussion's own page) the thread is a preview, as it was there.
    address = urlsplit(next_url or "")
    asked = service.requested_page(dict(parse_qsl(address.query)))
    page = service.page_for(asked, service.kind_of(target), target.id)
    own_page = _discussion_url(workspace, target)
    preview = own_page is not None and address.path != own_page
    context = {
        "workspace": workspace,
        "thread": service.thread(current_user, workspace, target, page=page, preview=preview),
        "target_kind": service.kind_of(target),
        "target_id": target.id,
        "next_url": _back(workspace, target, next_url),
        **extra,
    }
    return render_template("discussion/_thread_response.html", **context), status


def _done(workspace, target, next_url, message: str, comment=None):
    """After a write: the thread with `message` announced (htmx), else back with it flashed."""
    anchor = f"comment-{comment.id}" if comment is not None else None
    if htmx:
        return _fragment(workspace, target, next_url, focus=anchor, announcement=message)
    flash(message, "success")
    return redirect(_back(workspace, target, next_url, anchor))


def _form_page(workspace, target, form, *, comment=None, status=200):
    """Without JavaScript: a page with just the form (to fix an error, or to edit)."""
    context = {
        "workspace": workspace,
        "target": target,
        "target_kind": service.kind_of(target),
        "form": form,
        "comment": comment,
        "back": _back(workspace, target, form.next.data),
    }
    return render_template("discussion/form.html", **context), status


# --- pages -------------------------------------------------------------------------------------


@bp.get("/w/<slug>/measures/<int:measure_id>")
def measure(slug: str, measure_id: int):
    workspace = _workspace(slug)
    measure = service.get_measure(workspace, measure_id)
    workspaces.record_visit(current_user, workspace, membership_of(current_user, workspace))
    context = {
        "workspace": workspace,
        "measure": measure,
        "theme": measure.theme,
        "thread": service.thread(
            current_user,
            workspace,
            measure,
            page=service.page_for(service.requested_page(request.args), "measure", measure.id),
        ),
    }
    return render_template("discussion/measure.html", **context)


@bp.get(f"/w/<slug>/comments/{KIND}/<int:target_id>")
def show(slug: str, kind: str, target_id: int):
    """The thread region (htmx, e.g. after cancelling an edit); otherwise the discussion's page.

    A theme's and a discussion activity's page holds the whole thread, a page (PAGE_SIZE threads)
    at a time: the theme page shows only the newest and links here. A measure's and an idea's
    thread is whole on their own pages, where this sends the reader."""
    workspace = _workspace(slug)
    target = _target(workspace, kind, target_id)
    if htmx:
        return _fragment(workspace, target, request.args.get("next"), focus=request.args.get("focus"))
    if _discussion_url(workspace, target) is None:
        return redirect(_back(workspace, target, request.args.get("next"), f"thread-{kind}-{target_id}"))
    workspaces.record_visit(current_user, workspace, membership_of(current_user, workspace))
    context = {
        "workspace": workspace,
        "target": target,
        "theme": target if kind == "theme" else target.theme,
        "target_kind": kind,
        "target_id": target.id,
        "thread": service.thread(
            current_user,
            workspace,
            target,
            page=service.page_for(service.requested_page(request.args), kind, target.id),
        ),
    }
    return render_template("discussion/page.html", **context)


# --- writing -----------------------------------------------------------------------------------


@bp.post(f"/w/<slug>/comments/{KIND}/<int:target_id>")
@limiter.limit("30/minute;300/hour")
def create(slug: str, kind: str, target_id: int):
    workspace = _workspace(slug)
    target = _target(workspace, kind, target_id)
    require(can_comment_on(current_user, target, workspace))
    form = CommentForm()
    parent = None
    if form.parent_id.data:
        parent = service.get_parent(current_user, workspace, target, form.parent_id.data)
    if not form.validate_on_submit():
        if htmx:
            state = {
                "parent_id": parent.id if parent else None,
                "body": form.body.data or "",
                "errors": form.body.errors or [_("The form could not be sent. Please try again.")],
            }
            return _fragment(
                workspace, target, form.next.data, status=422, form_state=state, focus="form-error"
            )
        return _form_page(workspace, target, form, status=422)
    comment = service.post_comment(
        current_user,
        workspace,
        target,
        form.body.data,
        membership=membership_of(current_user, workspace),
        parent=parent,
        on_behalf_of_unit=form.on_behalf.data,
    )
    if isinstance(comment, ballot.Pending):
        own.remember(comment)
        return _done(workspace, target, form.next.data, ballot_message(comment))
    return _done(workspace, target, form.next.data, _("Comment published."), comment)


@bp.route("/w/<slug>/comments/<int:comment_id>/edit", methods=["GET", "POST"])
def edit(slug: str, comment_id: int):
    workspace = _workspace(slug)
    comment, target = _comment(workspace, comment_id)
    require(can_edit_comment(current_user, comment) and can_comment_on(current_user, target, workspace))
    if request.method == "GET":
        form = CommentForm(
            formdata=None,
            body=markdown.editable(comment.body_source, comment.body),
            next=request.args.get("next"),
        )
        if htmx:
            state = {"id": comment.id, "body": form.body.data, "errors": []}
            return _fragment(workspace, target, form.next.data, editing=state, focus=f"edit-{comment.id}")
        return _form_page(workspace, target, form, comment=comment)
    form = CommentForm()
    if not form.validate_on_submit():
        if htmx:
            state = {
                "id": comment.id,
                "body": form.body.data or "",
                "errors": form.body.errors or [_("The form could not be sent. Please try again.")],
            }
            return _fragment(
                workspace, target, form.next.data, status=422, editing=state, focus=f"edit-{comment.id}"
            )
        return _form_page(workspace, target, form, comment=comment, status=422)
    service.edit_comment(current_user, comment, form.body.data)
    return _done(workspace, target, form.next.data, _("Comment updated."), comment)


@bp.post("/w/<slug>/comments/<int:comment_id>/withdraw")
def withdraw(slug: str, comment_id: int):
    workspace = _workspace(slug)
    comment, target = _comment(workspace, comment_id)
    require(can_withdraw_comment(current_user, comment))
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    service.withdraw_comment(current_user, comment)
    return _done(workspace, target, form.next.data, _("Comment withdrawn."), comment)


@bp.post("/w/<slug>/comments/<int:comment_id>/like")
@limiter.limit("120/minute")
def like(slug: str, comment_id: int):
    workspace = _workspace(slug)
    comment, target = _comment(workspace, comment_id)
    require(can_like_comment(current_user, comment, target, workspace))
    form = LikeForm()
    if not form.validate_on_submit():
        abort(400)
    liked = service.set_like(current_user, comment, form.liked.data != "0")
    if htmx:
        entry = service.Entry(comment, likes=service.like_count(comment), liked=liked, can_like=True)
        return render_template(
            "discussion/_like.html",
            workspace=workspace,
            entry=entry,
            next_url=_back(workspace, target, form.next.data),
            focus=f"like-{comment.id}",
        )
    return redirect(_back(workspace, target, form.next.data, f"comment-{comment.id}"))
