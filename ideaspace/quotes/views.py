"""Moderators pick quotes from comments, notes and ideas, and edit, order and remove them."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..i18n import localize
from ..inputs import parse_id
from ..permissions import can_pick_quote, require
from ..workspaces.forms import MoveForm
from ..workspaces.manage import themes_of
from ..workspaces.service import get_workspace
from . import service
from .forms import EditQuoteForm, QuoteForm

bp = Blueprint("quotes", __name__)


def load(slug: str):
    workspace = get_workspace(slug)
    require(can_pick_quote(current_user, workspace))
    return workspace


def programme_url(workspace, quote=None) -> str:
    return url_for("programme.index", slug=workspace.slug, _anchor=f"quote-{quote.id}" if quote else None)


def _refused(form, error: service.Refused) -> None:
    target = getattr(form, error.field, None) if error.field else None
    if target is not None:
        target.errors = [*target.errors, str(error)]
    else:
        form.form_errors.append(str(error))


@bp.route("/w/<slug>/quotes/new", methods=["GET", "POST"])
def pick(slug: str):
    workspace = load(slug)
    kind = request.values.get("source", "")
    source_id = parse_id(request.values.get("id", ""))
    if source_id is None:
        abort(404)
    source = service.get_source(workspace, kind, source_id)
    form = QuoteForm()
    form.theme_id.choices = [
        (t.id, localize(t.title, workspace.primary_language)) for t in themes_of(workspace)
    ]
    if request.method == "GET":
        form.excerpt.data = source.text
        form.language.data = workspace.primary_language
        if source.theme_id:
            form.theme_id.data = source.theme_id
    if form.validate_on_submit():
        try:
            quote = service.pick(
                current_user,
                workspace,
                source,
                theme_id=form.theme_id.data,
                excerpt=form.excerpt.data,
                attribution=form.attribution.data,
                language=form.language.data,
            )
        except service.Refused as error:
            _refused(form, error)
        else:
            flash(_("The quote was added to the programme."), "success")
            return redirect(programme_url(workspace, quote))
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        "quotes/form.html", workspace=workspace, form=form, source=source, quote=None
    ), status


@bp.route("/w/<slug>/quotes/<int:quote_id>/edit", methods=["GET", "POST"])
def edit(slug: str, quote_id: int):
    workspace = load(slug)
    quote = service.get_quote(workspace, quote_id)
    source = service.source_of(quote)
    form = EditQuoteForm(obj=quote)
    if request.method == "GET":
        form.attribution.data = quote.attribution.value
    if form.validate_on_submit():
        try:
            service.update(
                current_user,
                quote,
                excerpt=form.excerpt.data,
                attribution=form.attribution.data,
                language=form.language.data,
            )
        except service.Refused as error:
            _refused(form, error)
        else:
            flash(_("The quote was saved."), "success")
            return redirect(programme_url(workspace, quote))
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        "quotes/form.html", workspace=workspace, form=form, source=source, quote=quote
    ), status


@bp.post("/w/<slug>/quotes/<int:quote_id>/move")
def move(slug: str, quote_id: int):
    workspace = load(slug)
    quote = service.get_quote(workspace, quote_id)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    service.move(current_user, quote, form.direction.data)
    return redirect(programme_url(workspace, quote))


@bp.post("/w/<slug>/quotes/<int:quote_id>/remove")
def remove(slug: str, quote_id: int):
    workspace = load(slug)
    quote = service.get_quote(workspace, quote_id)
    theme_id = quote.theme_id
    service.remove(current_user, quote)
    flash(_("The quote was removed from the programme. What the person wrote stays where it was."), "success")
    return redirect(url_for("programme.index", slug=workspace.slug, _anchor=f"theme-{theme_id}"))
