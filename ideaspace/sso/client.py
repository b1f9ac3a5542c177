"""The Authlib client of the configured OpenID Connect provider, and the ID token's checks.

Authlib does the protocol: discovery, state, PKCE (S256), nonce, the token request and the ID
token's signature (the provider's JWKS). One registry per app; a client per configuration, so a
changed issuer or secret (tests, a restart) never meets a cached discovery document of another.
"""

from __future__ import annotations

import hashlib
import threading

from authlib.integrations.flask_client import OAuth
from flask import current_app

_LOCK = threading.Lock()  # registering a client is a read-modify-write of the registry
DISCOVERY = "/.well-known/openid-configuration"


def configured() -> bool:
    """Whether single sign-on is on: an issuer is configured."""
    return bool(current_app.config.get("OIDC_ISSUER"))


def issuer() -> str:
    return current_app.config["OIDC_ISSUER"].rstrip("/")


def _registry() -> OAuth:
    app = current_app._get_current_object()
    registry = app.extensions.get("authlib.integrations.flask_client")
    if registry is None:
        with _LOCK:
            registry = app.extensions.get("authlib.integrations.flask_client") or OAuth(app)
    return registry


def client():
    """The Authlib client for the configured provider (its discovery document is fetched once)."""
    config = current_app.config
    scopes = config["OIDC_SCOPES"].split()
    if "openid" not in scopes:
        scopes.insert(0, "openid")  # without it there is no ID token, no nonce and nothing checked
    key = (issuer(), config["OIDC_CLIENT_ID"], config["OIDC_CLIENT_SECRET"], " ".join(scopes))
    name = "oidc_" + hashlib.sha256(repr(key).encode()).hexdigest()[:16]
    registry = _registry()
    found = registry.create_client(name)
    if found is not None:
        return found
    with _LOCK:
        return registry.create_client(name) or registry.register(
            name,
            client_id=config["OIDC_CLIENT_ID"],
            client_secret=config["OIDC_CLIENT_SECRET"],
            server_metadata_url=issuer() + DISCOVERY,
            client_kwargs={
                "scope": key[3],
                "code_challenge_method": "S256",
                "timeout": 10,
            },
        )


def claims_options() -> dict:
    """The ID token must name our issuer and our client (Authlib checks neither by default)."""
    return {
        "iss": {"essential": True, "values": [issuer(), issuer() + "/"]},
        "aud": {"essential": True, "values": [current_app.config["OIDC_CLIENT_ID"]]},
        "sub": {"essential": True},
    }


def clock_skew() -> int:
    """Seconds the provider's clock may differ from ours (exp, iat, nbf)."""
    return max(0, int(current_app.config.get("OIDC_CLOCK_SKEW", 60)))
