"""The rendering sweep: every GET route of `app.url_map`, as every role, full page and htmx
fragment, over a world whose every user-writable column holds a marker payload (`markers.py`).

No response may hold an element, an `on*` attribute or an htmx attribute made from user data; the
downloads (DOCX and XLSX XML, CSV, Markdown, JSON, the statistics files) are checked in their own
syntax. Every piece of user text in a page sits inside an `hx-disable` container (defence in depth:
were something to slip through escaping, htmx would not act on it).

The routes and their parameters come from the URL map: a new GET route joins by itself, and fails
loudly when `world.params_for` cannot fill one of its parameters. The world is built once per module
and engine, and each (route, role) is requested once (plus its variants below).
"""

from __future__ import annotations

import io
import json
import re
import time
import zipfile
from collections import defaultdict

import lxml.html
import pytest
from flask_sqlalchemy.session import Session as FlaskSession

from ideaspace.exports import FORMATS
from ideaspace.exports.content import FORMATS as CONTENT_FORMATS
from ideaspace.extensions import db

from .. import factories
from . import markers
from . import world as worlds
from .harness import as_role, build_url, rules
from .world import ROLES

# More than one request for some routes: each kind of item, each download format, and the
# query parameters whose value a page shows back (a search, a `next`).
KIND_ITEMS = {  # kind → the world attribute of side A whose id fills item_id / target_id
    "comment": "comment",
    "note": "note",
    "idea": "idea",
    "theme": "theme",
    "measure": "measure",
}


def _query_variants(endpoint: str, world) -> list[dict]:
    m = markers.marker(0)
    variants = {
        "admin.users": [{}, {"q": m}],
        "ideas.index": [{}, {"q": m}],
        "text.search": [{}, {"q": m}],
        "invitations.index": [{}, {"q": m}],
        "auth.login": [{}, {"next": m}],
        "discussion.show": [{}, {"next": m}],
        "programme.compare_versions": [{}, {"a": "1", "b": str(world.a.snapshot.version)}],
        "exports.download": [{}, {"version": str(world.a.snapshot.version)}],
    }
    return variants.get(endpoint, [{}])


def _path_variants(rule, world) -> list[dict]:
    """Parameter sets for a rule: world A's objects; every `kind` the rule accepts, every format."""
    values = worlds.params_for(rule.endpoint, rule.arguments, world)
    sets = [values]
    if "kind" in rule.arguments:
        kinds = sorted(rule._converters["kind"].items)
        sets = []
        for kind in kinds:
            if kind == "activity":
                obj_id = world.a.activities["discussion"].id
            else:
                obj_id = getattr(world.a, KIND_ITEMS[kind]).id
            ids = {name: obj_id for name in ("item_id", "target_id") if name in rule.arguments}
            sets.append({**values, "kind": kind, **ids})
    if "fmt" in rule.arguments:
        formats = CONTENT_FORMATS if rule.endpoint == "exports.content" else FORMATS
        sets = [{**s, "fmt": fmt} for s in sets for fmt in sorted(formats)]
    return sets


class _TestSession(FlaskSession):
    def get_bind(self, *args, **kwargs):
        return self.bind


class Sweep:
    """The marked world, a client, and what was found."""

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()
        self.client.environ_base.update(
            {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in markers.request_headers().items()}
        )
        self.shown: dict[int, set[str]] = defaultdict(set)  # marker n → where it was seen escaped
        self.requests = 0
        self.results: dict[str, tuple[list[str], list[str]]] = {}
        self.timings: dict[str, tuple[int, float, float]] = {}  # role → responses, wall s, CPU s
        self.slowest: dict[str, float] = defaultdict(float)  # endpoint → seconds, all roles
        self.documents: set[str] = set()


@pytest.fixture(scope="module")
def sweep(app):
    """The marker world, built once per engine, in a transaction rolled back at the end."""
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        original = db.session
        db.session = db._make_scoped_session(
            {"class_": _TestSession, "bind": connection, "join_transaction_mode": "create_savepoint"}
        )
        try:
            state = Sweep(app)
            started = time.perf_counter()
            state.world = markers.build(factories.Factories(db.session), db.session, state.client)
            state.build_seconds = time.perf_counter() - started
            yield state
        finally:
            db.session.remove()
            db.session = original
            if transaction.is_active:
                transaction.rollback()
            connection.close()


