"""A real OpenID Connect provider (oidc-provider-mock) on a loopback port for the whole session,
and the app configured to use it for one test at a time."""

from __future__ import annotations

import io
import threading
import warnings
from urllib.parse import parse_qs, urlsplit

# Authlib puts an "always" filter for its deprecation warnings in front of pytest's when it is
# first imported, which would beat pyproject's filterwarnings (by module name) during that one
# import. Imported here under a throwaway filter, so pyproject's decide from then on.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import authlib.deprecate  # noqa: F401

import oidc_provider_mock  # noqa: E402
import pytest  # noqa: E402
import requests  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

CLIENT_ID = "ideaspace-test"


class Recorder:
    """WSGI middleware that keeps every request the provider gets (path, query, form), so tests
    can check what our client sent (PKCE) without mocking it."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app
        self.requests: list[tuple[str, dict, dict]] = []
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        form = {k: v[0] for k, v in parse_qs(body.decode("latin-1")).items()}
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        with self._lock:
            self.requests.append((environ["PATH_INFO"], query, form))
        return self.wsgi_app(environ, start_response)

    def sent_to(self, path: str) -> list[tuple[dict, dict]]:
        with self._lock:
            return [(query, form) for p, query, form in self.requests if p == path]


class Provider:
    def __init__(self, issuer: str, recorder: Recorder):
        self.issuer = issuer
        self.recorder = recorder

    def set_user(self, sub: str, claims: dict) -> None:
        """The claims the provider will give for `sub` (its test API)."""
        response = requests.put(f"{self.issuer}/users/{sub}", json=claims, timeout=5)
        assert response.status_code == 204, response.text

    def approve(self, authorize_url: str, sub: str) -> str:
        """Sign `sub` in at the provider; the callback URL (path and query) it redirects to."""
        response = requests.post(authorize_url, data={"sub": sub}, allow_redirects=False, timeout=5)
        assert response.status_code == 302, response.text
        parts = urlsplit(response.headers["Location"])
        return f"{parts.path}?{parts.query}"


@pytest.fixture(scope="session")
def provider():
    recorder = Recorder(oidc_provider_mock.app(require_nonce=True))
    server = make_server("127.0.0.1", 0, recorder, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield Provider(f"http://127.0.0.1:{server.server_port}", recorder)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def sso(app, provider, monkeypatch):
    """Single sign-on on, against the test provider, for this test (the mapping as docs/sso.md's
    example)."""
    for key, value in {
        "OIDC_ISSUER": provider.issuer,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": "test-secret",
        "OIDC_SCOPES": "openid email profile",
        "OIDC_LOGOUT": True,
        "OIDC_REQUIRED_CLAIMS": "email",
        "OIDC_UNIT_CLAIM": "department",
        "OIDC_ROLE_CLAIM": "groups",
        "OIDC_ROLE_MAP": "hr-moderators=moderator,johtoryhma=observer",
        "OIDC_CLOCK_SKEW": 60,
    }.items():
        monkeypatch.setitem(app.config, key, value)
    return provider
