"""End to end on the Kokkola demo: the measures poll (3/12/2/8/10 of 35) in every export,
published versions read from their snapshot, and the JSON round trip into an empty database."""

from __future__ import annotations

import copy
import csv
import io
import json
from decimal import Decimal

import docx
import openpyxl
from flask_migrate import upgrade
from sqlalchemy import select

from ideaspace import create_app
from ideaspace.exports import common
from ideaspace.exports.service import ExportError, export, programme_for
from ideaspace.extensions import db
from ideaspace.models import AuditLog, IndicatorReading, ProgrammeSnapshot, Workspace
from ideaspace.programme import versions
from ideaspace.transfer import export_workspace, import_workspace

from .conftest import DEMO_SLUG, FI_PERCENTS, SEED_PERCENTS, SEED_VOTES

POLL = "Mitkä toimenpiteet ovat mielestäsi tärkeitä?"


def test_the_measures_poll_is_in_every_finnish_export(demo):
    data = {fmt: export(None, demo, fmt, "fi").data for fmt in ("docx", "xlsx", "csv", "md", "html")}

    document = docx.Document(io.BytesIO(data["docx"]))
    expected = [[str(v), p] for v, p in zip(SEED_VOTES, FI_PERCENTS, strict=True)]
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in document.tables]
    (table,) = [t for t in tables if [r[1:] for r in t[1:]] == expected]
    assert table[2][0] == "Turvallisuusilmoitusten (PRO24) käytön tehostaminen"
    assert POLL in [p.text for p in document.paragraphs if p.style.name == "Heading 2"]

    wb = openpyxl.load_workbook(io.BytesIO(data["xlsx"]))
    rows = [r for r in wb[common.labels("fi")["results"]].iter_rows(values_only=True) if r[1] == POLL]
    assert [(r[4], Decimal(str(r[6]))) for r in rows] == [
        (v, Decimal(p)) for v, p in zip(SEED_VOTES, SEED_PERCENTS, strict=True)
    ]

    rows = [r for r in csv.reader(io.StringIO(data["csv"].decode("utf-8"))) if r[1] == POLL]
    assert [r[3:] for r in rows] == [
        [str(v), "35", p] for v, p in zip(SEED_VOTES, SEED_PERCENTS, strict=True)
    ]
    assert "34.29" in data["csv"].decode("utf-8")

    for fmt in ("md", "html"):
        text = data[fmt].decode("utf-8")
        assert POLL in text
        for share in FI_PERCENTS:
            assert share in text, (fmt, share)


def test_swedish_and_english_percentages(demo):
    assert "34,29\u00a0%" in export(None, demo, "md", "sv").data.decode("utf-8")
    assert "34.29%" in export(None, demo, "md", "en").data.decode("utf-8")


def test_no_export_names_an_anonymous_author(demo, session):
    """The demo's quotes carry role (and unit) attributions; no author name reaches a document."""
    from ideaspace.models import User

    names = [u.name for u in session.scalars(select(User)) if u.name]
    programme = programme_for(demo, "fi")
    attributions = [q["attribution"] for t in programme["themes"] for q in t["quotes"]]
    assert attributions and all(a not in names for a in attributions)
    md = export(None, demo, "md", "fi").data.decode("utf-8")
    assert not [n for n in names if n in md]


def test_a_published_version_is_exported_from_its_snapshot(demo, session):
    snapshot = versions.publish(None, demo, "Lautakunnalle")
    session.flush()
    # Change the live draft: rename the theme. The version keeps the old title.
    theme = demo.themes[1]
    theme.title = {**theme.title, "fi": "Uusi otsikko"}
    session.flush()
    live = export(None, demo, "md", "fi").data.decode("utf-8")
    frozen = export(None, demo, "md", "fi", snapshot.version).data.decode("utf-8")
    assert "Uusi otsikko" in live and "Uusi otsikko" not in frozen
    assert "Versio 1" in frozen or "Version 1" in frozen
    assert "34,29\u00a0%" in frozen
    result = export(None, demo, "docx", "sv", snapshot.version)
    assert result.filename == f"{DEMO_SLUG}-v1-sv.docx"
    entry = session.scalars(select(AuditLog).where(AuditLog.action == "programme.export")).all()[-1]
    assert entry.details["version"] == 1 and entry.details["format"] == "docx"


def test_missing_version_or_language_is_an_export_error(demo):
    import pytest

    with pytest.raises(ExportError):
        export(None, demo, "md", "fi", 99)
    with pytest.raises(ExportError):
        export(None, demo, "md", "de")
    with pytest.raises(ExportError):
        export(None, demo, "rtf", "fi")
    with pytest.raises(ExportError):
        export(None, demo, "json", "fi", 1)


def _without_ids(value):
    """The document with database ids dropped (they differ between instances)."""
    if isinstance(value, dict):
        return {
            k: _without_ids(v)
            for k, v in value.items()
            if k not in ("id", "activity_id", "measure_id", "origin_idea_id")
        }
    if isinstance(value, list):
        return [_without_ids(v) for v in value]
    return value


def test_the_streamed_json_is_the_document_written_whole(demo, session):
    """The download writes the document in chunks, never whole; its text is exactly what
    `json.dumps` of `export_workspace` gave before (the same keys, order and spacing)."""
    versions.publish(None, demo, "Ensimmäinen")
    session.commit()
    whole = (json.dumps(export_workspace(demo), ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    chunks = list(export(None, demo, "json", "fi").data)
    assert b"".join(chunks) == whole
    assert json.loads(b"".join(chunks)) == export_workspace(demo)
    doc = json.loads(whole)
    assert doc["workspace"]["programme_versions"][0]["content"]
    assert sum(len(a["answers"]) for t in doc["workspace"]["themes"] for a in t["activities"]) >= 35
    assert len(doc["workspace"]["ideas"]) > 1 and doc["people"] and doc["units"]


def test_json_round_trip_into_an_empty_database(demo, session, tmp_path):
    """Export the full demo (with a reading and a published version), import it into a fresh,
    migrated, empty database through a second app, export again: everything but ids is equal."""
    indicator = demo.themes[0].measures[0].indicators[0]
    session.add(
        IndicatorReading(indicator_id=indicator.id, year=2023, value=Decimal("15"), note={"fi": "Kasvua"})
    )
    session.flush()
    versions.publish(None, demo, "Ensimmäinen")
    session.commit()
    first = json.loads(b"".join(export(None, demo, "json", "fi").data))
    assert first == json.loads(json.dumps(export_workspace(demo)))  # the same as export-workspace
    assert first["workspace"]["programme_versions"][0]["version"] == 1
    assert first["workspace"]["themes"][0]["measures"][0]["indicators"][0]["readings"][0]["value"] == 15

    second_app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "second",
            "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "empty.sqlite3"),
            "RATELIMIT_ENABLED": False,
        }
    )
    test_session = db.session
    db.session = db._make_scoped_session({})  # the second app's own session, not the test's
    try:
        with second_app.app_context():
            upgrade()
            assert db.session.scalar(select(Workspace.id)) is None
            imported = import_workspace(copy.deepcopy(first))
            db.session.commit()
            again = export_workspace(imported)
            count = len(db.session.scalars(select(ProgrammeSnapshot)).all())
            db.session.remove()
            db.engine.dispose()
    finally:
        db.session = test_session
    assert count == 1
    assert _without_ids(json.loads(json.dumps(again))) == _without_ids(first)