# --- checking a response -----------------------------------------------------------------------


def _element_problems(tree) -> list[str]:
    found = []
    for el in tree.iter():
        if not isinstance(el.tag, str):
            continue
        for name, value in el.attrib.items():
            lowered = name.lower()
            if lowered == "data-m" or (lowered.startswith("hx-") and "/x" == value.strip()):
                found.append(f"<{el.tag} {name}={value!r}> from user data")
            elif lowered.startswith("on"):
                found.append(f"<{el.tag} {name}=...>")
    return found


_RCDATA = {"title", "textarea", "script", "style"}
# Single-line inputs that take no text people write (their maxlength may stay).
_NOT_WRITTEN = {"email", "code", "value", "username", "name", "slug"}


def _unguarded(tree) -> list[str]:
    """User text (a marker shown as text) with no `hx-disable` on it or an ancestor."""
    found = []
    for el in tree.iter():
        if not isinstance(el.tag, str):
            continue
        for text, holder in ((el.text, el), (el.tail, el.getparent())):
            if holder is None or not text or not markers.SHOWN.search(text):
                continue
            if holder.tag in _RCDATA or any(a.tag == "head" for a in holder.iterancestors()):
                continue
            chain = [holder, *holder.iterancestors()]
            if not any("hx-disable" in a.attrib for a in chain):
                path = " > ".join(
                    f"{a.tag}{'.' + a.get('class').split()[0] if a.get('class') else ''}"
                    for a in reversed(chain[:4])
                )
                found.append(f"{path}: {text.strip()[:50]!r}")
    return found


def _disabled_controls(tree) -> list[str]:
    """htmx controls inside an hx-disable container: they would stop working."""
    found = []
    for el in tree.iter():
        if not isinstance(el.tag, str):
            continue
        if any(n.startswith("hx-") and n not in ("hx-disable", "hx-swap-oob") for n in el.attrib):
            if any("hx-disable" in a.attrib for a in el.iterancestors()):
                found.append(f"<{el.tag} class={el.get('class')!r}> is an htmx control inside hx-disable")
    return found


def _check_html(html: str) -> tuple[list[str], list[str]]:
    problems = []
    if markers.LIVE.search(html):
        problems.append(
            f"raw marker in the markup: ...{html[markers.LIVE.search(html).start() - 60 :][:140]!r}"
        )
    tree = lxml.html.document_fromstring(html)
    problems += _element_problems(tree)
    # Not markup from users, but a promise about their text: a long paste is never cut silently.
    problems += [
        f"<textarea name={area.get('name')!r} maxlength>: the browser would cut a long paste without a word "
        "(use the counter of macros.html; the server's error keeps the text)"
        for area in tree.iter("textarea")
        if area.get("maxlength")
    ]
    # The same for a line of text people write (an idea's title, a cluster's name, a localized
    # title); sign-in addresses, codes and searches are not what people write, and keep maxlength.
    problems += [
        f"<input name={line.get('name')!r} maxlength>: the browser would cut a long paste without a word"
        for line in tree.iter("input")
        if line.get("maxlength")
        and line.get("type", "text") == "text"
        and line.get("name", "").rsplit("-", 1)[-1] not in _NOT_WRITTEN
    ]
    return problems, _unguarded(tree) + _disabled_controls(tree)


