"""Admin: import people from a CSV file, with a dry-run preview before anything is written."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..permissions import can_manage_users, require
from . import service
from .forms import ConfirmForm, UploadForm

bp = Blueprint("people", __name__, url_prefix="/admin/people")

PREVIEW_MAX_AGE = 3600  # seconds between the preview and the confirmation
PREVIEW_ROWS = 500  # changes listed on the page; the counts cover them all


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="people-import")


def _check(data: bytes):
    rows, errors = service.parse_csv(data)
    plan = service.plan_import(rows, current_user)
    errors = sorted(errors + plan.errors, key=lambda e: e.row or 0)
    return plan, errors


@bp.route("/import", methods=["GET", "POST"])
def import_people():
    require(can_manage_users(current_user))
    form = UploadForm()
    if not form.validate_on_submit():
        return render_template("people/import.html", form=form, errors=[]), 422 if form.errors else 200
    data = form.file.data.read()
    plan, errors = _check(data)
    if errors:
        return render_template("people/import.html", form=form, errors=errors), 422
    text = service.decode(data)
    confirm = ConfirmForm(payload=_serializer().dumps({"csv": text, "by": current_user.id}))
    return render_template("people/preview.html", plan=plan, confirm=confirm, shown=PREVIEW_ROWS)


@bp.post("/import/confirm")
def confirm_import():
    require(can_manage_users(current_user))
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        payload = _serializer().loads(form.payload.data, max_age=PREVIEW_MAX_AGE)
    except SignatureExpired:
        flash(_("The preview expired. Upload the file again."), "error")
        return redirect(url_for("people.import_people"))
    except BadSignature:
        abort(400)
    if not isinstance(payload, dict) or payload.get("by") != current_user.id:
        abort(400)
    plan, errors = _check(str(payload.get("csv", "")).encode("utf-8"))
    if errors:
        # Something changed since the preview (for example another import); show what now fails.
        return render_template("people/import.html", form=UploadForm(), errors=errors), 422
    service.apply_import(plan, current_user)
    flash(
        _(
            "Import done: %(created)d added, %(updated)d updated, %(unchanged)d unchanged.",
            created=plan.created,
            updated=plan.updated,
            unchanged=plan.unchanged,
        ),
        "success",
    )
    return redirect(url_for("admin.users"))
