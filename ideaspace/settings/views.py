"""The instance settings page: admins only, every change in sudo mode, audited."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from ..permissions import can_change_settings, in_sudo_mode, require, require_sudo
from . import service
from .forms import setting_form

bp = Blueprint("settings", __name__, url_prefix="/admin/settings")


def _guard() -> None:
    require(can_change_settings(current_user))
    require_sudo()


def _page(forms: dict, status: int = 200):
    rows = service.overview()
    return render_template("settings/index.html", rows=rows, forms=forms), status


def _forms(**given) -> dict:
    forms = {
        key: setting_form(
            setting, formdata=None, data={} if setting.kind == service.FILE else {"value": service.get(key)}
        )
        for key, setting in service.SETTINGS.items()
    }
    forms.update(given)
    return forms


@bp.get("")
def index():
    _guard()
    return _page(_forms())


def _setting(key: str) -> service.Setting:
    setting = service.SETTINGS.get(key)
    if setting is None:
        abort(404)
    return setting


@bp.get("/<key>")
def setting(key: str):
    """Where a setting's form posts; read, it is the page at that setting."""
    require(can_change_settings(current_user))  # every route asks its predicate, this one too
    _setting(key)
    return redirect(url_for("settings.index", _anchor=key))


@bp.post("/<key>")
def change(key: str):
    setting = _setting(key)
    _guard()
    form = setting_form(setting)
    if form.validate_on_submit():
        value, blob, content_type = form.value.data, None, None
        if setting.kind == service.FILE:
            upload = form.value.data
            blob, content_type = upload.read(), upload.mimetype
            value = {"filename": upload.filename or ""}
        try:
            service.put(current_user, key, value, blob=blob, content_type=content_type)
        except service.SettingError as error:
            form.value.errors.append(error.message)
        else:
            flash(_("The setting “%(label)s” was saved.", label=setting.label), "success")
            return redirect(url_for("settings.index", _anchor=key))
    return _page(_forms(**{key: form}), 422)


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error):
    """A file over the request limit (MAX_CONTENT_LENGTH, the files' 5 MB) gets the form's own
    error, not the generic page. Its body was never read: nothing is saved, the current file
    stays, and CSRF was never checked, so this only renders."""
    setting = service.SETTINGS.get((request.view_args or {}).get("key", ""))
    may = can_change_settings(current_user) and in_sudo_mode(current_user)
    if request.endpoint != "settings.change" or setting is None or setting.kind != service.FILE or not may:
        return render_template("errors/error.html", code=413, error=error), 413
    form = setting_form(setting, formdata=None)
    form.value.errors = [
        _("The file is too large (at most %(mb)d MB).", mb=setting.max_bytes // (1024 * 1024))
    ]
    return _page(_forms(**{setting.key: form}), 413)


@bp.post("/<key>/reset")
def reset(key: str):
    setting = _setting(key)
    _guard()  # CSRFProtect has checked the token of this POST already
    service.clear(current_user, key)
    flash(_("The setting “%(label)s” is back to its default.", label=setting.label), "success")
    return redirect(url_for("settings.index", _anchor=key))
