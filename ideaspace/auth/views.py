import hashlib
import json

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_limiter import RateLimitExceeded
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, logout_user
from flask_wtf.csrf import CSRFError

from .. import audit
from ..extensions import db, limiter
from ..permissions import SudoRequired, can_confirm_identity, is_password_sign_in_on, require
from ..sso.views import logout_url as sso_logout_url
from ..web import safe_next
from . import expired, service, sessions, sign_in
from .forms import LanguageForm, LinkRequestForm, LoginForm, SudoForm

bp = Blueprint("auth", __name__)

# The sign-in limits (README, "Security policies"): only failures count, per account and per
# address apart, so a typo-prone office behind one address is not locked out by one person, and
# guessing one person's password stops after a few tries. Successful sign-ins never count.
SIGN_IN_FAILURES_PER_ACCOUNT = "5 per 15 minutes"
SIGN_IN_FAILURES_PER_ADDRESS = "50 per 15 minutes"
SUDO_FAILURES_PER_PERSON = "5 per 15 minutes"


def _failed(response) -> bool:
    return response.status_code == 422


def _account_key() -> str:
    """The account a sign-in tries, whether it exists or not (so a refusal reveals nothing)."""
    email = (request.form.get("email") or "").strip().lower()
    return "account:" + hashlib.sha256(email.encode("utf-8", "surrogatepass")).hexdigest()


def _person_key() -> str:
    return f"user:{current_user.id}" if current_user.is_authenticated else get_remote_address()


def _too_many_sign_ins(_limit):
    """The sign-in form again, with one message for every refusal (unknown accounts too)."""
    form = LoginForm(request.form, meta={"csrf": False})
    form.password.data = ""
    message = _("Too many failed sign-in attempts. Wait 15 minutes and try again, or ask for a sign-in link.")
    return make_response(render_template("auth/login.html", form=form, passwords=True, refusal=message), 429)


@bp.app_errorhandler(RateLimitExceeded)
def rate_limited(error):
    """A limit's own refusal page (the sign-in form's), else the common 429 page."""
    if error.response is not None:
        return error.response
    return render_template("errors/error.html", code=429, error=error), 429


# A stale or refused CSRF token, on any route: the typed text comes back in a fresh form.
bp.app_errorhandler(CSRFError)(expired.form_expired)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    SIGN_IN_FAILURES_PER_ACCOUNT,
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_failed,
    on_breach=_too_many_sign_ins,
)
@limiter.limit(
    SIGN_IN_FAILURES_PER_ADDRESS,
    key_func=get_remote_address,
    methods=["POST"],
    deduct_when=_failed,
    on_breach=_too_many_sign_ins,
)
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next"), url_for("workspaces.index")))
    form = LoginForm(next=request.args.get("next", ""))
    if not is_password_sign_in_on():
        # Only links (and single sign-on) here: a password post, even a right one, is refused.
        link_form = LinkRequestForm(formdata=None)
        refusal = (
            _("Signing in with a password is turned off. Ask for a sign-in link by email instead.")
            if request.method == "POST"
            else None
        )
        return render_template(
            "auth/login.html", form=form, link_form=link_form, passwords=False, refusal=refusal
        ), 403 if refusal else 200
    if form.validate_on_submit():
        user = service.authenticate(form.email.data, form.password.data)
        if user is not None:
            locale = session.get("locale")
            sign_in(user, reauthenticated=True)  # the password, just now: sudo mode too
            if locale and not user.locale:
                service.set_language(user, locale)
            return redirect(safe_next(form.next.data, url_for("workspaces.index")))
        # One message for every failure (unknown email, wrong password, inactive): nothing revealed.
        form.password.errors.append(_("The email or password is not correct."))
    status = 422 if form.errors else 200
    return render_template("auth/login.html", form=form, passwords=True), status


@bp.post("/logout")
@login_required
def logout():
    row = current_user.current_session
    provider_logout = sso_logout_url(row)  # a single sign-on session ends at the provider too
    logout_user()
    if row is not None:
        sessions.end(row)  # a copy of the cookie opens nothing from now on
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(provider_logout or url_for("auth.login"))


@bp.post("/language")
def language():
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400)
    session["locale"] = form.language.data
    service.set_language(current_user if current_user.is_authenticated else None, form.language.data)
    db.session.flush()
    return redirect(safe_next(form.next.data, url_for("workspaces.index")))


# --- sudo mode: confirm the password before sensitive admin actions -----------------------

CARRIED_MAX = 200_000  # characters of a form carried through the confirmation


def _carried(raw: str | None) -> list[tuple[str, str]]:
    """The carried form's fields (name, value), or none when the hidden field is not one."""
    if not raw or len(raw) > CARRIED_MAX:
        return []
    try:
        pairs = json.loads(raw)
    except ValueError:
        return []
    if not isinstance(pairs, list):
        return []
    return [
        (pair[0], pair[1])
        for pair in pairs
        if isinstance(pair, list) and len(pair) == 2 and all(isinstance(part, str) for part in pair)
    ]


def _sudo_page(form, status: int):
    response = make_response(
        render_template("auth/sudo.html", form=form, carried=_carried(form.carried.data)), status
    )
    response.headers["Cache-Control"] = "no-store"  # a carried form may hold a new password
    return response


@bp.app_errorhandler(SudoRequired)
def sudo_required(_error):
    """A sensitive action without sudo mode: ask for the password there and then, and carry
    what was sent (the form's fields) so that nothing typed is lost."""
    if request.method in ("GET", "HEAD"):
        return redirect(url_for("auth.sudo", next=request.full_path.rstrip("?")))
    pairs = [(name, value) for name, value in request.form.items(multi=True) if name != "csrf_token"]
    form = SudoForm(formdata=None, next=request.full_path.rstrip("?"), carried=json.dumps(pairs))
    return _sudo_page(form, 403)


@bp.route("/sudo", methods=["GET", "POST"])
@limiter.limit(
    SUDO_FAILURES_PER_PERSON, key_func=_person_key, methods=["POST"], deduct_when=_failed
)
def sudo():
    require(can_confirm_identity(current_user))
    person = current_user._get_current_object()
    form = SudoForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        if person.check_password(form.password.data):
            sessions.mark_reauthenticated(person.current_session)
            audit.record(person, "sudo.confirm", person)
            target = safe_next(form.next.data, url_for("workspaces.index"))
            carried = _carried(form.carried.data)
            if carried and request.method == "POST":
                # The action that asked for the password goes on with one more press of a button.
                return render_template("auth/sudo_continue.html", target=target, carried=carried)
            return redirect(target)
        audit.record(person, "sudo.failed", person)
        # A refused request rolls back (web.py); the failed attempt must stay in the audit log.
        db.session.commit()
        form.password.errors.append(_("The password is not correct."))
    return _sudo_page(form, 422 if form.errors else 200)


from . import self_service  # noqa: E402,F401  (its routes join this blueprint)
