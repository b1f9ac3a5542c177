"""URL-map fuzzing: every route of `app.url_map`, with hostile values in each path parameter, in the
query parameters and in the form fields, as each role, on each engine. Nothing may answer 5xx or
show a traceback (DESIGN: "Bad input gets a clear answer").

What is fuzzed is derived, not listed:

- routes and their path parameters from `app.url_map` (a route added today joins by itself; one
  whose parameter `world.params_for` cannot fill fails, naming it);
- query parameter names from the source (`request.args.get("page")`, ...) and from the GET forms and
  links the pages render, plus the common ones below;
- form field names from every form the pages render (POSTs carry a valid CSRF token).

The default variant sends every hostile value as the admin and signed out, and the sharpest ones as
the other roles, all query parameters at once. The `fuzz_heavy` variant is the full cross product:
every value × every role × each query parameter on its own (CI runs it: `make test` deselects
nothing; `-m "not fuzz_heavy"` leaves it out locally).
"""

from __future__ import annotations

import functools
import io
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest

from ideaspace.extensions import db

from .. import factories
from ..conftest import _TestSession, sign_in
from . import world as worlds
from .harness import build_url, rules, undone
from .test_route_matrix import EXPECTATIONS
from .world import ROLES as MATRIX_ROLES

ROLES = ("anonymous", "member", "observer", "other_moderator", "moderator", "admin")

# Hostile values, bounded and deterministic. An `int` path parameter only ever sees what its converter
# matches (digits) and two that it does not; other path parameters, queries and forms see text. The
# default variant sends the first part of each list (the sharpest), the full cross product all of it.
NUL = "\x00"
OVERLONG = "x" * 10_000
# A Markdown bomb (issue 18): nesting far past the bound, emphasis runs and hostile link targets.
MARKDOWN_BOMB = ">" * 3000 + " " + "*" * 1000 + "[x](javascript:alert(1)) <https://x.fi> " * 30
INT_VALUES = (
    (
        "0",
        str(2**31),
        str(2**64),
        "\u0663",
        "9" * 5000,
    ),  # 2**31: the first beyond an INTEGER id; U+0663: Arabic 3
    ("-1", str(2**31 - 1), str(2**63), str(10**20), "1\x00"),
)
TEXT_VALUES = (
    (NUL, "%00", OVERLONG, "\u202eevil\u202c\u2066", "../../../etc/passwd", MARKDOWN_BOMB),
    ("a\x00b", "\u200b\ufeff\u2060\u061c", "ä€𝄞👩\u200d⚕️", "line\nbreak\r\nSubject: x", "<script>\"'"),
)
QUERY_VALUES = (
    (
        NUL,
        str(2**64),
        "9" * 5000,
        "²",
        OVERLONG,
        "0001-01-01",
        "line\nbreak\r\nSubject: x",
    ),  # ²: isdigit(), not int()
    (str(2**31), str(10**20), "-1", "0", "9999-12-31", "2024-02-30", "\u202eevil\u202c\u2066", "%00", "../x"),
)
# Common query parameters: with the ones the source and the pages name, the union is fuzzed.
COMMON_QUERY = (
    "page",
    "q",
    "since",
    "until",
    "sort",
    "theme",
    "unit",
    "day",
    "year",
    "lang",
    "next",
    "format",
)
NEVER_FUZZED = {"csrf_token"}  # a hostile token is a 400 before anything else runs


@functools.cache
def hostile_files(full: bool) -> list[tuple[str, bytes, str]]:
    """Files for every upload field the pages show (issue 18): (label, bytes, the name sent). The
    sharpest first: a decompression bomb, an image that is also a ZIP, an SVG named .png."""
    from ..images import files

    sharpest = [
        ("a 400-megapixel PNG bomb", files.png_bomb(20000), "photo.png"),
        ("a PNG+ZIP polyglot", files.png_zip_polyglot(), "photo.png"),
        ("an SVG named .png", files.SVG, "photo.png"),
    ]
    rest = [
        ("a PNG+HTML polyglot", files.png_html_polyglot(), "photo.png"),
        ("a GIF named .jpg", files.gif(), "photo.jpg"),
        ("a truncated PNG", files.truncated_png(), "photo.png"),
        ("an empty file", b"", "photo.png"),
        ("a text-chunk bomb", files.png_text_bomb(), "photo.png"),
        ("a file over the request limit", b"\x89PNG\r\n\x1a\n" + b"\x00" * (5 * 1024 * 1024), "photo.png"),
    ]
    return sharpest + rest if full else sharpest


