from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db, limiter
from ..web import safe_next
from . import service
from .forms import LanguageForm, LoginForm

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10/minute;100/hour", methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next"), url_for("workspaces.index")))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = service.authenticate(form.email.data, form.password.data)
        if user is not None:
            locale = session.get("locale")
            session.clear()  # a new session on sign-in: nothing carries over from before
            login_user(user)
            if locale and not user.locale:
                service.set_language(user, locale)
            return redirect(safe_next(form.next.data, url_for("workspaces.index")))
        # One message for every failure (unknown email, wrong password, inactive): nothing revealed.
        form.password.errors.append(_("The email or password is not correct."))
    status = 422 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/language")
def language():
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400)
    session["locale"] = form.language.data
    service.set_language(current_user if current_user.is_authenticated else None, form.language.data)
    db.session.flush()
    return redirect(safe_next(form.next.data, url_for("workspaces.index")))
