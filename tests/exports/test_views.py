"""Download routes for every role, bad parameters, headers; the export command."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from ideaspace.models import (
    Answer,
    AnswerChoice,
    AuditLog,
    MemberRole,
    Role,
    Workspace,
    WorkspaceStatus,
)
from ideaspace.programme import versions

from .conftest import SEED_PERCENTS, SEED_VOTES


@pytest.fixture
def ws(make, session):
    workspace = make.workspace(slug="ohjelma", title={"fi": "Ohjelma", "sv": "Program"})
    theme = make.theme(workspace, position=0)
    measure = make.measure(theme, text={"fi": "Turvallisuusilmoitukset"})
    make.indicator(measure)
    poll = make.activity(theme, options=5, in_programme=True)
    for option, count in zip(poll.options, SEED_VOTES, strict=True):
        for _ in range(count):
            session.add(
                Answer(
                    activity_id=poll.id,
                    answered_on=date(2022, 9, 15),
                    choices=[AnswerChoice(option_id=option.id)],
                )
            )
    moderator = make.user(role=Role.MODERATOR)
    make.member(workspace, moderator, MemberRole.MODERATOR)
    member = make.user()
    make.member(workspace, member)
    session.commit()
    versions.publish(moderator, workspace, None)
    session.commit()
    return SimpleNamespace(workspace=workspace, moderator=moderator, member=member)


DRAFT = "/w/ohjelma/export.docx?lang=fi"
VERSION = "/w/ohjelma/export.xlsx?lang=fi&version=1"
JSON = "/w/ohjelma/export.json"


@pytest.mark.parametrize(
    ("role", "draft", "version", "whole"),
    [
        ("participant", 403, 403, 403),
        ("outsider", 403, 403, 403),
        ("observer", 403, 200, 403),  # observers read published versions, so they may download them
        ("other_moderator", 403, 403, 403),
        ("moderator", 200, 200, 200),
        ("admin", 200, 200, 200),
    ],
)
def test_downloads_by_role(client, login, make, ws, role, draft, version, whole):
    login(make.person_in_role(role, member=ws.member, moderator=ws.moderator))
    assert client.get(DRAFT).status_code == draft
    assert client.get(VERSION).status_code == version
    assert client.get(JSON).status_code == whole


def test_anonymous_visitors_are_sent_to_sign_in(client, ws):
    for url in (DRAFT, VERSION, JSON):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_observers_cannot_download_a_draft_workspace(client, login, make, ws, session):
    ws.workspace.status = WorkspaceStatus.DRAFT
    session.commit()
    login(make.user(role=Role.OBSERVER))
    assert client.get(VERSION).status_code == 403


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/w/ohjelma/export.rtf", 404),
        ("/w/nothing/export.docx", 404),
        ("/w/ohjelma/export.docx?lang=de", 404),
        ("/w/ohjelma/export.docx?version=abc", 400),
        ("/w/ohjelma/export.docx?version=-1", 400),
        ("/w/ohjelma/export.docx?version=99", 404),
        ("/w/ohjelma/export.json?version=1", 400),
    ],
)
def test_bad_parameters(client, login, ws, url, status):
    login(ws.moderator)
    assert client.get(url).status_code == status


@pytest.mark.parametrize(
    ("fmt", "mimetype", "filename"),
    [
        (
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "ohjelma-draft-fi.docx",
        ),
        (
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "ohjelma-draft-fi.xlsx",
        ),
        ("csv", "text/csv", "ohjelma-draft-fi.csv"),
        ("md", "text/markdown", "ohjelma-draft-fi.md"),
        ("json", "application/json", "ohjelma.json"),
    ],
)
def test_download_headers(client, login, ws, fmt, mimetype, filename):
    login(ws.moderator)
    response = client.get(f"/w/ohjelma/export.{fmt}?lang=fi")
    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert response.headers["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert "no-store" in response.headers["Cache-Control"]


def test_csv_download_has_the_percentages(client, login, ws):
    login(ws.moderator)
    rows = list(csv.reader(io.StringIO(client.get("/w/ohjelma/export.csv").get_data(as_text=True))))
    assert [r[5] for r in rows[1:]] == SEED_PERCENTS


def test_printable_page_is_shown_inline_with_the_print_stylesheet(client, login, ws):
    login(ws.moderator)
    response = client.get("/w/ohjelma/export.html?lang=sv&version=1")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert response.headers["Content-Disposition"] == 'inline; filename="ohjelma-v1-sv.html"'
    page = response.get_data(as_text=True)
    assert '<html lang="sv">' in page and "css/print.css" in page and "34,29\u00a0%" in page
    assert client.get("/static/css/print.css").status_code == 200


def test_the_language_defaults_to_the_workspace_primary_language(client, login, ws):
    login(ws.moderator)
    response = client.get("/w/ohjelma/export.md")
    assert 'filename="ohjelma-draft-fi.md"' in response.headers["Content-Disposition"]
    assert "34,29\u00a0%" in response.get_data(as_text=True)


def test_downloads_are_audit_logged(client, login, ws, session):
    login(ws.moderator)
    client.get(VERSION)
    entry = session.scalar(select(AuditLog).where(AuditLog.action == "programme.export"))
    assert entry.actor_id == ws.moderator.id and entry.details == {
        "format": "xlsx",
        "language": "fi",
        "version": 1,
    }


# --- the command line --------------------------------------------------------------------------


def test_export_command_writes_csv_and_docx(app, ws, tmp_path):
    runner = app.test_cli_runner()
    out = tmp_path / "tulokset.csv"
    result = runner.invoke(args=["export", "ohjelma", "--format", "csv", "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows[0] == ["theme", "activity", "option", "votes", "respondents", "percent"]
    assert [r[5] for r in rows[1:]] == SEED_PERCENTS
    result = runner.invoke(
        args=[
            "export",
            "ohjelma",
            "--format",
            "docx",
            "-o",
            str(tmp_path / "o.docx"),
            "--lang",
            "sv",
            "--version",
            "1",
        ]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "o.docx").read_bytes()[:2] == b"PK"


def test_export_command_refuses_unknown_workspace_version_and_format(app, ws, tmp_path):
    runner = app.test_cli_runner()
    assert "No workspace" in runner.invoke(args=["export", "nothing", "--format", "csv"]).output
    result = runner.invoke(args=["export", "ohjelma", "--format", "csv", "--version", "9"])
    assert result.exit_code != 0 and "no published version 9" in result.output
    assert runner.invoke(args=["export", "ohjelma", "--format", "rtf"]).exit_code != 0


def test_export_json_and_import_alias(app, ws, session, tmp_path):
    runner = app.test_cli_runner()
    out = tmp_path / "ohjelma.json"
    assert runner.invoke(args=["export", "ohjelma", "--format", "json", "-o", str(out)]).exit_code == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["format"] == "ideaspace.workspace" and len(doc["workspace"]["programme_versions"]) == 1
    doc["workspace"]["slug"] = "kopio"
    copy_file = tmp_path / "kopio.json"
    copy_file.write_text(json.dumps(doc), encoding="utf-8")
    result = runner.invoke(args=["import", str(copy_file)])
    assert result.exit_code == 0, result.output
    assert session.scalar(select(func.count()).select_from(Workspace).where(Workspace.slug == "kopio")) == 1


def test_the_preview_and_version_pages_link_to_the_downloads(client, login, make, ws):
    login(ws.moderator)
    preview = client.get("/w/ohjelma/programme/preview?lang=sv").get_data(as_text=True)
    assert 'href="/w/ohjelma/export.docx?lang=sv"' in preview
    assert 'href="/w/ohjelma/export.json"' in preview and 'href="/w/ohjelma/follow-up"' in preview
    login(make.user(role=Role.OBSERVER))
    version = client.get("/w/ohjelma/programme/versions/1?lang=fi").get_data(as_text=True)
    assert 'href="/w/ohjelma/export.xlsx?lang=fi&amp;version=1"' in version
    assert "export.json" not in version  # observers get the published documents only
    draft = client.get("/w/ohjelma/programme/preview?lang=fi").get_data(as_text=True)
    assert 'export.docx?lang=fi"' not in draft  # nor the live draft


def test_the_json_download_is_streamed(client, login, ws, session):
    """The workspace JSON is written as the response is sent (after the request has committed its
    audit entry): read unbuffered, as a client does, it is the whole document."""
    from ideaspace.transfer import export_workspace

    login(ws.moderator)
    response = client.get("/w/ohjelma/export.json", buffered=False)
    assert response.status_code == 200 and response.is_streamed
    body = b"".join(response.response)
    response.close()
    doc = json.loads(body)
    assert doc == export_workspace(session.get(Workspace, ws.workspace.id))
    assert doc["workspace"]["slug"] == "ohjelma" and doc["workspace"]["programme_versions"]
