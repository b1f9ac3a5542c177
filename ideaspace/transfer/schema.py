"""Read and validate a workspace document into clean Python values, naming the path of every bad value.

`parse_document(data)` checks the whole document before anything touches the database and raises
`TransferError` listing every problem as `workspace.themes[1].measures[0].goal.fi: ...`. Rich text is
sanitized here (`clean_html`), plain text normalised (`clean_text`), so the import only builds rows.
The format is described in docs/workspace-json.md.
"""

from __future__ import annotations

import copy
import re

from .. import markdown
from ..anonymity import k_floor
from ..models import (
    LANGUAGES,
    ActivityKind,
    ActivityStatus,
    Attribution,
    Comparator,
    IdeaStatus,
    MeasureStatus,
    MemberRole,
    ResultsVisibility,
    Role,
    WorkspaceAccess,
    WorkspaceStatus,
)
from ..models.ballot import BallotKind
from ..sanitize import clean_html
from . import images
from .reader import Reader, TransferError

FORMAT = "ideaspace.workspace"
VERSION = 1
UNIT_SEPARATOR = " / "
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


# --- the document ---------------------------------------------------------------------------

TOP = ("format", "version", "backup", "units", "people", "workspace")
UNIT = ("name", "code", "units")
PERSON = ("email", "name", "role", "unit", "locale", "password", "consents_to_named_quotes")
WORKSPACE = (
    "slug",
    "title",
    "introduction",
    "introduction_source",
    "strategy",
    "status",
    "access",
    "opens_on",
    "closes_on",
    "primary_language",
    "min_group_size",
    "created_at",
    "memberships",
    "themes",
    "ideas",
    "programme_versions",
    "pending",
    "cover",
    "sessions",
)
MEMBERSHIP = (
    "person",
    "role",
    "invited_at",
    "invited_by",
    "first_visit_at",
    "last_visit_at",
    "visit_count",
    "first_contribution_at",
    "last_reminded_at",
    "visits",
)
THEME = (
    "key",
    "title",
    "introduction",
    "introduction_source",
    "measures",
    "activities",
    "comments",
    "quotes",
    "cover",
)
MEASURE = (
    "key",
    "goal",
    "text",
    "schedule",
    "responsible",
    "status",
    "origin_idea",
    "indicators",
    "comments",
)
INDICATOR = (
    "description",
    "unit_of_measure",
    "baseline_year",
    "baseline_value",
    "baseline_source",
    "comparator",
    "target_value",
    "target_text",
    "readings",
)
READING = ("year", "value", "note")
ACTIVITY = (
    "key",
    "kind",
    "title",
    "prompt",
    "prompt_source",
    "status",
    "is_anonymous",
    "results_visibility",
    "answers_changeable",
    "max_selections",
    "in_programme",
    "programme_position",
    "options",
    "answers",
    "respondents",
    "note_groups",
    "notes",
    "comments",
)
OPTION = ("key", "label", "measure")
RESPONDENT = ("person", "on")
BALLOT = ("scope", "kind", "contributor", "payload")
# What a pending contribution's payload may hold, per kind (ideaspace.ballot.service.seal).
PAYLOAD = {
    "answer": ("options", "scale", "unit"),
    "note": ("text", "unit"),
    "comment": ("body", "body_source", "parent", "target", "target_id", "on_behalf", "unit"),
    "idea": ("title", "body", "body_source", "theme", "unit"),
}
ANSWER = ("on", "options", "value", "unit")
NOTE = ("key", "text", "author", "unit", "group", "created_at", "hidden")
COMMENT = (
    "key",
    "body",
    "body_source",
    "author",
    "unit",
    "on_behalf_of_unit",
    "created_at",
    "edited_at",
    "withdrawn_at",
    "hidden",
    "liked_by",
    "replies",
)
HIDDEN = ("at", "reason", "by")
IDEA = (
    "key",
    "title",
    "body",
    "body_source",
    "theme",
    "author",
    "unit",
    "status",
    "status_reason",
    "merged_into",
    "created_at",
    "hidden",
    "supporters",
    "history",
    "comments",
    "image",
)
SUPPORT = ("person", "at")
CHANGE = ("from", "to", "reason", "by", "at")
SESSION = (
    "theme",
    "unit",
    "facilitator",
    "language",
    "created_at",
    "expires_at",
    "ended_at",
    "steps",
    "guests",
    "contributed",
    "answered",
)
# A live session has at most a room's devices; a document claiming more is not one.
MAX_GUESTS = 10_000
PROGRAMME_VERSION = ("version", "published_at", "published_by", "note", "content")
QUOTE = (
    "excerpt",
    "language",
    "attribution",
    "attributed_unit",
    "attributed_name",
    "source",
    "created_at",
)


# A workspace document nests about 11 levels (workspace > themes > activities > options ...). Deeper
# is not a workspace document, and reading or printing it would recurse until Python gives up.
MAX_DEPTH = 64


