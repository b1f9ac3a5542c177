"""Every role's journey through the Kokkola demo, in Finnish, Swedish and English, in real Chromium.

- A supervisor follows an invitation link, votes, comments on a theme, posts a note and an idea,
  and sees another person's vote arrive in the results without reloading; and the same with
  JavaScript disabled (every form posts and redirects).
- A moderator hides a reported comment, decides an idea, picks a quote, includes the poll in the
  programme, publishes a version and downloads every export.
- An admin imports people from a CSV file (preview, then import) and invites their unit.
"""

from __future__ import annotations

import csv
import email
import io
import re
import uuid
from email import policy
from pathlib import Path
from types import SimpleNamespace

import docx
import openpyxl
import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from ideaspace.extensions import db
from ideaspace.invitations import service as invitations
from ideaspace.models import (
    Activity,
    ActivityKind,
    AuditLog,
    Comment,
    Idea,
    IdeaStatus,
    Membership,
    Note,
    ProgrammeSnapshot,
    Quote,
    Unit,
    User,
    Workspace,
)
from ideaspace.moderation import service as moderation
from ideaspace.outbox import drain

from ..factories import PASSWORD, Factories
from .demo_state import demo_answers_restored

LOCALES = {"fi": "fi-FI", "sv": "sv-SE", "en": "en-GB"}
PERCENT = {"fi": "34,29\u00a0%", "sv": "34,29\u00a0%", "en": "34.29%"}
DEMO_PASSWORD = "demo-password-2023"
DEMO_SLUG = "henkilostoohjelma-2023-2025"
LIVE_WAIT = 15_000  # the results poll every 10 s


@pytest.fixture(autouse=True)
def _demo_results_kept(live_app):
    """Take back the answers this test adds to the demo polls (other tests read 34,29 %)."""
    with demo_answers_restored(live_app):
        yield


@pytest.fixture(scope="module")
def demo(live_app):
    with live_app.app_context():
        ws = db.session.scalar(select(Workspace).where(Workspace.slug == DEMO_SLUG))
        activities = {a.kind: a for t in ws.themes for a in reversed(t.activities)}
        poll = next(a for t in ws.themes for a in t.activities if a.kind is ActivityKind.SINGLE_CHOICE)
        return {
            "id": ws.id,
            "poll": poll.id,
            "poll_theme": poll.theme_id,
            "notes": activities[ActivityKind.NOTES].id,
            "notes_theme": activities[ActivityKind.NOTES].theme_id,
            "discussion": activities[ActivityKind.DISCUSSION].id,
            "first_theme": ws.themes[0].id,
        }


def switch_language(page, lang: str) -> None:
    page.locator(f".language-switcher button[lang={lang}]").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == lang


def new_supervisor(live_app, lang: str, *, member: bool) -> SimpleNamespace:
    """A supervisor of the demo with `lang` as their language (a member, or not yet invited)."""
    with live_app.app_context():
        make = Factories(db.session)
        unit = db.session.scalar(select(Unit).where(Unit.parent_id.is_not(None)).order_by(Unit.id))
        user = make.user(
            unit=unit,
            email=f"matka-{lang}-{uuid.uuid4().hex[:8]}@demo.ideaspace.fi",
            name=f"Matka {lang}",
            locale=lang,
        )
        if member:
            make.member(db.session.get(Workspace, _demo_id()), user)
        db.session.commit()
        return SimpleNamespace(id=user.id, email=user.email)


def _demo_id() -> int:
    return db.session.scalar(select(Workspace.id).where(Workspace.slug == DEMO_SLUG))


def outbox_messages(live_app, address: str) -> list[email.message.EmailMessage]:
    found = []
    with live_app.app_context():
        drain()  # the outbox's worker, here and now
    for path in sorted(Path(live_app.config["MAIL_FILE_DIR"]).glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        if address.lower() in str(message["To"]).lower():
            found.append(message)
    return found


def invitation_link(live_app, live_server, address: str) -> str:
    """The sign-in link of the invitation mailed to `address`, pointed at the test server."""
    (message,) = outbox_messages(live_app, address)
    body = message.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"https?://\S+?(/signin/[\w.\-~]+)", body).group(1)
    return live_server.url + link


