"""Self-service sign-in pages: ask for a sign-in link, forget and reset a password, set or change it.

Registered on the auth blueprint (imported at the end of views.py).
"""

from __future__ import annotations

import hashlib

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user

from ..extensions import limiter
from ..i18n import current_language
from ..invitations import tokens
from ..permissions import can_set_password, in_sudo_mode, is_password_sign_in_on, require
from ..web import safe_next
from . import links, sign_in
from .forms import ChangePasswordForm, LinkRequestForm, NewPasswordForm
from .views import bp

bp.add_app_template_global(links.link_minutes, "link_minutes")

# The mail a link request sends goes to the address only, but each request is a mail: limits per
# address (hashed, whether it exists or not, so the limit reveals nothing) and per network address.
# The sign-in link and the password reset share them.
LINK_REQUESTS_PER_ADDRESS = "5 per hour"
LINK_REQUESTS_PER_NETWORK_ADDRESS = "30 per hour"
LINK_SCOPE = "mail-link"


def _accepted(response) -> bool:
    return response.status_code == 302


def _posted_address_key() -> str:
    email = links.normalized(request.form.get("email") or "")
    return "link:" + hashlib.sha256(email.encode("utf-8", "surrogatepass")).hexdigest()


def _too_many_links(_limit):
    """The same refusal for every address: the form again, and a 429."""
    form = LinkRequestForm(request.form, meta={"csrf": False})
    template = (
        "auth/password_forgot.html"
        if request.endpoint == "auth.forgot_password"
        else "auth/link_request.html"
    )
    message = _("Too many links were asked for. Wait an hour and try again.")
    return make_response(render_template(template, form=form, refusal=message), 429)


def _link_limits(view):
    """Per address (only requests that were accepted count) and per network address (all posts)."""
    view = limiter.shared_limit(
        LINK_REQUESTS_PER_NETWORK_ADDRESS,
        LINK_SCOPE + "-ip",
        key_func=get_remote_address,
        methods=["POST"],
        on_breach=_too_many_links,
    )(view)
    return limiter.shared_limit(
        LINK_REQUESTS_PER_ADDRESS,
        LINK_SCOPE,
        key_func=_posted_address_key,
        methods=["POST"],
        deduct_when=_accepted,
        on_breach=_too_many_links,
    )(view)


@bp.route("/login/link", methods=["GET", "POST"])
@_link_limits
def request_link():
    """Email me a sign-in link: one answer for every well-formed address."""
    form = LinkRequestForm()
    if form.validate_on_submit():
        links.request_link(form.email.data, current_language())
        return redirect(url_for("auth.link_sent"))
    return render_template("auth/link_request.html", form=form), 422 if form.errors else 200


@bp.get("/login/link/sent")
def link_sent():
    return render_template("auth/link_sent.html", reset=False, minutes=links.link_minutes())


@bp.route("/password/forgot", methods=["GET", "POST"])
@_link_limits
def forgot_password():
    """Email me a link to choose a new password: one answer for every well-formed address."""
    if not is_password_sign_in_on():
        abort(404)
    form = LinkRequestForm()
    if form.validate_on_submit():
        links.request_password_reset(form.email.data, current_language())
        return redirect(url_for("auth.reset_sent"))
    return render_template("auth/password_forgot.html", form=form), 422 if form.errors else 200


@bp.get("/password/forgot/sent")
def reset_sent():
    if not is_password_sign_in_on():
        abort(404)
    return render_template("auth/link_sent.html", reset=True, minutes=links.link_minutes())


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit("20/minute", methods=["POST"], deduct_when=lambda response: response.status_code >= 400)
def reset_password(token: str):
    """The reset link's page, in the person's own language: choose a new password."""
    if not is_password_sign_in_on():
        abort(404)
    status, _record, person = tokens.find_token(token)
    with force_locale(links.recipient_language(person, current_language())):
        if status != tokens.VALID:
            return _reset_problem(status)
        form = NewPasswordForm()
        if form.validate_on_submit():
            try:
                status, person = links.reset_password(token, form.password.data)
            except links.PasswordError as error:
                form.password.errors.append(error.message)
            else:
                if status != tokens.VALID:
                    return _reset_problem(status)
                sign_in(person, reauthenticated=True)  # the new password, just chosen
                flash(_("Your new password is saved, and you are signed in."), "success")
                return redirect(url_for("workspaces.index"))
        response = make_response(
            render_template("auth/password_reset.html", form=form, person=person), 422 if form.errors else 200
        )
    return _private(response)


def _reset_problem(status: str):
    code = 404 if status == tokens.UNKNOWN else 410
    response = make_response(render_template("auth/reset_problem.html", status=status, code=code), code)
    return _private(response)


def _private(response):
    """A page whose address holds a token: never cached, never sent on as a Referer."""
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account/password", methods=["GET", "POST"])
def password():
    """Set a first password, or change it (the current one, unless just signed in: sudo mode)."""
    require(can_set_password(current_user))
    person = current_user._get_current_object()
    has_password = bool(person.password_hash)
    fresh = in_sudo_mode(person)
    form = ChangePasswordForm() if has_password else NewPasswordForm()
    if form.validate_on_submit():
        if has_password and not fresh and not person.check_password(form.current.data or ""):
            form.current.errors.append(_("The current password is not correct."))
        else:
            try:
                ended = links.set_password(person, form.password.data, keep=person.current_session)
            except links.PasswordError as error:
                form.password.errors.append(error.message)
            else:
                flash(_("Your password is saved."), "success")
                if ended:
                    flash(_("You were signed out everywhere else."), "info")
                return redirect(safe_next(request.args.get("next"), url_for("account.settings")))
    response = make_response(
        render_template(
            "auth/password.html",
            form=form,
            has_password=has_password,
            needs_current=has_password and not fresh,
        ),
        422 if form.errors else 200,
    )
    response.headers["Cache-Control"] = "no-store"
    return response
