"""`ideaspace import-workspace` and `ideaspace export-workspace`."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from ideaspace.models import Workspace

from .conftest import minimal_document


def workspaces(session) -> int:
    return session.scalar(select(func.count()).select_from(Workspace))


def test_export_to_stdout_and_to_a_file(app, rich_workspace, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["export-workspace", "ohjelma"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["format"] == "ideaspace.workspace" and doc["workspace"]["slug"] == "ohjelma"
    target = tmp_path / "out.json"
    result = runner.invoke(args=["export-workspace", "ohjelma", "-o", str(target)])
    assert result.exit_code == 0
    assert json.loads(target.read_text(encoding="utf-8")) == doc
    # Written in chunks: the same text as the document written whole.
    with app.app_context():
        from ideaspace.extensions import db
        from ideaspace.transfer import export_workspace

        whole = export_workspace(db.session.get(Workspace, rich_workspace.workspace.id))
    assert target.read_text(encoding="utf-8") == json.dumps(whole, ensure_ascii=False, indent=2) + "\n"


def test_export_unknown_slug(app, session):
    result = app.test_cli_runner().invoke(args=["export-workspace", "ei-ole"])
    assert result.exit_code == 1 and "No workspace with the address 'ei-ole'" in result.output


def test_import_a_file(app, session, tmp_path):
    path = tmp_path / "ws.json"
    path.write_text("\ufeff" + json.dumps(minimal_document(), ensure_ascii=False), encoding="utf-8")
    before = workspaces(session)
    result = app.test_cli_runner().invoke(args=["import-workspace", str(path)])
    assert result.exit_code == 0, result.output
    assert "Imported workspace 'pieni' with 1 themes" in result.output
    assert workspaces(session) == before + 1


def test_import_reports_bad_json_with_its_position(app, session, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"format": "ideaspace.workspace",\n  "version": 1,,}', encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["import-workspace", str(path)])
    assert result.exit_code == 1
    assert "is not valid JSON" in result.output and "line 2" in result.output


def test_import_lists_every_error_and_saves_nothing(app, session, tmp_path):
    doc = minimal_document(slug="Bad Slug", status="busy")
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    before = workspaces(session)
    result = app.test_cli_runner().invoke(args=["import-workspace", str(path)])
    assert result.exit_code == 1
    assert "workspace.slug: may hold only" in result.output
    assert "workspace.status: must be one of" in result.output
    assert workspaces(session) == before
