"""Security headers, open redirects through `next`, upload limits, and the vendored htmx."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import pytest

from ideaspace import create_app
from ideaspace.models import Role
from ideaspace.web import safe_next

PAGES = ["/login", "/accessibility", "/healthz"]


def _csp(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in policy.split(";") if part.strip()}


@pytest.mark.parametrize("path", PAGES)
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    csp = _csp(response)
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
    assert "'unsafe-inline'" not in csp.get("default-src", "")
    assert csp["frame-ancestors"] == "frame-ancestors 'none'"
    assert csp["object-src"] == "object-src 'none'"
    assert csp["base-uri"] in ("base-uri 'self'", "base-uri 'none'")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in (
        "same-origin",
        "strict-origin-when-cross-origin",
        "no-referrer",
    )
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in response.headers  # plain http


def test_headers_on_error_pages_and_signed_in_pages(client, make, login):
    assert "Content-Security-Policy" in client.get("/no-such-page").headers
    login(make.user(Role.ADMIN))
    response = client.get("/admin/users")
    assert response.status_code == 200
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_hsts_only_over_https(client):
    secure = client.get("/login", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")
    assert int(secure.headers["Strict-Transport-Security"].split("=")[1].split(";")[0]) >= 15552000


def test_hsts_behind_a_tls_proxy_only_with_proxy_fix(tmp_path):
    def app(**config):
        return create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "x",
                "RATELIMIT_ENABLED": False,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/h.sqlite3",
                **config,
            }
        )

    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    trusting = app(PROXY_FIX=1).test_client().get("/healthz", headers=forwarded)
    assert "Strict-Transport-Security" in trusting.headers
    ignoring = app().test_client().get("/healthz", headers=forwarded)
    assert "Strict-Transport-Security" not in ignoring.headers  # a client cannot claim https


def test_inline_scripts_and_styles_absent_from_pages(client, make, login):
    """The CSP forbids inline script: no page may depend on one."""
    login(make.user(Role.ADMIN))
    for path in ("/", "/admin/users", "/account", "/accessibility"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>" not in html and " onclick=" not in html and " style=" not in html, path


# --- open redirects -----------------------------------------------------------------------------

EVIL = [
    "https://evil.example/",
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example/",
    "\\\\evil.example",
    "http:evil.example",
    "https:/evil.example",
    "javascript:alert(1)",
    " //evil.example",
    "/%2F%2Fevil.example",
    "%2F%2Fevil.example",
    "\t//evil.example",
    "/\t/evil.example",
    "data:text/html,<script>alert(1)</script>",
]


def _stays_here(location: str) -> bool:
    parts = urlsplit(location)
    return (
        parts.netloc in ("", "localhost")
        and parts.scheme in ("", "http", "https")
        and not location.lstrip("/\\ \t").lower().startswith(("evil", "javascript", "data"))
    )


@pytest.mark.parametrize("target", EVIL)
def test_safe_next_refuses(target):
    assert safe_next(target, "/fallback") == "/fallback" or _stays_here(safe_next(target, "/fallback"))


def test_safe_next_keeps_local_paths():
    assert safe_next("/w/x/themes/1?page=2#c", "/f") == "/w/x/themes/1?page=2#c"


@pytest.mark.parametrize("target", EVIL)
def test_login_next_is_never_an_open_redirect(client, make, target):
    from ..factories import PASSWORD

    user = make.user(Role.PARTICIPANT)
    response = client.post(
        f"/login?next={target}", data={"email": user.email, "password": PASSWORD, "next": target}
    )
    assert response.status_code == 302
    assert _stays_here(response.headers["Location"]), response.headers["Location"]
    again = client.get("/login", query_string={"next": target})  # already signed in
    assert again.status_code == 302 and _stays_here(again.headers["Location"])


@pytest.mark.parametrize("target", EVIL)
def test_language_next_is_never_an_open_redirect(client, target):
    response = client.post("/language", data={"language": "sv", "next": target})
    assert response.status_code == 302
    assert _stays_here(response.headers["Location"]), response.headers["Location"]


def test_every_next_in_the_code_goes_through_safe_next():
    """Every place that reads `next` from a request (found with grep) passes it through safe_next
    or a helper built on it."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "ideaspace"
    offenders = []
    for path in root.rglob("*.py"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(
                r"redirect\([^)]*(request\.(args|form|values)\.get\(\"next\"\)|form\.next\.data)", line
            ):
                if "safe_next" not in line and "_back(" not in line:
                    offenders.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


def test_discussion_and_moderation_next_are_refused(client, make, session, login):
    from . import world as worlds

    world = worlds.build(make, session)
    login(world.user("member"))
    a = world.a
    url = f"/w/{a.ws.slug}/comments/theme/{a.theme.id}"
    for target in EVIL:
        response = client.post(url, data={"body": "Hyvä", "next": target})
        assert response.status_code == 302 and _stays_here(response.headers["Location"]), target
    response = client.post(
        f"/w/{a.ws.slug}/activities/{a.activities['notes'].id}/notes",
        data={"text": "Lappu", "next": "//evil.example/"},
    )
    assert response.status_code == 302 and _stays_here(response.headers["Location"])
    login(world.user("moderator"))
    response = client.post(
        f"/w/{a.ws.slug}/moderation/comment/{a.comment.id}/dismiss", data={"next": "//evil.example/"}
    )
    assert response.status_code == 302 and _stays_here(response.headers["Location"])


# --- uploads ------------------------------------------------------------------------------------


def test_max_content_length_is_set(app):
    assert 0 < app.config["MAX_CONTENT_LENGTH"] <= 16 * 1024 * 1024


def _upload(client, content: bytes, name: str):
    return client.post(
        "/admin/people/import",
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def test_people_import_refuses_too_large_and_wrong_types(client, make, login):
    login(make.user(Role.ADMIN))
    too_large = _upload(client, b"name,email\n" + b"x" * (6 * 1024 * 1024), "people.csv")
    assert too_large.status_code == 413
    over_form_limit = _upload(client, b"name,email\n" + b"a,b@example.fi\n" * 200_000, "people.csv")
    assert over_form_limit.status_code in (413, 422)
    wrong_type = _upload(client, b"MZ\x90\x00binary", "people.exe")
    assert wrong_type.status_code == 422 and ".csv" in wrong_type.get_data(as_text=True)
    html_as_csv = _upload(client, b"\xff\xfe<\x00h\x00t\x00m\x00l\x00", "people.csv")
    assert html_as_csv.status_code == 422


# --- static files ---------------------------------------------------------------------------------


def test_vendored_htmx_is_served_as_javascript(client):
    from pathlib import Path

    vendor = Path(__file__).resolve().parents[2] / "static" / "vendor"
    script = next(vendor.glob("htmx-*/htmx.min.js"))
    response = client.get(f"/static/vendor/{script.parent.name}/htmx.min.js")
    assert response.status_code == 200
    assert response.mimetype in ("text/javascript", "application/javascript")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    css = client.get("/static/css/app.css")
    assert css.mimetype == "text/css"