SOURCE = Path(__file__).resolve().parents[2] / "ideaspace"
_ARG = re.compile(r"""request\.(?:args|values)(?:\.get\(|\[)\s*["']([A-Za-z_]\w*)["']""")
_FIELD = re.compile(r"""<(?:input|select|textarea|button)\b[^>]*?\bname="([^"]+)\"""")
_FILE_FIELD = re.compile(r"""<input\b(?=[^>]*\btype="file")[^>]*?\bname="([^"]+)\"""")
_GET_FORM = re.compile(r"""<form\b(?![^>]*method="post")[^>]*>(.*?)</form>""", re.S | re.I)
_LINK_QUERY = re.compile(r"""href="[^"?]*\?([^"#]+)""")
_PLACEHOLDER = re.compile(r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z_]+)>")


def query_names_in_source() -> set[str]:
    return {name for path in SOURCE.rglob("*.py") for name in _ARG.findall(path.read_text("utf-8"))}


@dataclass
class Fuzz:
    world: worlds.World
    session: object
    clients: dict = field(default_factory=dict)  # role -> a client signed in once, its CSRF token
    query: set[str] = field(default_factory=set)
    fields: set[str] = field(default_factory=set)
    files: set[str] = field(default_factory=set)  # upload fields, sent hostile files too


@pytest.fixture(scope="module")
def fuzz(app):
    """One world for the module, on a connection whose transaction is rolled back at its end."""
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        original = db.session
        db.session = db._make_scoped_session(
            {"class_": _TestSession, "bind": connection, "join_transaction_mode": "create_savepoint"}
        )
        try:
            session = db.session
            world = worlds.build(factories.Factories(session), session)
            state = Fuzz(world, session, query=set(COMMON_QUERY) | query_names_in_source())
            for role in ROLES:
                client = app.test_client()
                if world.user(role) is not None:
                    sign_in(client, world.user(role), sudo=role == "admin")  # the admin reaches the most
                token = client.csrf_token()
                client.csrf = False  # sent by _send, saving a session round trip per request
                state.clients[role] = (client, token)
            _harvest(app, state)
            yield state
        finally:
            db.session.remove()
            db.session = original
            transaction.rollback()
            connection.close()


def _harvest(app, state: Fuzz) -> None:
    """Collect the field names of every form and the query names of every GET form and link the
    pages render, as the roles that see the most."""
    for role in ("admin", "member"):
        for rule in rules(app):
            if "GET" not in rule.methods:
                continue
            try:
                url = build_url(
                    app, rule.endpoint, worlds.params_for(rule.endpoint, rule.arguments, state.world)
                )
            except KeyError:
                continue  # test_no_route_answers_5xx names it
            with undone(state.session):
                response = state.clients[role][0].get(url)
            if response.status_code != 200 or not response.mimetype.startswith("text/html"):
                continue
            page = response.get_data(as_text=True)
            state.fields |= set(_FIELD.findall(page))
            state.files |= set(_FILE_FIELD.findall(page))
            for form in _GET_FORM.findall(page):
                state.query |= set(_FIELD.findall(form))
            for query in _LINK_QUERY.findall(page):
                state.query |= {pair.split("=", 1)[0] for pair in query.replace("&amp;", "&").split("&")}
    state.fields -= NEVER_FUZZED
    state.query -= NEVER_FUZZED


def _path(rule, values: dict) -> str:
    """The rule's path with each placeholder replaced by its value, percent-encoded as a browser would."""
    return _PLACEHOLDER.sub(lambda m: quote(str(values[m.group(1)]), safe="/"), rule.rule)


