from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Unit, User
from ..permissions import can_manage_users, require

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/users")
def users():
    require(can_manage_users(current_user))
    people = db.session.scalars(select(User).options(selectinload(User.unit)).order_by(User.name))
    return render_template("admin/users.html", users=list(people))


@bp.get("/units")
def units():
    require(can_manage_users(current_user))
    all_units = db.session.scalars(select(Unit).order_by(Unit.id))
    return render_template("admin/units.html", units=list(all_units))