def nesting_depth(value, limit: int = MAX_DEPTH) -> int:
    """How deep lists and objects nest in a parsed JSON value, counted without recursion (stops
    counting past `limit`)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return depth
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def parse_document(data) -> dict:
    """Validate a workspace document; return its clean values or raise TransferError."""
    if nesting_depth(data) > MAX_DEPTH:
        raise TransferError([f"$: nests deeper than {MAX_DEPTH} levels; this is not a workspace document"])
    r = Reader()
    doc = r.obj(data, "$", TOP, ("format", "version", "workspace"))
    if not doc:
        raise TransferError(r.errors)
    if doc.get("format") != FORMAT:
        r.fail("format", f"must be {FORMAT!r} (got {doc.get('format')!r})")
    if doc.get("version") != VERSION:
        r.fail(
            "version",
            f"must be {VERSION} (got {doc.get('version')!r}); this IdeaSpace reads version {VERSION}",
        )
    parser = _Parser(r)
    units = parser.units(doc)
    people = parser.people(doc)
    workspace = parser.workspace(doc.get("workspace"))
    backup = r.boolean(doc, "backup", "$", False)
    if workspace is not None:
        workspace["pending"] = parser.pending(doc.get("workspace") or {}, "workspace")
    parser.check_references(units, people)
    if r.errors:
        raise TransferError(r.errors)
    return {
        "units": units,
        "people": people,
        "workspace": workspace,
        "refs": parser.refs,
        "warnings": r.warnings,
        "backup": backup,
    }


class _Parser:
    def __init__(self, reader: Reader) -> None:
        self.r = reader
        # References to check once everything is read: (kind, value, path).
        self.refs: list[tuple[str, str, str]] = []

    def group_size(self, w: dict, path: str) -> int | None:
        """The minimum group size, raised to the platform's floor (with a warning) when below it."""
        value = self.r.integer(w, "min_group_size", path, default=k_floor(), minimum=1, maximum=1000)
        floor = k_floor()
        if value is not None and value < floor:
            self.r.warn(
                f"{path}.min_group_size",
                f"{value} is below the floor of {floor}; the workspace is imported with {floor}",
            )
            return floor
        return value

    def person_ref(self, data: dict, key: str, path: str, *, required=False):
        email = self.r.email(data, key, path, required=required)
        if email:
            self.refs.append(("person", email, f"{path}.{key}"))
        return email

    def person_list(self, data: dict, key: str, path: str) -> list[str]:
        """A list of email addresses, each a reference to a person; sorted, without duplicates."""
        emails = set()
        for value, p in self.r.items(data, key, path):
            email = self.r.email({"email": value}, "email", p)
            if email:
                self.refs.append(("person", email, p))
                emails.add(email)
        return sorted(emails)

    def respondents(self, data: dict, path: str) -> list[tuple[str, object]]:
        """Who answered: email addresses (the moderator's export), or {"person", "on"} with the
        day (the admin's backup); as (email, day or None), sorted, one per person."""
        found: dict[str, object] = {}
        for value, p in self.r.items(data, "respondents", path):
            if isinstance(value, dict):
                item = self.r.obj(value, p, RESPONDENT, ("person",))
                email, on = self.r.email(item, "person", p), self.r.day(item, "on", p)
            else:
                email, on = self.r.email({"email": value}, "email", p), None
            if email:
                self.refs.append(("person", email, p))
                found[email] = on
        return sorted(found.items())

    def pending(self, w: dict, path: str) -> list[dict]:
        """The pending pool of an admin's backup: sealed contributions not published yet."""
        out = []
        for item, p in self.r.items(w, "pending", path):
            b = self.r.obj(item, p, BALLOT, ("kind", "contributor", "payload"))
            kind = self.r.choice(b, "kind", p, BallotKind)
            contributor = self.r.text(b, "contributor", p, required=True, max_len=64)
            scope = self.r.text(b, "scope", p, max_len=100)
            if scope:
                self.refs.append(("activity", scope, f"{p}.scope"))
            elif kind is not None and kind is not BallotKind.IDEA:
                self.r.fail(f"{p}.scope", f"a pending {kind.value} needs the key of its activity")
            payload = b.get("payload")
            if not isinstance(payload, dict) or kind is None:
                if not isinstance(payload, dict):
                    self.r.fail(f"{p}.payload", "must be an object")
                continue
            q = f"{p}.payload"
            self.r.obj(payload, q, PAYLOAD[kind.value])
            clean = {"unit": self.unit_ref(payload, "unit", q)}
            if kind is BallotKind.ANSWER:
                options = payload.get("options") or []
                if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
                    self.r.fail(f"{q}.options", "must be a list of option keys")
                    options = []
                clean["options"] = options
                clean["scale"] = self.r.integer(payload, "scale", q, minimum=0, maximum=10)
            elif kind is BallotKind.NOTE:
                clean["text"] = self.r.text(payload, "text", q, required=True, max_len=280)
            elif kind is BallotKind.COMMENT:
                clean["body"] = self.r.text(payload, "body", q, required=True, rich=True, max_len=20000)
                clean["body"], clean["body_source"] = self.source(
                    payload, "body", q, clean["body"], derive=False
                )
                clean["parent"] = self.r.text(payload, "parent", q, max_len=100)
                if clean["parent"]:
                    self.refs.append(("comment", clean["parent"], f"{q}.parent"))
                target = self.r.text(payload, "target", q, max_len=20) or "activity"
                if target not in ("theme", "measure", "activity", "idea"):
                    self.r.fail(f"{q}.target", "must be theme, measure, activity or idea")
                clean["target"] = target
                clean["target_id"] = self.r.text(payload, "target_id", q, max_len=100)
                if clean["target_id"]:
                    self.refs.append((target, clean["target_id"], f"{q}.target_id"))
                clean["on_behalf"] = self.r.boolean(payload, "on_behalf", q, False)
            else:
                clean["title"] = self.r.text(payload, "title", q, required=True, max_len=200)
                clean["body"] = self.r.text(payload, "body", q, required=True, rich=True, max_len=20000)
                clean["body"], clean["body_source"] = self.source(
                    payload, "body", q, clean["body"], derive=False
                )
                clean["theme"] = self.r.text(payload, "theme", q, max_len=100)
                if clean["theme"]:
                    self.refs.append(("theme", clean["theme"], f"{q}.theme"))
            # Only the fields the document gives: a restored payload is the payload that was kept.
            clean = {k: v for k, v in clean.items() if k in payload}
            out.append({"scope": scope, "kind": kind, "contributor": contributor, "payload": clean})
        return out

    # -- rich text and its Markdown source

    def source(
        self, data: dict, key: str, path: str, html: str | None, *, derive: bool = True
    ) -> tuple[str | None, str | None]:
        """Rich text `html` and its Markdown source `<key>_source` as the document gives it (null:
        none). Without the field (an older document, an anonymous item of a moderator's export) and
        with `derive`, the source is the Markdown of the HTML where that renders back the same, as
        migration 0008 gave stored rows; else none, and editing starts from the HTML."""
        if f"{key}_source" not in data:
            return html, markdown.source_for(html) if derive and html else None
        source = self.r.text(data, f"{key}_source", path, max_len=markdown.MAX_SOURCE)
        return self.rendered(html, source, f"{path}.{key}", f"{path}.{key}_source")

    def sources(self, data: dict, key: str, path: str, html: dict) -> tuple[dict, dict | None]:
        """`source` per language of a localized rich text; a language left out has no source."""
        if f"{key}_source" not in data:
            return html, markdown.sources_for(html)
        if data[f"{key}_source"] is None:
            return html, {}
        given = self.r.localized(data, f"{key}_source", path, max_len=markdown.MAX_SOURCE)
        html, sources = dict(html), {}
        for lang, text in given.items():
            shown, source = self.rendered(
                html.get(lang), text, f"{path}.{key}.{lang}", f"{path}.{key}_source.{lang}"
            )
            if shown:
                html[lang] = shown
            if source is not None:
                sources[lang] = source
        return html, sources

    def rendered(self, html, source, html_path: str, source_path: str) -> tuple[str | None, str | None]:
        """The HTML and source to store for a rich text that comes with its Markdown source.

        The source is text (clean_text) and the HTML is what `markdown.render` makes of it, as on
        every write: the document's HTML is kept where it is exactly that (a backup's is), else it
        is rendered from the source, with a warning. A source that cannot be rendered, or renders
        to nothing, is left out (with a warning) and the HTML is kept as the document has it.
        """
        if source is None:
            return html, None
        try:
            again = markdown.render(source)
        except markdown.MarkdownError as error:
            self.r.warn(source_path, f"cannot be rendered ({error}); left out, the HTML is kept")
            return html, None
        if not again:
            self.r.warn(source_path, "renders to nothing; left out, the HTML is kept")
            return html, None
        if again != html:
            self.r.warn(html_path, "is not what its Markdown source renders to; rendered from the source")
        return again, source

    def unit_ref(self, data: dict, key: str, path: str):
        value = self.r.text(data, key, path, max_len=1000)
        if value:
            value = UNIT_SEPARATOR.join(part.strip() for part in value.split("/"))
            self.refs.append(("unit", value, f"{path}.{key}"))
        return value

    # -- organisation and people

    def units(self, doc: dict) -> list[dict]:
        out: list[dict] = []
        codes: set[str] = set()

        def walk(items, parent_path):
            for item, path in items:
                u = self.r.obj(item, path, UNIT, ("name",))
                if not u:
                    continue
                name = self.r.localized(u, "name", path, required=True, max_len=200, line=True)
                fi = name.get("fi") or next(iter(name.values()), None)
                if fi and "/" in fi:
                    self.r.fail(
                        f"{path}.name", "must not contain '/' (it separates the levels of a unit path)"
                    )
                code = self.r.text(u, "code", path, max_len=64, line=True)
                if code and code in codes:
                    self.r.fail(f"{path}.code", f"{code!r} is used twice")
                codes.add(code)
                own = f"{parent_path}{UNIT_SEPARATOR}{fi}" if parent_path else fi
                if not fi or any(x["path"] == own for x in out):
                    if fi:
                        self.r.fail(f"{path}.name", f"the unit {own!r} is listed twice")
                    continue
                out.append({"path": own, "parent": parent_path, "name": name, "code": code})
                walk(self.r.items(u, "units", path), own)

        walk(self.r.items(doc, "units", "$"), None)
        return out

    def people(self, doc: dict) -> list[dict]:
        out, seen = [], set()
        for item, path in self.r.items(doc, "people", "$"):
            p = self.r.obj(item, path, PERSON, ("email", "name"))
            email = self.r.email(p, "email", path, required=True)
            if email in seen:
                self.r.fail(f"{path}.email", f"{email} is listed twice")
            seen.add(email)
            locale = p.get("locale")
            if locale is not None and locale not in LANGUAGES:
                self.r.fail(f"{path}.locale", f"must be one of {', '.join(LANGUAGES)} (got {locale!r})")
            out.append(
                {
                    "email": email,
                    "name": self.r.text(p, "name", path, required=True, max_len=200, line=True),
                    "role": self.r.choice(p, "role", path, Role, Role.PARTICIPANT),
                    "unit": self.unit_ref(p, "unit", path),
                    "locale": locale,
                    "password": p.get("password") if isinstance(p.get("password"), str) else None,
                    "consents_to_named_quotes": self.r.boolean(p, "consents_to_named_quotes", path, False),
                }
            )
        return out

    # -- the workspace

    def workspace(self, data) -> dict:
        path = "workspace"
        w = self.r.obj(data, path, WORKSPACE, ("slug", "title"))
        slug = self.r.text(w, "slug", path, required=True, max_len=80)
        if slug and not SLUG.match(slug):
            self.r.fail(f"{path}.slug", "may hold only lowercase letters a–z, digits and single hyphens")
        language = w.get("primary_language", "fi")
        if language not in LANGUAGES:
            self.r.fail(f"{path}.primary_language", f"must be one of {', '.join(LANGUAGES)}")
        self.keys = {
            "theme": set(),
            "measure": set(),
            "activity": set(),
            "idea": set(),
            "comment": set(),
            "note": set(),
        }
        out = {
            "slug": slug,
            "title": self.r.localized(w, "title", path, required=True, max_len=200, line=True),
            "introduction": self.r.localized(w, "introduction", path, rich=True),
            "strategy": self.r.localized(w, "strategy", path, max_len=500),
            "status": self.r.choice(w, "status", path, WorkspaceStatus, WorkspaceStatus.DRAFT),
            "access": self.r.choice(w, "access", path, WorkspaceAccess, WorkspaceAccess.INVITED),
            "opens_on": self.r.day(w, "opens_on", path),
            "closes_on": self.r.day(w, "closes_on", path),
            "primary_language": language,
            "min_group_size": self.group_size(w, path),
            "created_at": self.r.moment(w, "created_at", path),
            "memberships": [self.membership(m, p) for m, p in self.r.items(w, "memberships", path)],
            "themes": [self.theme(t, p) for t, p in self.r.items(w, "themes", path)],
            "ideas": [self.idea(i, p) for i, p in self.r.items(w, "ideas", path)],
            "programme_versions": self.programme_versions(w, path),
            "cover": images.parse(self, w, "cover", path),
        }
        out["introduction"], out["introduction_source"] = self.sources(
            w, "introduction", path, out["introduction"]
        )
        out["sessions"] = self.sessions(w, path, out["themes"])
        if out["opens_on"] and out["closes_on"] and out["closes_on"] < out["opens_on"]:
            self.r.fail(f"{path}.closes_on", "is before opens_on")
        members = [m["person"] for m in out["memberships"] if m["person"]]
        for dup in {e for e in members if members.count(e) > 1}:
            self.r.fail(f"{path}.memberships", f"{dup} is listed twice")
        return out

    def sessions(self, w: dict, path: str, themes: list[dict]) -> list[dict]:
        """Live workshop sessions (ideaspace/workshops), ended: their unit's work community, how many
        guest devices joined and contributed, and how many of them answered each step. The guests'
        answers themselves are among the activities' `answers` (anonymous aggregates)."""
        activities = {a["key"]: (t["key"], a) for t in themes for a in t["activities"] if a["key"]}
        out = []
        for item, p in self.r.items(w, "sessions", path):
            s = self.r.obj(item, p, SESSION, ("theme", "created_at", "expires_at", "steps"))
            theme = self.r.text(s, "theme", p, required=True, max_len=80)
            if theme and theme not in {t["key"] for t in themes}:
                self.r.fail(f"{p}.theme", f"no theme has the key {theme!r} in this workspace")
            language = s.get("language", "fi")
            if language not in LANGUAGES:
                self.r.fail(f"{p}.language", f"must be one of {', '.join(LANGUAGES)}")
            created = self.r.moment(s, "created_at", p, required=True)
            expires = self.r.moment(s, "expires_at", p, required=True)
            ended = self.r.moment(s, "ended_at", p)
            if created and expires and expires <= created:
                self.r.fail(f"{p}.expires_at", "must be after created_at")
            if created and ended and ended < created:
                self.r.fail(f"{p}.ended_at", "is before created_at")
            steps: list[str] = []
            for value, q in self.r.items(s, "steps", p):
                if not isinstance(value, str) or value not in activities:
                    self.r.fail(q, f"no activity has the key {value!r} in this workspace")
                elif theme and activities[value][0] != theme:
                    self.r.fail(q, f"activity {value!r} is not in the session's theme {theme!r}")
                elif value in steps:
                    self.r.fail(q, f"activity {value!r} is a step twice")
                else:
                    steps.append(value)
            if not steps and isinstance(s.get("steps"), list):
                self.r.fail(f"{p}.steps", "a session runs at least one activity")
            guests = self.r.integer(s, "guests", p, default=0, minimum=0, maximum=MAX_GUESTS)
            contributed = self.r.integer(s, "contributed", p, default=0, minimum=0, maximum=MAX_GUESTS)
            if guests is not None and contributed is not None and contributed > guests:
                self.r.fail(f"{p}.contributed", f"is more than the session's {guests} guests")
            answered = {}
            counts = s.get("answered") or {}
            if not isinstance(counts, dict):
                self.r.fail(f"{p}.answered", 'must be an object of activity keys and counts, e.g. {"A2": 8}')
                counts = {}
            for key in counts:
                q = f"{p}.answered.{key}"
                if key not in steps:
                    self.r.fail(q, "is not one of the session's steps")
                    continue
                if not activities[key][1]["kind"] or not activities[key][1]["kind"].is_answered:
                    self.r.fail(q, "this activity takes no answers")
                    continue
                n = self.r.integer(counts, key, f"{p}.answered", minimum=0, maximum=MAX_GUESTS)
                if n is not None and contributed is not None and n > contributed:
                    self.r.fail(q, f"is more than the session's {contributed} contributing guests")
                elif n:
                    answered[key] = n
            out.append(
                {
                    "theme": theme,
                    "unit": self.unit_ref(s, "unit", p),
                    "facilitator": self.person_ref(s, "facilitator", p),
                    "language": language,
                    "created_at": created,
                    "expires_at": expires,
                    "ended_at": ended,
                    "steps": steps,
                    "guests": guests or 0,
                    "contributed": contributed or 0,
                    "answered": answered,
                }
            )
        return out

    def membership(self, data, path) -> dict:
        m = self.r.obj(data, path, MEMBERSHIP, ("person",))
        visits = [self.r.day_value(value, p) for value, p in self.r.items(m, "visits", path)]
        return {
            "person": self.person_ref(m, "person", path, required=True),
            "role": self.r.choice(m, "role", path, MemberRole, MemberRole.PARTICIPANT),
            "invited_at": self.r.moment(m, "invited_at", path),
            "invited_by": self.person_ref(m, "invited_by", path),
            "first_visit_at": self.r.moment(m, "first_visit_at", path),
            "last_visit_at": self.r.moment(m, "last_visit_at", path),
            "visit_count": self.r.integer(m, "visit_count", path, default=0, minimum=0, maximum=10**9),
            "first_contribution_at": self.r.moment(m, "first_contribution_at", path),
            "last_reminded_at": self.r.moment(m, "last_reminded_at", path),
            "visits": sorted({v for v in visits if v}),
        }

    def theme(self, data, path) -> dict:
        t = self.r.obj(data, path, THEME, ("key", "title"))
        introduction, introduction_source = self.sources(
            t, "introduction", path, self.r.localized(t, "introduction", path, rich=True)
        )
        return {
            "key": self.r.key(t, path, self.keys["theme"]),
            "title": self.r.localized(t, "title", path, required=True, max_len=300, line=True),
            "introduction": introduction,
            "introduction_source": introduction_source,
            "measures": [self.measure(m, p) for m, p in self.r.items(t, "measures", path)],
            "activities": [self.activity(a, p) for a, p in self.r.items(t, "activities", path)],
            "comments": self.comments(t, path),
            "quotes": [self.quote(q, p) for q, p in self.r.items(t, "quotes", path)],
            "cover": images.parse(self, t, "cover", path),
        }

    def measure(self, data, path) -> dict:
        m = self.r.obj(data, path, MEASURE, ("key", "text"))
        origin = self.r.text(m, "origin_idea", path)
        if origin:
            self.refs.append(("idea", origin, f"{path}.origin_idea"))
        return {
            "key": self.r.key(m, path, self.keys["measure"]),
            "goal": self.r.localized(m, "goal", path, max_len=1000),
            "text": self.r.localized(m, "text", path, required=True, max_len=2000),
            "schedule": self.r.localized(m, "schedule", path, max_len=200, line=True),
            "responsible": self.r.localized(m, "responsible", path, max_len=500, line=True),
            "status": self.r.choice(m, "status", path, MeasureStatus, MeasureStatus.IN_PROGRAMME),
            "origin_idea": origin,
            "indicators": [self.indicator(i, p) for i, p in self.r.items(m, "indicators", path)],
            "comments": self.comments(m, path),
        }

    def indicator(self, data, path) -> dict:
        i = self.r.obj(data, path, INDICATOR, ("description",))
        readings, years = [], set()
        for item, p in self.r.items(i, "readings", path):
            rd = self.r.obj(item, p, READING, ("year",))
            year = self.r.integer(rd, "year", p, minimum=1900, maximum=2200)
            if year in years:
                self.r.fail(f"{p}.year", f"{year} has two readings")
            years.add(year)
            readings.append(
                {
                    "year": year,
                    "value": self.r.number(rd, "value", p),
                    "note": self.r.localized(rd, "note", p, max_len=1000, line=True),
                }
            )
        out = {
            "description": self.r.localized(i, "description", path, required=True, max_len=1000, line=True),
            "unit_of_measure": self.r.localized(i, "unit_of_measure", path, max_len=100, line=True),
            "baseline_year": self.r.integer(i, "baseline_year", path, minimum=1900, maximum=2200),
            "baseline_value": self.r.number(i, "baseline_value", path),
            "baseline_source": self.r.localized(i, "baseline_source", path, max_len=300, line=True),
            "comparator": self.r.choice(i, "comparator", path, Comparator, Comparator.QUALITATIVE),
            "target_value": self.r.number(i, "target_value", path),
            "target_text": self.r.localized(i, "target_text", path, max_len=500, line=True),
            "readings": sorted(readings, key=lambda x: x["year"] or 0),
        }
        if out["comparator"] not in (None, Comparator.QUALITATIVE) and out["target_value"] is None:
            self.r.fail(
                f"{path}.target_value", f"is required with the comparator {out['comparator'].value!r}"
            )
        return out

    def activity(self, data, path) -> dict:
        a = self.r.obj(data, path, ACTIVITY, ("key", "kind", "title"))
        kind = self.r.choice(a, "kind", path, ActivityKind)
        option_keys: set[str] = set()
        options = []
        for item, p in self.r.items(a, "options", path):
            o = self.r.obj(item, p, OPTION, ("key", "label"))
            measure = self.r.text(o, "measure", p)
            if measure:
                self.refs.append(("measure", measure, f"{p}.measure"))
            options.append(
                {
                    "key": self.r.key(o, p, option_keys),
                    "label": self.r.localized(o, "label", p, required=True, max_len=500, line=True),
                    "measure": measure,
                }
            )
        if options and kind is not None and not kind.is_poll:
            self.r.fail(f"{path}.options", f"only polls have options, not a {kind.value} activity")
        if kind is not None and kind.is_poll and len(options) < 2:
            self.r.fail(f"{path}.options", "a poll needs at least two options")
        max_sel = self.r.integer(a, "max_selections", path, minimum=1, maximum=1000)
        prompt, prompt_source = self.sources(
            a, "prompt", path, self.r.localized(a, "prompt", path, rich=True)
        )
        out = {
            "key": self.r.key(a, path, self.keys["activity"]),
            "kind": kind,
            "title": self.r.localized(a, "title", path, required=True, max_len=300, line=True),
            "prompt": prompt,
            "prompt_source": prompt_source,
            "status": self.r.choice(a, "status", path, ActivityStatus, ActivityStatus.OPEN),
            "is_anonymous": self.r.boolean(a, "is_anonymous", path, False),
            "results_visibility": self.r.choice(
                a, "results_visibility", path, ResultsVisibility, ResultsVisibility.ALWAYS
            ),
            "answers_changeable": self.r.boolean(a, "answers_changeable", path, True),
            "max_selections": max_sel,
            "in_programme": self.r.boolean(a, "in_programme", path, False),
            "programme_position": self.r.integer(
                a, "programme_position", path, default=0, minimum=0, maximum=10**6
            ),
            "options": options,
            "answers": [],
            "respondents": [],
            "note_groups": [],
            "notes": [],
            "comments": self.comments(a, path),
        }
        for item, p in self.r.items(a, "answers", path):
            out["answers"].append(self.answer(item, p, kind, option_keys, max_sel))
        out["respondents"] = self.respondents(a, path)
        if (out["answers"] or out["respondents"]) and kind is not None and not kind.is_answered:
            self.r.fail(f"{path}.answers", f"a {kind.value} activity takes no answers")
        groups: set[str] = set()
        for item, p in self.r.items(a, "note_groups", path):
            g = self.r.obj(item, p, ("key", "label"), ("key", "label"))
            out["note_groups"].append(
                {
                    "key": self.r.key(g, p, groups),
                    "label": self.r.text(g, "label", p, required=True, max_len=120, line=True),
                }
            )
        for item, p in self.r.items(a, "notes", path):
            out["notes"].append(self.note(item, p, groups))
        if (out["notes"] or out["note_groups"]) and kind is not ActivityKind.NOTES:
            self.r.fail(f"{path}.notes", "only a notes activity holds notes")
        return out

    def answer(self, data, path, kind, option_keys, max_sel) -> dict:
        a = self.r.obj(data, path, ANSWER, ("on",))
        chosen = a.get("options") or []
        if not isinstance(chosen, list) or not all(isinstance(k, str) for k in chosen):
            self.r.fail(f"{path}.options", "must be a list of option keys")
            chosen = []
        for k in chosen:
            if k not in option_keys:
                self.r.fail(f"{path}.options", f"{k!r} is not an option of this activity")
        if len(set(chosen)) != len(chosen):
            self.r.fail(f"{path}.options", "names an option twice")
        value = self.r.integer(a, "value", path, minimum=0, maximum=10)
        if kind is ActivityKind.SINGLE_CHOICE and len(chosen) != 1:
            self.r.fail(f"{path}.options", "a single-choice answer names exactly one option")
        if kind is ActivityKind.MULTIPLE_CHOICE:
            if not chosen:
                self.r.fail(f"{path}.options", "a multiple-choice answer names at least one option")
            if max_sel and len(chosen) > max_sel:
                self.r.fail(f"{path}.options", f"names {len(chosen)} options, at most {max_sel} allowed")
        if kind is ActivityKind.SCALE and (value is None or chosen):
            self.r.fail(f"{path}.value", "a scale answer has a value 0–10 and no options")
        if kind is not ActivityKind.SCALE and a.get("value") is not None:
            self.r.fail(f"{path}.value", "only a scale answer has a value")
        return {
            "on": self.r.day(a, "on", path, required=True),
            "options": sorted(chosen),
            "value": value,
            "unit": self.unit_ref(a, "unit", path),
        }

    def hidden(self, data: dict, path: str):
        if data.get("hidden") is None:
            return None
        h = self.r.obj(data["hidden"], f"{path}.hidden", HIDDEN, ("at",))
        return {
            "at": self.r.moment(h, "at", f"{path}.hidden", required=True),
            "reason": self.r.text(h, "reason", f"{path}.hidden", max_len=500),
            "by": self.person_ref(h, "by", f"{path}.hidden"),
        }

    def note(self, data, path, groups: set[str]) -> dict:
        n = self.r.obj(data, path, NOTE, ("text",))
        group = self.r.text(n, "group", path)
        if group and group not in groups:
            self.r.fail(f"{path}.group", f"{group!r} is not a note group of this activity")
        return {
            "key": self.r.key(n, path, self.keys["note"], required=False),
            "text": self.r.text(n, "text", path, required=True, max_len=280),
            "author": self.person_ref(n, "author", path),
            "unit": self.unit_ref(n, "unit", path),
            "group": group,
            "created_at": self.r.moment(n, "created_at", path),
            "hidden": self.hidden(n, path),
        }

    def comments(self, data: dict, path: str, *, depth: int = 0) -> list[dict]:
        out = []
        for item, p in self.r.items(data, "comments" if depth == 0 else "replies", path):
            c = self.r.obj(item, p, COMMENT, ("body",))
            if depth and c.get("replies"):
                self.r.fail(f"{p}.replies", "replies go one level deep only")
            liked = self.person_list(c, "liked_by", p)
            body = self.r.text(c, "body", p, required=True, rich=True, max_len=20000)
            body, body_source = self.source(c, "body", p, body)
            out.append(
                {
                    "key": self.r.key(c, p, self.keys["comment"], required=False),
                    "body": body,
                    "body_source": body_source,
                    "author": self.person_ref(c, "author", p),
                    "unit": self.unit_ref(c, "unit", p),
                    "on_behalf_of_unit": self.r.boolean(c, "on_behalf_of_unit", p, False),
                    "created_at": self.r.moment(c, "created_at", p),
                    "edited_at": self.r.moment(c, "edited_at", p),
                    "withdrawn_at": self.r.moment(c, "withdrawn_at", p),
                    "hidden": self.hidden(c, p),
                    "liked_by": liked,
                    "replies": [] if depth else self.comments(c, p, depth=1),
                }
            )
        return out

    def idea(self, data, path) -> dict:
        i = self.r.obj(data, path, IDEA, ("key", "title", "body"))
        theme = self.r.text(i, "theme", path)
        if theme:
            self.refs.append(("theme", theme, f"{path}.theme"))
        merged = self.r.text(i, "merged_into", path)
        if merged:
            self.refs.append(("idea", merged, f"{path}.merged_into"))
        supporters, history = [], []
        for item, p in self.r.items(i, "supporters", path):
            s = self.r.obj(item, p, SUPPORT, ("person",))
            supporters.append(
                {"person": self.person_ref(s, "person", p, required=True), "at": self.r.moment(s, "at", p)}
            )
        for item, p in self.r.items(i, "history", path):
            h = self.r.obj(item, p, CHANGE, ("to",))
            history.append(
                {
                    "from": self.r.choice(h, "from", p, IdeaStatus, None),
                    "to": self.r.choice(h, "to", p, IdeaStatus),
                    "reason": self.r.text(h, "reason", p, max_len=5000),
                    "by": self.person_ref(h, "by", p),
                    "at": self.r.moment(h, "at", p),
                }
            )
        emails = [s["person"] for s in supporters]
        body = self.r.text(i, "body", path, required=True, rich=True, max_len=20000)
        body, body_source = self.source(i, "body", path, body)
        for dup in {e for e in emails if e and emails.count(e) > 1}:
            self.r.fail(f"{path}.supporters", f"{dup} supports the idea twice")
        return {
            "key": self.r.key(i, path, self.keys["idea"]),
            "title": self.r.text(i, "title", path, required=True, max_len=200, line=True),
            "body": body,
            "body_source": body_source,
            "theme": theme,
            "author": self.person_ref(i, "author", path),
            "unit": self.unit_ref(i, "unit", path),
            "status": self.r.choice(i, "status", path, IdeaStatus, IdeaStatus.NEW),
            "status_reason": self.r.text(i, "status_reason", path, max_len=5000),
            "merged_into": merged,
            "created_at": self.r.moment(i, "created_at", path),
            "hidden": self.hidden(i, path),
            "supporters": supporters,
            "history": history,
            "comments": self.comments(i, path),
            "image": images.parse(self, i, "image", path),
        }

    def quote(self, data, path) -> dict:
        q = self.r.obj(data, path, QUOTE, ("excerpt",))
        source = q.get("source")
        if source is not None:
            s = self.r.obj(source, f"{path}.source", ("comment", "note", "idea"))
            if len(s) != 1:
                self.r.fail(f"{path}.source", 'names exactly one of "comment", "note" or "idea"')
                source = None
            else:
                ((kind, key),) = s.items()
                if kind in ("comment", "note", "idea") and isinstance(key, str):
                    self.refs.append((kind, key, f"{path}.source.{kind}"))
                    source = (kind, key)
                else:
                    self.r.fail(f"{path}.source.{kind}", "must be a key")
                    source = None
        language = q.get("language", "fi")
        if language not in LANGUAGES:
            self.r.fail(f"{path}.language", f"must be one of {', '.join(LANGUAGES)}")
        return {
            "excerpt": self.r.text(q, "excerpt", path, required=True, max_len=5000),
            "language": language,
            "attribution": self.r.choice(q, "attribution", path, Attribution, Attribution.ROLE),
            "attributed_unit": self.r.text(q, "attributed_unit", path, max_len=200, line=True),
            "attributed_name": self.r.text(q, "attributed_name", path, max_len=200, line=True),
            "source": source,
            "created_at": self.r.moment(q, "created_at", path),
        }

    def programme_versions(self, data, path) -> list[dict]:
        """Published versions: frozen programme documents, kept as they are (their rich text is
        sanitized again, since the preview shows it as HTML)."""
        out, seen = [], set()
        for item, p in self.r.items(data, "programme_versions", path):
            v = self.r.obj(item, p, PROGRAMME_VERSION, ("version", "content"))
            number = self.r.integer(v, "version", p, minimum=1, maximum=10**6)
            if number in seen:
                self.r.fail(f"{p}.version", f"{number} is listed twice")
            seen.add(number)
            content = v.get("content")
            languages = content.get("languages") if isinstance(content, dict) else None
            if (
                not isinstance(languages, dict)
                or not languages
                or not all(
                    lang in LANGUAGES and isinstance(doc, dict) and isinstance(doc.get("themes", []), list)
                    for lang, doc in languages.items()
                )
            ):
                self.r.fail(f"{p}.content", 'must be {"languages": {"fi": {programme}, ...}}')
                continue
            out.append(
                {
                    "version": number,
                    "published_at": self.r.moment(v, "published_at", p),
                    "published_by": self.person_ref(v, "published_by", p),
                    "note": self.r.text(v, "note", p, max_len=500),
                    "content": {
                        "languages": {lang: _clean_programme(doc) for lang, doc in languages.items()}
                    },
                }
            )
        return sorted(out, key=lambda v: v["version"] or 0)

    # -- cross references

    def check_references(self, units: list[dict], people: list[dict]) -> None:
        """Keys must name something in this document; people and units are checked against the
        database by the import (they may already exist there)."""
        ws_keys = self.keys if hasattr(self, "keys") else {}
        for kind, value, path in self.refs:
            if kind in ("person", "unit"):
                continue
            if value not in ws_keys.get(kind, set()):
                self.r.fail(path, f"no {kind} has the key {value!r} in this workspace")


def _clean_programme(doc: dict) -> dict:
    """A frozen programme document whose HTML fields are sanitized again (nothing in a file runs)."""
    doc = copy.deepcopy(doc)
    if isinstance(doc.get("workspace"), dict):
        doc["workspace"]["introduction_html"] = clean_html(doc["workspace"].get("introduction_html") or "")
    for theme in doc.get("themes") or []:
        if isinstance(theme, dict):
            theme["introduction_html"] = clean_html(theme.get("introduction_html") or "")
    return doc