def _check_download(content_type: str, data: bytes) -> list[str]:
    if data[:2] == b"PK":  # DOCX, XLSX: the XML parts must hold the markers as text
        problems = []
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in archive.namelist():
                if name.endswith((".xml", ".rels")):
                    xml = archive.read(name).decode("utf-8", "replace")
                    if markers.LIVE.search(xml):
                        problems.append(f"{name}: a raw marker (an element made from user data)")
        return problems
    if data[:5] == b"%PDF-":  # text drawn on a page runs nowhere; a PDF may not carry scripts
        return ["PDF: a JavaScript action"] if b"/JavaScript" in data or b"/JS " in data else []
    text = data.decode("utf-8", "replace")
    if "svg" in content_type:  # a drawing (the workshop's QR code): no script, no user data in it
        scripted = re.search(r"<script|\son\w+=|javascript:", text, re.IGNORECASE)
        return ["SVG: a script or an element from user data"] if scripted or markers.LIVE.search(text) else []
    if "markdown" in content_type and markers.LIVE.search(text):
        return ["Markdown: a marker not escaped (it would render as HTML)"]
    if "css" in content_type:  # the brand stylesheet: validated colours and the logo's URL only
        scripted = re.search(r"expression\(|javascript:|@import|</", text, re.IGNORECASE)
        return ["CSS: user data or a script in a stylesheet"] if scripted or markers.LIVE.search(text) else []
    if "json" in content_type or "csv" in content_type or "markdown" in content_type:
        return []
    if "text/event-stream" in content_type:  # a workshop's live stream: numbers and "changed" only
        allowed = re.compile(r"retry: \d+|id: \d+|event: changed|data: \d+|: -")
        lines = [line for line in text.split("\n") if line]
        return [] if all(allowed.fullmatch(line) for line in lines) else ["an event stream with content"]
    if content_type == "image/webp":  # an uploaded image, drawn again from its pixels (issue 18)
        return [] if data[:4] == b"RIFF" and data[8:12] == b"WEBP" else ["an image that is not WebP"]
    return [f"an unexpected download type {content_type!r}"]


def _where_shown(state: Sweep, body: str, where: str) -> None:
    for match in markers.SHOWN.finditer(body):
        state.shown[int(match.group(1) or match.group(2))].add(where)


def _sweep_role(state: Sweep, role: str) -> tuple[list[str], list[str], int]:
    app, client, world = state.app, state.client, state.world
    failures, unguarded, count = [], [], 0
    as_role(client, world, role)
    markers.mark_sessions(db.session)
    for rule in sorted(rules(app), key=lambda r: r.rule):
        if "GET" not in rule.methods:
            continue
        try:
            path_sets = _path_variants(rule, world)
        except KeyError as missing:
            failures.append(
                f"{rule.endpoint} ({rule.rule}): no value for the parameter {missing}: add one to "
                "params_for in tests/security/world.py (from the world's objects), so the sweep "
                "can render it"
            )
            continue
        for values in path_sets:
            for query in _query_variants(rule.endpoint, world):
                url = build_url(app, rule.endpoint, {**values, **query})
                if url in state.documents:
                    continue  # a Word, Excel or PDF file, the same for everyone who may download it
                rendered = False
                for htmx in (False, True):
                    if htmx and not rendered:
                        break  # a redirect, a refusal or a download: the same for htmx
                    headers = {"HX-Request": "true"} if htmx else {}
                    where = f"{'htmx ' if htmx else ''}GET {url} as {role}"
                    started = time.perf_counter()
                    try:
                        response = client.get(url, headers=headers)
                    except Exception as error:  # noqa: BLE001 - the testing app re-raises a 500
                        failures.append(f"{where}: {type(error).__name__}: {error}"[:300])
                        continue
                    count += 1
                    state.slowest[rule.endpoint] += time.perf_counter() - started
                    if response.status_code >= 500:
                        failures.append(f"{where}: {response.status_code}")
                    data = response.get_data()
                    content_type = response.content_type or ""
                    rendered = response.status_code == 200 and "html" in content_type
                    if "html" in content_type:
                        body = data.decode("utf-8", "replace")
                        _where_shown(state, body, rule.endpoint)
                        problems, loose = _check_html(body)
                        failures += [f"{where}: {p}" for p in problems]
                        if response.status_code == 200:
                            unguarded += [f"{rule.endpoint}{' (htmx)' if htmx else ''}: {u}" for u in loose]
                    elif data:
                        if data[:2] == b"PK" or data[:5] == b"%PDF-":
                            state.documents.add(url)  # built and checked once: the heaviest responses
                        _where_shown(state, data.decode("utf-8", "replace"), rule.endpoint)
                        failures += [f"{where}: {p}" for p in _check_download(content_type, data)]
    return failures, unguarded, count


def _swept(sweep: Sweep, role: str) -> tuple[list[str], list[str]]:
    """The role's findings, swept once (both tests of a role read them)."""
    if role not in sweep.results:
        started, cpu = time.perf_counter(), time.process_time()
        failures, unguarded, count = _sweep_role(sweep, role)
        sweep.requests += count
        sweep.timings[role] = (count, time.perf_counter() - started, time.process_time() - cpu)
        sweep.results[role] = (failures, unguarded)
    return sweep.results[role]


