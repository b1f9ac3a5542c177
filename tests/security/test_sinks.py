"""The places where Jinja or WTForms would trust a string: user data never reaches them.

Two reproductions of what went wrong (issue #11, finding 1: an idea title in the merge form's
options; a typed email address in the invitation form's error), then static checks over the code
and the templates that keep the whole class out: a lazy translation string takes one literal and
nothing else, `Markup` wraps only a literal or a reviewed helper's sanitizer output, and `|safe`
stands only after fields that hold sanitizer output.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import lxml.html
import sqlalchemy as sa

from ideaspace.extensions import db
from ideaspace.models import Idea, IdeaStatus

from . import world as worlds
from .harness import as_role

ROOT = Path(__file__).resolve().parents[2]

# The title of the finding: it closes the <select>, and htmx would POST a role change with the
# admin's CSRF token from <body hx-headers> as soon as the element loads.
TITLE = 'x</select><i hx-post="/admin/users/10" hx-vals=\'{"role":"admin"}\' hx-trigger="load"></i><select>'


def _injected(html: str) -> list[str]:
    """Elements that carry the payload's htmx attributes (none, when it was escaped)."""
    tree = lxml.html.document_fromstring(html)
    return [
        lxml.html.tostring(el, encoding="unicode")[:120]
        for el in tree.xpath("//*[@hx-post='/admin/users/10']")
    ]


def test_an_idea_title_is_text_in_the_merge_options(client, make, session):
    """Finding 1: a participant's idea title rendered live on the merge page and the idea panel."""
    world = worlds.build(make, session)
    slug, target = world.a.ws.slug, world.a.idea
    as_role(client, world, "member")
    response = client.post(f"/w/{slug}/ideas", data={"title": TITLE, "body": "Kuvaus ideasta"})
    assert response.status_code in (200, 302), response.status_code
    assert db.session.scalar(sa.select(Idea.id).where(Idea.title == TITLE)), "the idea was not saved"
    target.status = IdeaStatus.UNDER_REVIEW  # only an idea under review can be merged
    session.commit()

    as_role(client, world, "admin")
    for url in (f"/w/{slug}/moderation/ideas/{target.id}/merge", f"/w/{slug}/ideas/{target.id}"):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert 'id="merge-into"' in html, f"{url} has no merge form: the test would prove nothing"
        assert not _injected(html), f"{url}: {_injected(html)}"
        assert "x&lt;/select&gt;&lt;i hx-post=" in html, url  # shown, as text


def test_a_typed_email_is_text_in_the_invitation_error(client, make, session):
    """The invitation form's error lists the addresses it could not read: as text."""
    world = worlds.build(make, session)
    as_role(client, world, "moderator")
    bad = '<i/hx-post="/admin/users/10"/hx-trigger="load"></i>'  # no space: the form splits on them
    response = client.post(f"/w/{world.a.ws.slug}/invitations", data={"emails": bad})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    # Listed among the addresses not invited (its angle brackets read as separators), as text.
    assert "<i/hx-post=" not in html and 'hx-post="/admin' not in html
    assert "hx-post=&#34;/admin/users/10&#34;" in html


# --- the static checks -----------------------------------------------------------------------

PACKAGE = ROOT / "ideaspace"
TEMPLATES = ROOT / "templates"
LAZY = {"lazy_gettext", "lazy_ngettext", "lazy_pgettext", "lazy_npgettext", "_l"}

# Functions allowed to call Markup(...) on something other than a literal, each reviewed:
MARKUP_HELPERS = {
    # Jinja's newstyle gettext: the catalogue's message (written by translators, not users) is
    # Markup, and `rv % variables` then escapes every variable.
    ("ideaspace/i18n.py", "_template_gettext"),
    ("ideaspace/i18n.py", "_template_ngettext"),
    ("ideaspace/i18n.py", "_template_pgettext"),
    ("ideaspace/i18n.py", "_template_npgettext"),
    # The |rich filter: localized rich text is stored as clean_html output (forms and importer).
    ("ideaspace/i18n.py", "localize_markup"),
    # A comment's body is stored as clean_html output (discussion.service.render_body).
    ("ideaspace/discussion/service.py", "body"),
    # The output of render_template: an autoescaped template, already safe.
    ("ideaspace/programme/rendering.py", "render_document"),
    # The app's own print stylesheet (static/css/print.css), inlined into the standalone printable
    # file: no user data.
    ("ideaspace/exports/html.py", "stylesheet"),
}

# The only expressions a template may mark |safe: each holds clean_html output.
SAFE_FIELDS = {
    "idea.body",  # ideas.service.submit stores clean_html(body); the importer cleans it too
    "ws.introduction_html",  # programme.service and transfer.schema store clean_html(...)
    "theme.introduction_html",  # the same, per theme (also in published snapshots)
    "preview_html",  # preview.views: markdown.render output (clean_html inside), never stored
    # a theme's "what we heard": insight.service.save_heard stores render_markdown (clean_html inside)
    "current_heard.summary_html",
    "found[0].summary_html",
    "theme.heard.html",  # programme.service._heard cleans the stored summary again for the document
}


def _python_files():
    return sorted(p for p in PACKAGE.rglob("*.py") if "translations" not in p.parts)


def _lazy_names(tree: ast.Module) -> set[str]:
    """The names a module gives flask_babel's lazy functions (`lazy_gettext as _l`, ...)."""
    names = set(LAZY)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in ("flask_babel", "flask_babelex"):
            for alias in node.names:
                if alias.name.startswith("lazy_"):
                    names.add(alias.asname or alias.name)
    return names


