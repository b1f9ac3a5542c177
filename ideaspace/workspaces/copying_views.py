"""Copy a workspace as a template (its structure only): the form and the route.

Registered on the `workspaces.manage` blueprint (endpoint `workspaces.manage.copy_workspace`).
"""

from __future__ import annotations

from functools import cache

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import StringField
from wtforms.validators import InputRequired, Length, ValidationError

from ..forms import localized_field, localized_value
from ..permissions import can_copy_workspace, require
from . import copying, manage, service
from .forms import SLUG, ManageForm, _clean_slug
from .manage_views import bp


@cache
def copy_form(primary: str) -> type[ManageForm]:
    class CopyForm(ManageForm):
        slug = StringField(
            _l("Address (slug)"),
            filters=[_clean_slug],
            validators=[InputRequired(_l("Write an address.")), Length(max=80)],
        )
        title = localized_field(_l("Title"), max_length=200, primary=primary)

        def validate_slug(self, field):
            if not SLUG.match(field.data or ""):
                raise ValidationError(
                    _l("Use only lowercase letters a–z, digits and hyphens, such as hr-programme-2025.")
                )
            if manage.slug_taken(field.data):
                raise ValidationError(_l("Another workspace already uses this address."))

    return CopyForm


@bp.route("/w/<slug>/manage/copy", methods=["GET", "POST"])
def copy_workspace(slug: str):
    source = service.get_workspace(slug)
    require(can_copy_workspace(current_user, source))
    form = copy_form(source.primary_language)(data={"title": dict(source.title or {})})
    if form.validate_on_submit():
        try:
            copied = copying.copy_workspace(
                current_user, source, slug=form.slug.data, title=localized_value(form.title.data)
            )
        except manage.Refused as error:
            form.form_errors.append(str(error))
        else:
            flash(
                _(
                    "A new draft workspace was made from the structure (themes: %(themes)d, measures: "
                    "%(measures)d, activities: %(activities)d). No people, answers or comments came along.",
                    themes=copied.themes,
                    measures=copied.measures,
                    activities=copied.activities,
                ),
                "success",
            )
            return redirect(url_for("workspaces.manage.settings", slug=copied.workspace.slug))
    status = 422 if request.method == "POST" and form.has_errors else 200
    return render_template("workspaces/manage/copy.html", workspace=source, form=form), status