def _methods(rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


TRACEBACK = ("Traceback (most recent call last)", "sqlalchemy.exc", "psycopg.", "Werkzeug Debugger")


def _open(state: Fuzz, role: str, method: str, url: str, data=None):
    """The response to one request as the role, which changes nothing (rolled back) and keeps the
    role's cookies (a sign-out or a new session would sign the client out for the next request)."""
    client, token = state.clients[role]
    cookies = dict(client._cookies)
    try:
        with undone(state.session):
            if method == "GET":
                return client.get(url)
            # A file is made afresh for each request (the test client closes what it sent).
            data = {k: v() if callable(v) else v for k, v in (data or {}).items()}
            return client.open(url, method=method, data=data, headers={"X-CSRFToken": token})
    finally:
        client._cookies.clear()
        client._cookies.update(cookies)


def _send(state: Fuzz, role: str, method: str, url: str, data=None) -> str | None:
    """None when the answer is fine, else what went wrong."""
    try:
        response = _open(state, role, method, url, data)
    except Exception as error:  # noqa: BLE001 - the testing app re-raises what would be a 500
        return f"raised {type(error).__name__}: {str(error)[:200]}"
    if response.status_code >= 500:
        return f"answered {response.status_code}"
    if response.mimetype.startswith("text/"):
        shown = next((marker for marker in TRACEBACK if marker in response.get_data(as_text=True)), None)
        if shown:
            return f"answered {response.status_code} showing {shown!r}"
    return None


def _short(value: str) -> str:
    return repr(value if len(value) < 40 else value[:20] + f"...({len(value)} chars)")


def _admitted(state: Fuzz, endpoint: str, method: str, url: str) -> list[str]:
    """The roles a valid request gets past the permission check with (not sign-in, not 403 or 404):
    where hostile values reach the most code. Signed-out visitors are always fuzzed too. The route
    matrix says who gets in (it lists every route, test_every_route_has_an_expectation sees to it);
    a route it does not know yet is asked."""
    spec = EXPECTATIONS.get(endpoint, {}).get(method)
    if spec is not None:
        outcomes = dict(zip(MATRIX_ROLES, spec.split(), strict=True))
        return ["anonymous"] + [
            role for role in ROLES[1:] if not set(outcomes[role].split("|")) <= {"login", "403", "404"}
        ]
    admitted = ["anonymous"]
    for role in ROLES[1:]:
        try:
            code = _open(state, role, method, url, _form(state, "") if method != "GET" else None).status_code
        except Exception:  # noqa: BLE001 - a 500 of a valid request: fuzz this role, it will show
            code = 500
        if code not in (302, 403, 404):
            admitted.append(role)
    return admitted


class Plan:
    """The requests to send: (role, method, url, what was hostile, form data)."""

    def __init__(self, full: bool) -> None:
        self.full = full
        self.requests: list[tuple[str, str, str, str, dict | None]] = []
        self._turn = 0

    def add(self, roles: list[str], method: str, url: str, label: str, data=None) -> None:
        """As every role (full), or as the next one in turn, so each role gets its share."""
        if not self.full:
            roles = [roles[self._turn % len(roles)]]
            self._turn += 1
        self.requests += [(role, method, url, label, data) for role in roles]


def plan_for(app, state: Fuzz, rules_, full: bool) -> Plan:
    """Every hostile request for these rules: each path parameter, then the query and form."""
    plan = Plan(full)
    for rule in rules_:
        try:
            valid = worlds.params_for(rule.endpoint, rule.arguments, state.world)
        except KeyError as error:
            pytest.fail(
                f"{rule.endpoint} ({rule.rule}) has a path parameter {error} that the fuzzer cannot fill: "
                "add a valid value to params_for in tests/security/world.py"
            )
        base = _path(rule, valid)
        extra = {k: v for k, v in valid.items() if k not in rule.arguments}  # ids some take in the query
        for method in _methods(rule):
            roles = _admitted(state, rule.endpoint, method, base + ("?" + urlencode(extra) if extra else ""))
            empty = _form(state, "") if method != "GET" else None
            for name in sorted(rule.arguments):
                numeric = f"<int:{name}>" in rule.rule
                values = _values(INT_VALUES if numeric else TEXT_VALUES, full)
                for value in values:
                    plan.add(
                        roles, method, _path(rule, {**valid, name: value}), f"{name}={_short(value)}", empty
                    )
            for value in _values(QUERY_VALUES, full):
                query = {**extra, **{name: value for name in sorted(state.query)}}
                data = _form(state, value) if method != "GET" else None
                plan.add(roles, method, base + "?" + urlencode(query), f"query/form={_short(value)}", data)
            if method == "POST" and state.files:
                # Every upload field at once with each hostile file, the other fields plausible: not a
                # prefixed form's CSRF field (Flask-WTF would read "x" as the token: a 400 before the view).
                plausible = {k: v for k, v in _form(state, "x").items() if not k.endswith("csrf_token")}
                for label, content, name in hostile_files(full):
                    data = {
                        **plausible,
                        **{f: (lambda c=content, n=name: (io.BytesIO(c), n)) for f in state.files},
                    }
                    plan.add(roles, method, base, f"files={label}", data)
            if full and method == "GET":
                # Each query parameter on its own (one refused value must not hide another), as the
                # admin, who reaches every page.
                for name in sorted(state.query):
                    for value in QUERY_VALUES[0]:
                        url = base + "?" + urlencode({**extra, name: value})
                        plan.requests.append(("admin", method, url, f"query {name}={_short(value)}", None))
    return plan


def _values(values: tuple, full: bool) -> tuple:
    return values[0] + values[1] if full else values[0]


def _form(state: Fuzz, value: str) -> dict:
    return {name: value for name in state.fields}


# Requests sent between two savepoint rollbacks. On PostgreSQL every request that writes is a
# subtransaction whose XID stays locked until the outer transaction ends; the module's one
# transaction would fill the server's shared lock table (~6,400 entries by default) long before
# the cross product's 28,000 requests, and every other backend then fails with "out of shared
# memory". Rolling a batch back frees its locks and leaves the world as it was built.
BATCH = 250


def run(state: Fuzz, plan: Plan) -> list[str]:
    failures = []
    connection = state.session.get_bind()
    for start in range(0, len(plan.requests), BATCH):
        # The session's own savepoint (if one is open) must not enclose the batch's: keep its work.
        state.session.commit()
        batch = connection.begin_nested()
        try:
            for role, method, url, label, data in plan.requests[start : start + BATCH]:
                problem = _send(state, role, method, url, data)
                if problem:
                    failures.append(f"{method} {url[:160]} as {role} with {label}: {problem}")
        finally:
            state.session.rollback()
            if batch.is_active:
                batch.rollback()
    return failures


def _blueprint(endpoint: str) -> str:
    return endpoint.rsplit(".", 1)[0] if "." in endpoint else "app"


# The blueprints, known at collection time without an app (one test each, for xdist to spread).
BLUEPRINTS = sorted(
    {"app"}
    | {
        path.parent.name
        for path in SOURCE.glob("*/views.py")
        if re.search(r"Blueprint\(", path.read_text("utf-8"))
    }
    | {"workspaces.manage"}
)
TIMES: dict[str, float] = {}
COUNTS: dict[str, int] = {}


def _rules_of(app, blueprint: str):
    return [r for r in sorted(rules(app), key=lambda r: r.endpoint) if _blueprint(r.endpoint) == blueprint]


def test_every_blueprint_is_fuzzed(app):
    missing = sorted({_blueprint(rule.endpoint) for rule in rules(app)} - set(BLUEPRINTS))
    assert not missing, f"blueprints the fuzzer does not know: {missing} (BLUEPRINTS in test_fuzz.py)"


def test_the_harvest_found_the_forms(fuzz):
    """The field and query names come from the pages: if the harvest breaks, the fuzzing is hollow."""
    assert {"parent_id", "title", "body", "reason"} <= fuzz.fields
    assert {"page", "q", "since", "until", "theme", "next", "lang"} <= fuzz.query
    assert "image" in fuzz.files  # the image forms' upload field (issue 18)


def test_the_hostile_files_reach_the_upload_checks(app, fuzz):
    """Not hollow: each hostile file, as the fuzzer sends it, gets the image form's refusal (422, or
    413 over the request limit), not an earlier one (a CSRF or expired-form 400)."""
    rules_ = [r for r in rules(app) if r.endpoint == "images.workspace_cover"]
    requests = [r for r in plan_for(app, fuzz, rules_, full=True).requests if r[3].startswith("files=")]
    got = {
        (label, _open(fuzz, "moderator", method, url, data).status_code)
        for role, method, url, label, data in requests
        if method == "POST" and role == "moderator"
    }
    assert {code for _label, code in got} == {422, 413} and len(got) == len(hostile_files(True)), got


@pytest.mark.parametrize("blueprint", BLUEPRINTS)
def test_no_route_answers_5xx(app, fuzz, blueprint, engine_name):
    """Each hostile value once per parameter, as the admitted roles in turn."""
    started = time.perf_counter()
    plan = plan_for(app, fuzz, _rules_of(app, blueprint), full=False)
    failures = run(fuzz, plan)
    TIMES[f"{engine_name}:{blueprint}"] = time.perf_counter() - started
    COUNTS[f"{engine_name}:{blueprint}"] = len(plan.requests)
    assert not failures, f"{len(failures)} of {len(plan.requests)} requests failed:\n" + "\n".join(
        failures[:60]
    )


@pytest.mark.fuzz_heavy
@pytest.mark.parametrize("blueprint", BLUEPRINTS)
def test_no_route_answers_5xx_full_cross_product(app, fuzz, blueprint, engine_name):
    """Every value × every admitted role × each query parameter on its own (and all at once)."""
    if engine_name != "postgresql":
        pytest.skip("the full cross product runs on PostgreSQL (set TEST_DATABASE_URL)")
    started = time.perf_counter()
    plan = plan_for(app, fuzz, _rules_of(app, blueprint), full=True)
    failures = run(fuzz, plan)
    TIMES[f"full:{engine_name}:{blueprint}"] = time.perf_counter() - started
    COUNTS[f"full:{engine_name}:{blueprint}"] = len(plan.requests)
    assert not failures, f"{len(failures)} of {len(plan.requests)} requests failed:\n" + "\n".join(
        failures[:60]
    )