# A role's two tests on one xdist worker (`make test` runs --dist loadgroup): one sweep per role.
BY_ROLE = [pytest.param(role, marks=pytest.mark.xdist_group(f"rendering-sweep-{role}")) for role in ROLES]


@pytest.mark.parametrize("role", BY_ROLE)
def test_no_user_markup_in_any_response(sweep, role):
    """Every GET route (full page and htmx fragment, every download) as this role: no element,
    event or htmx attribute from user data, nothing a download's format would run."""
    failures, _unguarded = _swept(sweep, role)
    assert not failures, f"{len(failures)} problems as {role}:\n" + "\n".join(sorted(set(failures))[:60])


@pytest.mark.parametrize("role", BY_ROLE)
def test_user_text_is_inside_hx_disable(sweep, role):
    """Defence in depth: were escaping to fail, htmx would not act on what a user wrote."""
    _failures, unguarded = _swept(sweep, role)
    assert not unguarded, (
        f"user text outside an hx-disable container as {role} (put hx-disable on the element that "
        "holds the user's text, below any htmx control):\n" + "\n".join(sorted(set(unguarded))[:80])
    )


def test_the_checks_see_what_they_look_for():
    """Not vacuous: a live marker, user text outside hx-disable and a disabled control are seen."""
    m = markers.marker(7)
    live, _ = _check_html(f"<html><body><p title='{m}'>x</p></body></html>")
    assert any("data-m" in p for p in live) and any("onmouseover" in p for p in live)
    escaped = m.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;")
    assert _check_html(f"<html><body><p hx-disable>{escaped}</p></body></html>") == ([], [])
    _, loose = _check_html(f"<html><body><p>{escaped}</p></body></html>")
    assert loose and "body > p" in loose[0]
    _, loose = _check_html('<html><body><div hx-disable><form hx-post="/y"></form></div></body></html>')
    assert loose == ["<form class=None> is an htmx control inside hx-disable"]
    assert _check_download("text/markdown", f"a {m}".encode()) and not _check_download(
        "text/markdown", b"a \\<i data-m=7"
    )


# The HTML and the Markdown it was rendered from (the importer renders the HTML from the source).
RICH_KEYS = ("introduction", "prompt", "body", "introduction_source", "prompt_source", "body_source")


def _raw_rich(node, payload: str) -> int:
    """Put the payload, unsanitized, into every rich text of a document (the importer must clean it)."""
    count = 0
    if isinstance(node, dict):
        for key, value in node.items():
            if key in RICH_KEYS and isinstance(value, str):
                node[key] = payload
                count += 1
            elif key in RICH_KEYS and isinstance(value, dict) and value:
                node[key] = {lang: payload for lang in value}
                count += 1
            else:
                count += _raw_rich(value, payload)
    elif isinstance(node, list):
        count = sum(_raw_rich(item, payload) for item in node)
    return count


def test_what_the_importer_writes_renders_as_text(sweep):
    """The marked workspace through the JSON importer (its backup, every field, and raw markup in
    every rich text), then its pages as an admin: nothing from the document becomes markup."""
    from ideaspace.transfer.service import export_workspace, import_workspace

    client, world = sweep.client, sweep.world
    doc = export_workspace(world.a.ws, backup=True)
    doc["workspace"]["slug"] = "imported-markers"
    # What the importer refuses, rightly: an email that is no address, a "/" in a unit's name.
    text = json.dumps(doc).replace("hx-get=/x", "hx-get=x")
    text = re.sub(r'[^"]*(?:data-m=\d+)[^"]*?(\d+)@example\.fi', r"imported\1@example.fi", text)
    doc = json.loads(text)
    assert _raw_rich(doc, markers.marker(0) + "<script>alert(0)</script>") >= 5
    workspace = import_workspace(doc, world.user("admin"))
    db.session.commit()
    slug = workspace.slug
    urls = [f"/w/{slug}/", f"/w/{slug}/ideas", f"/w/{slug}/moderation", f"/w/{slug}/programme/preview"]
    urls += [f"/w/{slug}/programme", f"/w/{slug}/export.html", f"/w/{slug}/statistics", f"/w/{slug}/manage/"]
    urls += [f"/w/{slug}/themes/{theme.id}" for theme in workspace.themes]
    urls += [f"/w/{slug}/programme/versions/{n}" for n in (1, 2)]
    ideas = db.session.execute(db.text("SELECT id FROM idea WHERE workspace_id = :w"), {"w": workspace.id})
    urls += [f"/w/{slug}/ideas/{idea_id}" for (idea_id,) in ideas]
    as_role(client, world, "admin")
    failures, shown = [], set()
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        shown |= {m.group(1) or m.group(2) for m in markers.SHOWN.finditer(html)}
        problems, _loose = _check_html(html)
        failures += [f"{url}: {p}" for p in problems]
        if "<script>alert(0)" in html:
            failures.append(f"{url}: a rich text of the document kept its <script>")
    assert not failures, "\n".join(failures[:40])
    assert len(shown) >= 20, f"only {len(shown)} marked columns came through the import: {sorted(shown)}"


