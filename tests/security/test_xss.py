"""Every payload of the XSS corpus through every text field people can write, via the real forms.

The forms are read from the pages themselves (html.parser): every text input and textarea of the
form is filled with the payload (every language of a localized text included), the rest keeps the
value the page gave it, and the form is posted. The page the post leads to, and the pages that show
the content (theme, idea, notes wall, barrel, manage pages, programme preview and HTML export,
admin lists) must hold nothing that could run.
"""

from __future__ import annotations

import io
from collections import Counter
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from ideaspace.extensions import db
from ideaspace.models import Idea

from . import world as worlds
from .harness import as_role
from .xss import NASTIEST, dangers, payloads

PAYLOADS = payloads()
TRIED: Counter = Counter()  # (form, field) → payloads sent


class _Forms(HTMLParser):
    """The post forms of a page: action, and fields as (name, type, value)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form = None
        self._textarea = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {
                "action": a.get("action", ""),
                "method": (a.get("method") or "get").lower(),
                "fields": [],
            }
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self._form["fields"].append([a["name"], kind, a.get("value", "y" if kind == "checkbox" else "")])
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], "textarea", ""]
            self._form["fields"].append(self._textarea)
        elif tag == "select" and a.get("name"):
            self._select = [a["name"], "select", None]
            self._form["fields"].append(self._select)
        elif tag == "option" and self._select is not None:
            if self._select[2] is None or "selected" in a:
                self._select[2] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[2] += data


TEXT_TYPES = {"text", "textarea", "search"}


def _form(client, page: str, action_part: str) -> dict:
    html = client.get(page).get_data(as_text=True)
    parser = _Forms()
    parser.feed(html)
    for form in parser.forms:
        if (
            form["method"] == "post"
            and action_part in form["action"]
            and any(kind in TEXT_TYPES for _n, kind, _v in form["fields"])
        ):
            return form
    raise AssertionError(f"no post form with {action_part!r} and a text field on {page}")


def _fill(form: dict, payload: str, keep=()) -> tuple[str, dict]:
    data = {}
    for name, kind, value in form["fields"]:
        if kind in TEXT_TYPES and name not in keep and name != "next" and name != "q":
            data[name] = payload
        elif name != "csrf_token" and value is not None:
            data[name] = value
    return form["action"], data


def _check(html: str, where: str, payload: str, failures: list[str]) -> None:
    found = dangers(html)
    if found:
        failures.append(f"{where} with {payload!r}: {', '.join(sorted(set(found)))}")


def _path(url: str) -> str:
    return urlsplit(url).path or url


def _run(client, session, world, role, page, action_part, shown_on, failures, *, follow=True, keep=()):
    """Post every payload through the form; check where it leads and the pages that show it."""
    as_role(client, world, role)
    form = _form(client, page, action_part)
    fields = [
        n for n, kind, _v in form["fields"] if kind in TEXT_TYPES and n not in keep and n not in ("next", "q")
    ]
    accepted = 0
    for payload in PAYLOADS:
        action, data = _fill(form, payload, keep)
        response = client.post(action, data=data, follow_redirects=follow)
        assert response.status_code < 500, (action, payload)
        if response.status_code == 200 and 'name="publish_anyway"' in response.get_data(as_text=True):
            # An idea like an earlier payload meets the duplicate check step: sweep it, then publish.
            _check(response.get_data(as_text=True), f"{role} → {_path(action)} (check step)", payload, failures)
            response = client.post(action, data={**data, "publish_anyway": "1"}, follow_redirects=follow)
            assert response.status_code < 500, (action, payload)
        accepted += bool(response.history) or response.status_code == 302
        if response.status_code != 302:  # a page: the one it led to, or the form with errors
            _check(response.get_data(as_text=True), f"{role} → {_path(action)}", payload, failures)
        for name in fields:
            TRIED[(action_part, name)] += 1
    assert accepted, f"no payload was accepted by {action_part} on {page}: the test would prove nothing"
    for url in shown_on:
        html = client.get(url).get_data(as_text=True)
        _check(html, f"{role} reads {url}", "(all payloads)", failures)
    return fields


@pytest.fixture
def world(make, session):
    return worlds.build(make, session)


def test_corpus_is_large_enough():
    assert len(PAYLOADS) >= 100
    kinds = " ".join(PAYLOADS).lower()
    for needle in (
        "<script",
        "onerror",
        "ontoggle",
        "onfocus",
        "javascript:",
        "&#106;",
        "data:",
        "vbscript:",
        "<svg",
        "<math",
        "srcdoc",
        "<object",
        "<embed",
        "<base",
        "http-equiv",
        "expression(",
        "{{7*7}}",
        "${7*7}",
        "\x00",
        "+adw-",
        "\\u003c",
    ):
        assert needle in kinds, needle


def test_the_checker_sees_every_nasty_payload_left_raw():
    """Not vacuous: each of the nastiest payloads, put into a page unescaped, is caught."""
    for payload in NASTIEST:
        if payload.startswith("<noscript>") or "{{" in payload:
            # a parser differential (mutation XSS) html.parser keeps as an attribute value; and a
            # template probe, harmful only once evaluated (checked just below)
            continue
        # in text, and inside double- and single-quoted attributes (where the breakouts aim)
        page = f"""<html><body><p title="{payload}" lang='{payload}'>{payload}</p></body></html>"""
        assert dangers(page), payload
    assert dangers("<p>ts49ts</p>")
    assert not dangers('<p>&lt;script&gt;alert(1)&lt;/script&gt; <a href="https://example.fi">x</a></p>')


def test_participant_fields(client, session, world, make):
    a = world.a
    slug = a.ws.slug
    theme = f"/w/{slug}/themes/{a.theme.id}"
    wall = f"/w/{slug}/activities/{a.activities['notes'].id}/notes"
    failures: list[str] = []
    _run(client, session, world, "member", theme, "/comments/theme/", [theme], failures, follow=False)
    _run(client, session, world, "member", wall, "/notes", [wall, theme], failures, follow=False)
    _run(
        client,
        session,
        world,
        "member",
        f"/w/{slug}/ideas",
        f"/w/{slug}/ideas",
        [f"/w/{slug}/ideas", theme],
        failures,
        follow=False,
    )
    ideas = db.session.scalars(sa.select(Idea.id).where(Idea.workspace_id == a.ws.id)).all()
    assert len(ideas) > len(PAYLOADS) // 2  # most payloads make an idea (some are too short a title)
    as_role(client, world, "member")
    for idea_id in ideas:
        url = f"/w/{slug}/ideas/{idea_id}"
        _check(client.get(url).get_data(as_text=True), f"member reads {url}", "(idea page)", failures)
    # A report's reason, written by the member about a comment they did not write (a platform
    # moderator who does not moderate A may not read it, so may not report in it: 41cd426).
    others = make.comment(a.theme, a.moderator)
    session.commit()
    _run(
        client,
        session,
        world,
        "member",
        f"/w/{slug}/report/comment/{others.id}",
        "/report/",
        [],
        failures,
        follow=False,
    )
    # The alt text of the member's idea's picture (issue 18), shown on the idea's page.
    idea_page = f"/w/{slug}/ideas/{a.idea.id}"
    _run(client, session, world, "member", f"{idea_page}/image", f"{idea_page}/image", [idea_page], failures)
    for role in ("moderator", "member"):
        as_role(client, world, role)
        for url in (theme, wall, f"/w/{slug}/ideas", f"/w/{slug}/ideas/{a.idea.id}", f"/w/{slug}/moderation"):
            _check(client.get(url).get_data(as_text=True), f"{role} reads {url}", "(all)", failures)
    assert not failures, "\n".join(failures[:40])


def test_moderator_fields(client, session, world):
    a = world.a
    slug = a.ws.slug
    manage = f"/w/{slug}/manage/"
    theme_manage = f"/w/{slug}/manage/themes/{a.theme.id}/"
    theme = f"/w/{slug}/themes/{a.theme.id}"
    preview = f"/w/{slug}/programme/preview"
    shown = [manage, theme_manage, theme, preview, f"/w/{slug}/", f"/w/{slug}/export.html"]
    failures: list[str] = []
    forms = [
        (f"/w/{slug}/manage/edit", "/manage/edit"),
        (f"/w/{slug}/manage/themes/{a.theme.id}/edit", f"/themes/{a.theme.id}/edit"),
        (f"/w/{slug}/manage/measures/{a.measure.id}/edit", f"/measures/{a.measure.id}/edit"),
        (f"/w/{slug}/manage/indicators/{a.indicator.id}/edit", f"/indicators/{a.indicator.id}/edit"),
        (
            f"/w/{slug}/manage/activities/{a.activities['single_choice'].id}/edit",
            f"/activities/{a.activities['single_choice'].id}/edit",
        ),
        (f"/w/{slug}/activities/{a.activities['notes'].id}/notes", "/notes/groups"),
        (f"/w/{slug}/manage/themes/new", "/themes/new"),
        (f"/w/{slug}/manage/themes/{a.theme.id}/measures/new", "/measures/new"),
        (f"/w/{slug}/moderation/idea/{a.idea.id}/hide", "/hide"),
        (f"/w/{slug}/programme", "/programme/publish"),
        # images (issue 18): the alt texts of the covers (the world has both; no file: only the text)
        (f"/w/{slug}/manage/cover", "/manage/cover"),
        (f"/w/{slug}/manage/themes/{a.theme.id}/cover", f"/themes/{a.theme.id}/cover"),
    ]
    for page, action in forms:
        _run(client, session, world, "moderator", page, action, shown, failures, keep=("slug",))
    assert not failures, "\n".join(failures[:40])


def test_admin_fields(client, session, world):
    failures: list[str] = []
    member = world.user("member")
    _run(
        client,
        session,
        world,
        "admin",
        f"/admin/users/{member.id}",
        f"/admin/users/{member.id}",
        ["/admin/users", f"/admin/users/{member.id}"],
        failures,
    )
    _run(
        client,
        session,
        world,
        "admin",
        f"/admin/units/{world.unit.id}",
        f"/admin/units/{world.unit.id}",
        ["/admin/units", "/admin/users"],
        failures,
    )
    # The people import: every payload as a name in one CSV, then the preview page.
    rows = "\n".join(
        f'"{p.replace(chr(34), chr(34) * 2)}",xss{i}@import.example.fi' for i, p in enumerate(PAYLOADS)
    )
    as_role(client, world, "admin")
    response = client.post(
        "/admin/people/import",
        data={"file": (io.BytesIO(("name,email\n" + rows + "\n").encode()), "people.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code in (200, 422)
    _check(response.get_data(as_text=True), "admin → people import preview", "(all)", failures)
    TRIED[("people import", "name")] += len(PAYLOADS)
    assert not failures, "\n".join(failures[:40])


def test_report_of_what_was_tried():
    """Runs last in this module: the totals for the report (pytest -s shows them)."""
    if TRIED:
        print(f"\nXSS: {len(PAYLOADS)} payloads × {len(TRIED)} fields = {sum(TRIED.values())} submissions")
