"""Admin pages: people and organisational units (admins only)."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..forms import localized_value
from ..inputs import id_arg, page_number
from ..permissions import can_manage_users, require, require_sudo
from . import service
from .forms import UnitForm, UserFilterForm, UserForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _attach(form, error: service.AdminError):
    getattr(form, error.field).errors.append(error.message)


# --- people --------------------------------------------------------------------------------


@bp.get("/users")
def users():
    require(can_manage_users(current_user))
    units = service.all_units()
    filters = UserFilterForm(request.args, unit_choices=service.unit_choices(units, _("All units")))
    valid = filters.validate()
    result = service.list_users(
        search=filters.q.data or "" if valid else "",
        role=filters.role.data if valid else None,
        unit_id=filters.unit.data if valid else None,
        page=page_number(request.args.get("page")),
        units=units,
    )
    args = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template(
        "admin/users.html", filters=filters, result=result, args=args
    ), 200 if valid else 422


def _user_form(user=None):
    units = service.all_units()
    return UserForm(obj=user, unit_choices=service.unit_choices(units, _("No unit")))


def _user_values(form) -> dict:
    return {
        "name": form.name.data,
        "email": form.email.data,
        "role": form.role.data,
        "unit_id": form.unit.data,
        "locale": form.locale.data,
        "active": form.active.data,
        "password": form.password.data or None,
    }


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    require(can_manage_users(current_user))
    form = _user_form()
    if form.validate_on_submit():
        values = _user_values(form)
        if service.needs_sudo(None, **values):
            require_sudo()
        try:
            user = service.create_user(current_user, **values)
        except service.AdminError as error:
            _attach(form, error)
        else:
            flash(_("%(name)s was added.", name=user.name), "success")
            return redirect(url_for("admin.users"))
    status = 422 if form.errors else 200
    return render_template("admin/user_form.html", form=form, user=None), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int):
    require(can_manage_users(current_user))
    user = service.get_user(user_id)
    form = _user_form(user)
    if request.method == "GET":
        form.unit.data = user.unit_id
        form.active.data = user.is_active_account
    if form.validate_on_submit():
        values = _user_values(form)
        if service.needs_sudo(user, **values):
            require_sudo()
        try:
            service.update_user(current_user, user, **values)
        except service.AdminError as error:
            _attach(form, error)
        else:
            flash(_("The changes to %(name)s were saved.", name=user.name), "success")
            return redirect(url_for("admin.users"))
    status = 422 if form.errors else 200
    return render_template("admin/user_form.html", form=form, user=user), status


# --- units ---------------------------------------------------------------------------------


@bp.get("/units")
def units():
    require(can_manage_users(current_user))
    units = service.all_units()
    return render_template(
        "admin/units.html", tree=service.unit_tree(units), counts=service.member_counts(), total=len(units)
    )


def _unit_form(unit=None):
    units = service.all_units()
    choices = service.unit_choices(units, _("None (top level)"))
    if unit is not None:
        # Neither the unit itself nor anything below it can be its parent (the service refuses too).
        below = service.descendant_ids(units, unit.id)
        choices = [choice for choice in choices if choice[0] not in below]
    return UnitForm(obj=unit, unit_choices=choices)


@bp.route("/units/new", methods=["GET", "POST"])
def new_unit():
    require(can_manage_users(current_user))
    form = _unit_form()
    if request.method == "GET" and request.args.get("parent", type=id_arg):
        form.parent.data = request.args.get("parent", type=id_arg)
    if form.validate_on_submit():
        try:
            service.create_unit(
                current_user,
                name=localized_value(form.name.data),
                code=form.code.data,
                parent_id=form.parent.data,
            )
        except service.AdminError as error:
            _attach(form, error)
        else:
            flash(_("The unit was added."), "success")
            return redirect(url_for("admin.units"))
    status = 422 if form.errors else 200
    return render_template("admin/unit_form.html", form=form, unit=None), status


@bp.route("/units/<int:unit_id>", methods=["GET", "POST"])
def edit_unit(unit_id: int):
    require(can_manage_users(current_user))
    unit = service.get_unit(unit_id)
    form = _unit_form(unit)
    if request.method == "GET":
        form.parent.data = unit.parent_id
    if form.validate_on_submit():
        try:
            service.update_unit(
                current_user,
                unit,
                name=localized_value(form.name.data),
                code=form.code.data,
                parent_id=form.parent.data,
            )
        except service.AdminError as error:
            _attach(form, error)
        else:
            flash(_("The changes to the unit were saved."), "success")
            return redirect(url_for("admin.units"))
    status = 422 if form.errors else 200
    return render_template("admin/unit_form.html", form=form, unit=unit), status