def _callee(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _is_literal(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


class _Scopes(ast.NodeVisitor):
    """Each call with the name of the function it is in."""

    def __init__(self):
        self.stack: list[str] = []
        self.calls: list[tuple[str, ast.Call]] = []

    def _scope(self, node):
        self.stack.append(node.name)
        self.generic_visit(node)
        self.stack.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _scope

    def visit_Call(self, node):
        self.calls.append((self.stack[-1] if self.stack else "<module>", node))
        self.generic_visit(node)


def _calls(source: str, filename: str = "<test>"):
    tree = ast.parse(source, filename=filename)
    scopes = _Scopes()
    scopes.visit(tree)
    return tree, scopes.calls


def lazy_problems(source: str, relative: str) -> list[str]:
    """Lazy translation calls given anything but one literal."""
    tree, calls = _calls(source, relative)
    lazy = _lazy_names(tree)
    return [
        f"{relative}:{call.lineno}: {ast.unparse(call)[:100]}"
        for _scope, call in calls
        if _callee(call) in lazy
        and not (len(call.args) == 1 and _is_literal(call.args[0]) and not call.keywords)
    ]


def markup_problems(source: str, relative: str) -> list[str]:
    """Markup(...) around anything but a literal outside the reviewed helpers; __html__ anywhere."""
    found = []
    if "__html__" in re.sub(r"#.*", "", source):
        found.append(f"{relative}: defines or uses __html__ (a class Jinja would trust)")
    for scope, call in _calls(source, relative)[1]:
        if _callee(call) != "Markup":
            continue
        if all(_is_literal(arg) for arg in call.args) and not call.keywords:
            continue  # Markup("<literal>"), and Markup("...").format(...) escapes its arguments
        if (relative, scope) not in MARKUP_HELPERS:
            found.append(f"{relative}:{call.lineno} in {scope}(): {ast.unparse(call)[:100]}")
    return found


def _sources():
    for path in _python_files():
        yield path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix()


def test_a_lazy_string_takes_one_literal_and_nothing_else():
    """A LazyString has __html__: Jinja and WTForms trust it, so nothing but a literal goes in.

    Format at run time with gettext (a str, escaped), or let the validator fill in its numbers
    (WTForms' NumberRange and Length format their own message).
    """
    found = [problem for source, relative in _sources() for problem in lazy_problems(source, relative)]
    assert not found, "lazy strings with more than one literal (use gettext at run time):\n" + "\n".join(
        found
    )


def test_markup_wraps_only_literals_or_reviewed_helpers():
    found = [problem for source, relative in _sources() for problem in markup_problems(source, relative)]
    assert not found, (
        "Markup around something other than a literal; escape instead, or review the helper and add "
        "it to MARKUP_HELPERS in tests/security/test_sinks.py with why its input is safe:\n"
        + "\n".join(found)
    )


def test_the_static_checks_see_what_they_look_for():
    """Not vacuous: the finding's own line, an alias, a formatted Markup and a trusting class."""
    bad = (
        "from flask_babel import lazy_gettext as _l, lazy_gettext as tr\n"
        "a = _l('No. %(number)d – %(title)s', number=1, title=idea.title)\n"
        "b = tr(title)\n"
        "c = _l('fine')\n"
    )
    assert [p.split(": ", 1)[0] for p in lazy_problems(bad, "x.py")] == ["x.py:2", "x.py:3"]
    bad = (
        "from markupsafe import Markup\n"
        "def f(t):\n"
        "    return Markup(f'<b>{t}</b>')\n"
        "class C:\n"
        "    __html__ = str\n"
    )
    assert len(markup_problems(bad, "x.py")) == 2
    assert not markup_problems("from markupsafe import Markup\nM = Markup('<br>').format(1)\n", "x.py")


def test_markup_helpers_still_exist():
    """The allow-list stays short: a helper that is gone leaves it."""
    present = set()
    for source, relative in _sources():
        present |= {(relative, scope) for scope, call in _calls(source)[1] if _callee(call) == "Markup"}
    assert not MARKUP_HELPERS - present, MARKUP_HELPERS - present


SAFE = re.compile(r"\{\{-?\s*(?P<expr>[^{}]*?)\s*\|\s*safe\b")


def test_templates_mark_safe_only_sanitized_fields():
    """|safe only after the reviewed fields; no `autoescape false`, no Markup in a template."""
    found, used = [], set()
    for path in sorted(TEMPLATES.rglob("*")):
        if path.suffix not in (".html", ".txt", ".xml", ".md"):
            continue
        text = path.read_text(encoding="utf-8")
        relative = path.relative_to(ROOT).as_posix()
        for match in SAFE.finditer(text):
            expr = match.group("expr").strip()
            used.add(expr)
            if expr not in SAFE_FIELDS:
                found.append(f"{relative}: {{{{ {expr}|safe }}}}")
        # any other way to switch escaping off
        found += [f"{relative}: {needle}" for needle in ("autoescape false", "Markup(") if needle in text]
        if re.search(r"\|\s*safe\b", SAFE.sub("", text)):
            found.append(f"{relative}: |safe outside a {{{{ ... }}}} expression")
    assert not found, (
        "user data may only be marked safe after clean_html; the reviewed fields are SAFE_FIELDS in "
        "tests/security/test_sinks.py:\n" + "\n".join(found)
    )
    assert SAFE_FIELDS <= used, f"allow-list entries no template uses any more: {SAFE_FIELDS - used}"
