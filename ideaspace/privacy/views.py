"""Download my data (JSON); an administrator erases a person."""

from __future__ import annotations

import json

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..admin import service as admin
from ..permissions import can_download_own_data, can_erase_user, require
from . import service
from .forms import EraseForm

bp = Blueprint("privacy", __name__)


@bp.app_template_filter("person")
def person(user) -> str:
    """A person's name as shown to others: "Former participant" once erased."""
    return service.display_name(user)


@bp.get("/account/data.json")
def my_data():
    require(can_download_own_data(current_user))
    body = json.dumps(service.personal_data(current_user), ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="ideaspace-my-data.json"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/admin/users/<int:user_id>/erase", methods=["GET", "POST"])
def erase(user_id: int):
    require(can_erase_user(current_user))
    user = admin.get_user(user_id)
    form = EraseForm()
    if form.validate_on_submit():
        try:
            service.erase(current_user, user, form.reason.data)
        except service.Refused as error:
            form.form_errors.append(str(error))
        else:
            flash(
                _("The person was erased. What they wrote stays, shown as a former participant."), "success"
            )
            return redirect(url_for("admin.users"))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("privacy/erase.html", form=form, user=user), status