def test_the_mails_hold_no_markup_from_user_data(sweep, app):
    """The invitation, the reminder and the idea's decision, as HTML mail, for the marked world."""
    from ideaspace.invitations import messages
    from ideaspace.models import IdeaStatus
    from ideaspace.moderation.workflow import decision_message

    world = sweep.world
    member, idea = world.user("member"), world.a.idea
    bodies = {}
    with app.test_request_context():
        for kind in (messages.INVITATION, messages.NOT_VISITED):
            _subject, _text, bodies[kind] = messages.render(
                kind, name=member.name, workspace=world.a.ws, link="https://x.example/l", language="en"
            )
        status = idea.status
        idea.status = IdeaStatus.NOT_TAKEN  # a decision with its public reason
        message = decision_message(idea, world.a.ws)
        idea.status = status
        assert message is not None, "the idea's author is not emailed: the test would prove nothing"
        bodies["decision"] = message.html
    failures = []
    for kind, html in bodies.items():
        assert markers.SHOWN.search(html), f"{kind}: no user data in the mail, the test proves nothing"
        failures += [f"{kind} mail: {p}" for p in _check_html(html)[0]]
    assert not failures, "\n".join(failures)


def test_every_user_writable_column_is_marked(sweep):
    """A new String/Text/JSON column joins the sweep by itself (its rows get the payload); it fails
    here when the world has no row of its table, or when it is neither marked nor excluded."""
    writable, marked = markers.user_writable(), sweep.world.extra["marked"]
    assert writable - marked == set(), (
        f"user-writable columns with no row in the marker world: {sorted(writable - marked)}; add a "
        "row of their table in tests/security/markers.py (_extras, through the service or a "
        "factory), give a JSON column its shape in SPECIAL_JSON, or exclude it in EXCLUDED with why"
    )
    every = {f"{t.name}.{c.name}" for t in db.metadata.sorted_tables for c in t.columns}
    stale = set(markers.EXCLUDED) - every
    assert not stale, f"EXCLUDED names columns that no longer exist: {sorted(stale)}"


@pytest.mark.xdist_group("rendering-sweep-admin")
def test_the_markers_reach_the_pages(sweep):
    """Not vacuous: the columns' payloads were rendered, escaped (pytest -s prints where). The
    admin's sweep at least (the same xdist worker), and the other roles' swept in this process."""
    numbers = sweep.world.extra["numbers"]
    _swept(sweep, "admin")
    seen = {name for name, n in numbers.items() if sweep.shown.get(n)}
    print(
        f"\nrendering sweep ({db.engine.dialect.name}): {sweep.requests} responses, "
        f"{len(numbers)} marked columns, {len(seen)} seen rendered; world built in "
        f"{sweep.build_seconds:.1f} s; per role: "
        + ", ".join(f"{role} {n} in {wall:.1f} s" for role, (n, wall, _cpu) in sweep.timings.items())
        + f"; {sum(t[1] for t in sweep.timings.values()):.1f} s in all, "
        f"{sum(t[2] for t in sweep.timings.values()):.1f} s of it on this process's CPU"
    )
    print("never rendered:", sorted(set(numbers) - seen))
    print(
        "slowest:",
        ", ".join(f"{e} {t:.1f} s" for e, t in sorted(sweep.slowest.items(), key=lambda i: -i[1])[:8]),
    )
    # the merge list, the idea page and the admin lists at least
    for name in ("idea.title", "user.name", "workspace.title", "comment.body", "note.text"):
        assert name in seen, f"{name}'s marker was rendered nowhere: the sweep would prove nothing"