def invite_by_mail(live_app, user: SimpleNamespace) -> None:
    """The moderator invites the person (the invitations service, in the live app)."""
    with live_app.test_request_context():
        hr = db.session.scalar(select(User).where(User.email == "hr@demo.ideaspace.fi"))
        ws = db.session.get(Workspace, _demo_id())
        outcome = invitations.invite(hr, ws, [db.session.get(User, user.id)])
        db.session.commit()
        assert [u.id for u in outcome.sent] == [user.id]


def results_total(page, poll_id: int) -> int:
    text = page.locator(f"#activity-{poll_id}-results .results__total").first.inner_text()
    return int(re.search(r"\d+", text).group())


def count(live_app, model, *where) -> int:
    with live_app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


# --- the supervisor ---------------------------------------------------------------------------

NEW_IDEA = {
    "fi": ("Kokeiluraha tiimeille", "Kuukausittainen kokeiluraha tiimien omille kokeiluille."),
    "sv": ("Lånecyklar för hembesök", "Cyklar som personalen kan låna för hembesök i centrum."),
    "en": ("A quiet room on every floor", "A bookable quiet room for focused writing work."),
}


@pytest.mark.parametrize("lang", LOCALES)
def test_supervisor_follows_the_invitation_and_takes_part(new_page, live_app, live_server, demo, lang):
    person = new_supervisor(live_app, lang, member=False)
    invite_by_mail(live_app, person)
    page = new_page(locale=LOCALES[lang])
    page.goto(invitation_link(live_app, live_server, person.email))
    assert page.locator("html").get_attribute("lang") == lang
    page.locator("main form button[type=submit]").click()  # Continue
    page.wait_for_url(f"**/w/{DEMO_SLUG}/")
    assert page.locator("html").get_attribute("lang") == lang  # the person's own language
    assert page.locator("#flash .flash--success").count() == 1
    base = f"{live_server.url}/w/{DEMO_SLUG}"

    # Votes in the measures poll (htmx: swapped in place, focus on the confirmation).
    page.goto(f"{base}/themes/{demo['poll_theme']}")
    panel = page.locator(f"#activity-{demo['poll']}-panel")
    panel.locator("input[type=radio]").nth(1).check()
    panel.locator("button[type=submit]").click()
    expect(page.locator(f"#activity-{demo['poll']}-confirmation")).to_be_focused()
    assert page.url.endswith(f"/themes/{demo['poll_theme']}")

    # Comments on the theme.
    thread = f"#thread-theme-{demo['poll_theme']}"
    page.fill(f"{thread}-new", f"Kommentti teemaan ({lang})")
    page.locator(f"{thread} form.comment-form").last.locator("button[type=submit]").click()
    expect(page.locator(f"{thread} article.comment__card[data-focus]")).to_be_focused()
    expect(page.locator(f"{thread} .comment__body").last).to_contain_text(f"Kommentti teemaan ({lang})")

    # Posts a note on the notes wall.
    page.goto(f"{base}/themes/{demo['notes_theme']}")
    page.fill(f"#note-{demo['notes']}-text", f"Kokeillaan rohkeasti {lang}")
    page.locator(f"#notes-{demo['notes']} .note-form button[type=submit]").click()
    expect(page.locator(f"#notes-{demo['notes']} .note[data-focus]")).to_contain_text("Kokeillaan rohkeasti")

    # Drops an idea into the barrel: a different one in each language (an idea like one already
    # in the barrel first meets the duplicate check step, tests/ideas/test_similar*.py).
    title, body = NEW_IDEA[lang]
    page.goto(f"{base}/ideas")
    page.fill("#title", title)
    page.fill("#body", body)
    page.locator(".idea-submit button[type=submit]").click()
    expect(page.locator(".idea-card", has_text=title)).to_be_visible()
    assert page.url.endswith("/ideas")

    with live_app.app_context():
        uid = person.id
        assert (
            db.session.scalar(select(func.count()).select_from(Comment).where(Comment.author_id == uid)) == 1
        )
        assert db.session.scalar(select(func.count()).select_from(Note).where(Note.author_id == uid)) == 1
        assert db.session.scalar(select(func.count()).select_from(Idea).where(Idea.author_id == uid)) == 1
        membership = db.session.scalar(select(Membership).where(Membership.user_id == uid))
        assert membership.first_visit_at and membership.first_contribution_at

    # Sees results update live: another person answers in a second browser.
    page.goto(f"{base}/themes/{demo['poll_theme']}")
    before = results_total(page, demo["poll"])
    other = new_page(locale=LOCALES[lang])
    colleague = new_supervisor(live_app, lang, member=True)
    other.goto(f"{live_server.url}/login")
    other.fill("#email", colleague.email)
    other.fill("#password", PASSWORD)
    other.locator("main form button[type=submit]").click()
    other.wait_for_load_state()
    other.goto(f"{base}/themes/{demo['poll_theme']}")
    other_panel = other.locator(f"#activity-{demo['poll']}-panel")
    other_panel.locator("input[type=radio]").first.check()
    other_panel.locator("button[type=submit]").click()
    expect(other.locator(f"#activity-{demo['poll']}-confirmation")).to_be_visible()

    total = page.locator(f"#activity-{demo['poll']}-results .results__total").first
    expect(total).to_contain_text(str(before + 1), timeout=LIVE_WAIT)
    assert page.url.endswith(f"/themes/{demo['poll_theme']}")  # no reload
    assert page.js_errors == [] and other.js_errors == []


