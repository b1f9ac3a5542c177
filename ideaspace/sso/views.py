"""Single sign-on routes: off the provider and back. Authlib does the protocol (client.py), the
service maps the claims (service.py); this only connects them to the browser."""

from __future__ import annotations

import logging

import requests
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from joserfc.errors import JoseError
from sqlalchemy.exc import IntegrityError

from .. import audit, web
from ..auth import sessions, sign_in
from ..extensions import db
from ..permissions import is_single_sign_on_on
from ..settings import service as settings
from ..web import safe_next
from . import client, service

bp = Blueprint("sso", __name__)
log = logging.getLogger(__name__)


@bp.record_once
def _check_mapping(state) -> None:
    """A mistyped OIDC_ROLE_MAP stops the app at start, naming the entry, not a sign-in later."""
    service.parse_role_map(state.app.config.get("OIDC_ROLE_MAP", ""))


NEXT = "sso_next"

# A provider that cannot be reached, or answers with something that is not a response.
UNREACHABLE = (requests.RequestException, ValueError, KeyError, TypeError)


def _error(status: int, message: str, *, claim: str = ""):
    return render_template("sso/error.html", message=message, claim=claim), status


def _audited_failure(reason: str, **details) -> None:
    """Record a failure that got past the state check (a real anomaly, not a stray link): the
    request rolls back, so the record is committed alone."""
    db.session.rollback()
    audit.record(None, "sso.failed", reason=reason, **details)
    db.session.commit()


@bp.app_context_processor
def _sign_in_offer():
    """The login page's "Sign in with <organisation>" label, only while single sign-on is on."""

    def single_sign_on_label() -> str | None:
        if not is_single_sign_on_on():
            return None
        name = settings.get("organisation_name") or ""
        return (
            _("Sign in with %(organisation)s", organisation=name)
            if name
            else _("Sign in with your organisation's account")
        )

    return {"single_sign_on_label": single_sign_on_label}


@bp.get("/login/sso")
def start():
    """Send the browser to the provider (state, nonce and the PKCE verifier kept by Authlib)."""
    if not is_single_sign_on_on():
        abort(404)
    confirm = bool(request.args.get("confirm"))  # sudo mode: sign in again at the provider
    if current_user.is_authenticated and not confirm:
        return redirect(safe_next(request.args.get("next"), url_for("workspaces.index")))
    session[NEXT] = safe_next(request.args.get("next"), url_for("workspaces.index"))
    # To confirm, the provider must ask again (its own session does not do): a fresh auth_time.
    fresh = {"prompt": "login", "max_age": 0} if confirm else {}
    try:
        return client.client().authorize_redirect(url_for("sso.callback", _external=True), **fresh)
    except UNREACHABLE + (OAuthError, RuntimeError):
        log.warning("single sign-on: the provider's discovery failed", exc_info=True)
        return _error(502, _("The sign-in service cannot be reached just now. Try again in a moment."))


@bp.get("/login/sso/callback")
def callback():
    """Back from the provider: check everything, then sign the person in (one transaction)."""
    if not is_single_sign_on_on():
        abort(404)
    provider = client.client()
    try:
        token = provider.authorize_access_token(
            claims_options=client.claims_options(), leeway=client.clock_skew()
        )
    except MismatchingStateError:
        # A stale tab, a second press, or a forged link: nothing worth an audit row.
        return _error(400, _("This sign-in has expired or was already used. Start again."))
    except OAuthError as error:
        # The provider refused (the person cancelled) or would not exchange the code (reused).
        _audited_failure("provider", error=str(error.error or "")[:100])
        return _error(400, _("The sign-in service did not accept this sign-in. Start again."))
    except JoseError as error:
        # Signature, issuer, audience, nonce, expiry or the clock: the ID token is not trusted.
        _audited_failure("id_token", error=type(error).__name__, claim=getattr(error, "claim", None))
        return _error(
            400,
            _("The sign-in could not be verified. Check that your device's clock is right and start again."),
        )
    except UNREACHABLE:
        log.warning("single sign-on: the provider's answer failed", exc_info=True)
        return _error(502, _("The sign-in service cannot be reached just now. Try again in a moment."))
    claims = token.get("userinfo")
    if not claims or not token.get("id_token"):
        _audited_failure("no_id_token")
        return _error(
            400,
            _("The sign-in could not be verified. Check that your device's clock is right and start again."),
        )
    # The provider is done with; from here on this request writes. On SQLite it takes the write
    # lock with its first statement, so it never meets a newer commit and runs again (web.py),
    # which would send the used code a second time.
    request.environ[web._IMMEDIATE] = True
    mapping = service.Mapping.from_config(current_app.config)
    try:
        try:
            with db.session.begin_nested():
                user = service.sign_in_from_claims(client.issuer(), dict(claims), mapping)
        except IntegrityError:
            # The same person's other sign-in (another tab) created or linked them first.
            user = service.sign_in_from_claims(client.issuer(), dict(claims), mapping)
    except service.Refused as refusal:
        _audited_failure("refused", why=refusal.reason)
        return _error(403, str(refusal.message), claim=refusal.claim)
    target = session.pop(NEXT, None) or url_for("workspaces.index")
    locale = session.get("locale")
    # Confirming (sudo mode) signs in anew: the browser's former session ends with it.
    previous = current_user.current_session if current_user.is_authenticated else None
    sign_in(user)
    if previous is not None:
        sessions.end(previous)
    row = user.current_session
    row.id_token = token["id_token"]  # for the provider's logout; server-side only
    # A person who has just proved who they are at their provider: sudo mode, as after a
    # password. One who came back through the provider's own session from hours ago is not.
    window = sessions.sudo_window().total_seconds()
    if service.freshly_authenticated(claims, window, client.clock_skew()):
        sessions.mark_reauthenticated(row)
    if locale and not user.locale:
        user.locale = locale
    return redirect(safe_next(target, url_for("workspaces.index")))


def logout_url(row) -> str | None:
    """Where to send a browser that signs out of a single sign-on session: the provider's
    end_session_endpoint, when it has one and OIDC_LOGOUT is on; else None (local sign-out)."""
    if row is None or not row.id_token or not is_single_sign_on_on() or not current_app.config["OIDC_LOGOUT"]:
        return None
    try:
        provider = client.client()
        if not provider.load_server_metadata().get("end_session_endpoint"):
            return None
        return provider.create_logout_url(
            post_logout_redirect_uri=url_for("auth.login", _external=True),
            id_token_hint=row.id_token,
            client_id=current_app.config["OIDC_CLIENT_ID"],
        )["url"]
    except UNREACHABLE + (OAuthError, RuntimeError):
        log.warning("single sign-on: no provider logout", exc_info=True)
        return None