@pytest.mark.parametrize("lang", LOCALES)
def test_supervisor_journey_without_javascript(new_page, live_app, live_server, demo, lang):
    person = new_supervisor(live_app, lang, member=False)
    invite_by_mail(live_app, person)
    page = new_page(locale=LOCALES[lang], java_script_enabled=False)
    page.goto(invitation_link(live_app, live_server, person.email))
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**/w/{DEMO_SLUG}/")
    assert page.locator("html").get_attribute("lang") == lang
    base = f"{live_server.url}/w/{DEMO_SLUG}"

    page.goto(f"{base}/themes/{demo['poll_theme']}")
    panel = page.locator(f"#activity-{demo['poll']}-panel")
    panel.locator("input[type=radio]").nth(2).check()
    panel.locator("button[type=submit]").click()
    page.wait_for_url(f"**/themes/{demo['poll_theme']}#activity-{demo['poll']}")
    assert page.locator("#flash .flash--success").count() == 1
    results = page.locator(f"#activity-{demo['poll']}-results")
    assert results.locator("table.results__table").count() == 1  # results appear after answering
    assert "%" in results.inner_text()

    thread = f"#thread-theme-{demo['poll_theme']}"
    page.fill(f"{thread}-new", f"Ilman skriptejä ({lang})")
    page.locator(f"{thread} form.comment-form").last.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"#comment-\d+$"))
    assert f"Ilman skriptejä ({lang})" in page.content()

    page.goto(f"{base}/themes/{demo['notes_theme']}")
    page.fill(f"#note-{demo['notes']}-text", f"Ilman skriptejä {lang}")
    page.locator(f"#notes-{demo['notes']} .note-form button[type=submit]").click()
    page.wait_for_load_state()
    assert f"Ilman skriptejä {lang}" in page.locator(f"#notes-{demo['notes']}").inner_text()

    # An idea like the demo's mentoring idea: the check step shows that one first and keeps the
    # draft; the supervisor publishes anyway.
    title = "Mentorointiohjelma uusille esihenkilöille"
    page.goto(f"{base}/ideas")
    page.fill("#title", title)
    page.fill("#body", f"Mentori jokaiselle uudelle esihenkilölle ({lang}).")
    page.locator(".idea-submit button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".similar-idea__title", has_text=title).count() >= 1  # (and earlier runs' copies)
    assert page.locator("#title").input_value() == title
    page.locator(".idea-submit button[name=publish_anyway]").click()
    page.wait_for_url(re.compile(r"/ideas/\d+$"))
    assert page.locator("h1").inner_text() == title

    with live_app.app_context():
        uid = person.id
        assert (
            db.session.scalar(select(func.count()).select_from(Comment).where(Comment.author_id == uid)) == 1
        )
        assert db.session.scalar(select(func.count()).select_from(Note).where(Note.author_id == uid)) == 1


# --- the moderator ----------------------------------------------------------------------------


@pytest.fixture
def reported(live_app, demo):
    """A comment reported by a supervisor, and a new idea waiting for a decision."""
    with live_app.app_context():
        make = Factories(db.session)
        ws = db.session.get(Workspace, demo["id"])
        author = db.session.scalar(select(User).where(User.email == "esihenkilo2@demo.ideaspace.fi"))
        reporter = db.session.scalar(select(User).where(User.email == "esihenkilo1@demo.ideaspace.fi"))
        discussion = db.session.get(Activity, demo["discussion"])
        comment = make.comment(discussion, author, body="<p>Asiaton kommentti, joka pitää piilottaa.</p>")
        moderation.report(reporter, ws, comment, "Asiaton")
        quotable = make.comment(
            discussion, author, body="<p>Kokeileminen on meillä sallittua ja toivottua.</p>"
        )
        idea = make.idea(ws, title=f"Päätettävä idea {uuid.uuid4().hex[:6]}", author=author)
        db.session.commit()
        return {"comment": comment.id, "quotable": quotable.id, "idea": idea.id}


@pytest.mark.parametrize("lang", LOCALES)
def test_moderator_curates_publishes_and_downloads(
    new_page, live_app, live_server, sign_in, demo, reported, lang, tmp_path
):
    page = new_page(locale=LOCALES[lang])
    sign_in(page, "hr@demo.ideaspace.fi", DEMO_PASSWORD)
    switch_language(page, lang)
    base = f"{live_server.url}/w/{DEMO_SLUG}"
    try:
        # The reported comment is in the queue; hide it with a reason.
        page.goto(f"{base}/moderation")
        form = page.locator(f"form[action*='/moderation/comment/{reported['comment']}/hide']")
        form.locator("xpath=ancestor::details/summary").click()
        form.locator("textarea").fill("Asiaton kielenkäyttö")
        form.locator("button[type=submit]").click()
        page.wait_for_load_state()
        with live_app.app_context():
            comment = db.session.get(Comment, reported["comment"])
            assert comment.hidden_at is not None
            log = db.session.scalar(
                select(AuditLog).where(AuditLog.action == "content.hidden").order_by(AuditLog.id.desc())
            )
            assert log.reason == "Asiaton kielenkäyttö"

        # Decides an idea: accepted, with a public reason shown on the idea's page.
        # (new → under review → accepted)
        for status, reason in (("under_review", ""), ("accepted", "Otetaan ohjelmaan vuodelle 2024.")):
            page.goto(f"{base}/moderation/ideas/{reported['idea']}/status")
            page.select_option("#decide-status", status)
            page.fill("#decide-reason", reason)
            page.locator("#decide-reason >> xpath=ancestor::form").locator("button[type=submit]").click()
            page.wait_for_load_state()
        page.goto(f"{base}/ideas/{reported['idea']}")
        assert "Otetaan ohjelmaan vuodelle 2024." in page.locator("main").inner_text()
        with live_app.app_context():
            assert db.session.get(Idea, reported["idea"]).status is IdeaStatus.ACCEPTED

        # Picks a quote from a comment.
        quotes_before = count(live_app, Quote, Quote.workspace_id == demo["id"])
        page.goto(f"{base}/quotes/new?source=comment&id={reported['quotable']}")
        page.locator("main form button[type=submit]").last.click()
        page.wait_for_load_state()
        assert count(live_app, Quote, Quote.workspace_id == demo["id"]) == quotes_before + 1

        # Includes the poll's results in the programme, and publishes a version.
        page.goto(f"{base}/programme")
        chooser = (
            f"form[action*='/themes/{demo['poll_theme']}/'] input[type=checkbox][value='{demo['poll']}']"
        )
        box = page.locator(chooser)
        box.check()
        box.locator("xpath=ancestor::form").locator("button[type=submit]").click()
        page.wait_for_load_state()
        expect(page.locator(chooser)).to_be_checked()
        versions_before = count(live_app, ProgrammeSnapshot, ProgrammeSnapshot.workspace_id == demo["id"])
        publish = page.locator("form[action$='/programme/publish']")
        publish.locator("textarea").fill(f"Versio ({lang})")
        publish.locator("button[type=submit]").click()
        page.wait_for_load_state()
        assert count(live_app, ProgrammeSnapshot, ProgrammeSnapshot.workspace_id == demo["id"]) == (
            versions_before + 1
        )

        # Downloads every export of the draft in this language.
        page.goto(f"{base}/programme/preview?lang={lang}")
        assert PERCENT[lang] in page.locator("main").inner_text()
        page.locator("nav.downloads summary").click()  # the Download menu is a disclosure
        links = page.locator("nav.downloads a[href*='/export.']")
        hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
        formats = {re.search(r"/export\.(\w+)", h).group(1): h for h in hrefs}
        # PDF where this server can make one (exports.pdf_available), every other format always.
        assert set(formats) - {"pdf"} == {"docx", "xlsx", "csv", "md", "html", "json"}
        files = {}
        for fmt, href in formats.items():
            if fmt == "html":  # the printable page opens in the browser
                response = page.request.get(live_server.url + href)
                assert response.ok and PERCENT[lang] in response.text()
                continue
            with page.expect_download() as download_info:
                page.locator(f"nav.downloads a[href='{href}']").click()
            path = tmp_path / f"programme.{fmt}"
            download_info.value.save_as(path)
            assert path.stat().st_size > 0, fmt
            files[fmt] = path
        document = docx.Document(files["docx"])
        texts = [p.text for p in document.paragraphs] + [
            cell.text for table in document.tables for row in table.rows for cell in row.cells
        ]
        assert any(PERCENT[lang].replace("\u00a0", " ") in t.replace("\u00a0", " ") for t in texts)
        book = openpyxl.load_workbook(files["xlsx"])
        values = [c.value for ws in book.worksheets for row in ws.iter_rows() for c in row]
        assert any(isinstance(v, (int, float)) and round(v, 2) in (34.29, 0.3429) for v in values)
        assert "34" in files["csv"].read_text(encoding="utf-8-sig")
        assert PERCENT[lang].split("\u00a0")[0] in files["md"].read_text(encoding="utf-8")
        assert '"ideaspace.workspace"' in files["json"].read_text(encoding="utf-8")
        assert page.js_errors == []
    finally:
        switch_language(page, "fi")


# --- the admin --------------------------------------------------------------------------------


def people_csv(tag: str, lang: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["name", "email", "unit", "role", "language"])
    for i in range(3):
        writer.writerow(
            [
                f"Tuotu Henkilö {i}",
                f"tuotu{i}-{tag}@demo.ideaspace.fi",
                f"Tuontipalvelut / Yksikkö {tag}",
                "",
                lang,
            ]
        )
    return out.getvalue().encode("utf-8")


@pytest.mark.parametrize("lang", LOCALES)
def test_admin_imports_people_and_invites_their_unit(new_page, live_app, live_server, sign_in, demo, lang):
    tag = uuid.uuid4().hex[:6]
    page = new_page(locale=LOCALES[lang])
    sign_in(page, "admin@demo.ideaspace.fi", DEMO_PASSWORD)
    switch_language(page, lang)
    try:
        page.goto(f"{live_server.url}/admin/people/import")
        page.set_input_files(
            "main input[type=file]",
            files=[{"name": "ihmiset.csv", "mimeType": "text/csv", "buffer": people_csv(tag, lang)}],
        )
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_load_state()
        # The dry run: a preview of three new people, and nothing saved yet.
        preview = page.locator("main").inner_text()
        for i in range(3):
            assert f"tuotu{i}-{tag}@demo.ideaspace.fi" in preview
        assert count(live_app, User, User.email.like(f"%-{tag}@demo.ideaspace.fi")) == 0
        page.locator("form[action$='/admin/people/import/confirm'] button[type=submit]").click()
        page.wait_for_load_state()
        assert count(live_app, User, User.email.like(f"%-{tag}@demo.ideaspace.fi")) == 3
        with live_app.app_context():
            unit = db.session.scalar(select(Unit).where(Unit.name["fi"].as_string() == f"Yksikkö {tag}"))
            assert unit is not None
            unit_id = unit.id

        # Sends invitations to the new unit.
        page.goto(f"{live_server.url}/w/{DEMO_SLUG}/invitations")
        page.locator(f"#unit-{unit_id}").check()
        page.locator("form[method=post][action$='/invitations'] button[type=submit]").click()
        page.wait_for_load_state()
        for i in range(3):
            (message,) = outbox_messages(live_app, f"tuotu{i}-{tag}@demo.ideaspace.fi")
            assert "/signin/" in message.get_body(preferencelist=("plain",)).get_content()
        with live_app.app_context():
            invited = db.session.scalar(
                select(func.count())
                .select_from(Membership)
                .join(User, User.id == Membership.user_id)
                .where(Membership.workspace_id == demo["id"], User.email.like(f"%-{tag}@demo.ideaspace.fi"))
                .where(Membership.invited_at.is_not(None))
            )
            assert invited == 3
        assert page.js_errors == []
    finally:
        switch_language(page, "fi")
