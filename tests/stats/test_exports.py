"""The `ideaspace stats` command and the export formats it shares with the downloads."""

import csv
import io
import json
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from ideaspace.models import ActivityKind
from ideaspace.stats import exports
from ideaspace.stats.service import workspace_statistics

from .conftest import at


@pytest.fixture
def seeded(make, rows):
    start = date(2022, 9, 1)
    ws = make.workspace(opens_on=start, closes_on=start + timedelta(days=2), primary_language="fi")
    when = at(start)
    rows.members(ws, 150, unit=make.unit("Varhaiskasvatus"), visited=84, contributed=20, when=when)
    # Too small to show; and, as the only unit left, Perusopetus joins it (else 163 - 150 - 10
    # would give Pieni's figures away).
    rows.members(ws, 10, unit=make.unit("Perusopetus"), when=when)
    rows.members(ws, 3, unit=make.unit("Pieni"), when=when)
    theme = make.theme(ws, title={"fi": "Työhyvinvointi", "sv": "Arbetshälsa"})
    discussion = make.activity(theme, ActivityKind.DISCUSSION, title={"fi": "Keskustelu", "sv": "Diskussion"})
    rows.comment(ws, activity=discussion, created_at=at(start + timedelta(days=1)))
    return ws


def test_stats_command_prints_json(app, seeded):
    result = app.test_cli_runner().invoke(args=["stats", seeded.slug, "--format", "json"])

    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["invited"], data["visited"], data["contributed"]) == (163, 84, 20)
    assert (data["visited_rate"], data["contributed_rate"]) == (51.5, 12.3)
    assert data["themes"][0]["title"] == "Työhyvinvointi"
    assert data["themes"][0]["comments"] == 1
    assert data["themes"][0]["activities"][0] == {
        "id": data["themes"][0]["activities"][0]["id"], "title": "Keskustelu", "kind": "discussion",
        "anonymous": False, "comments": 1, "answers": 0, "notes": 0,
    }
    assert [u["invited"] for u in data["units"]] == [150, 13]
    assert data["units"][1]["other"] is True and data["units"][1]["id"] is None
    assert [d["date"] for d in data["daily"]] == ["2022-09-01", "2022-09-02", "2022-09-03"]
    assert data["daily"][1]["comments"] == 1 and data["daily"][1]["contributions"] == 1


def test_stats_command_defaults_to_json_and_takes_a_language(app, seeded):
    result = app.test_cli_runner().invoke(args=["stats", seeded.slug, "--language", "sv"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["themes"][0]["title"] == "Arbetshälsa"


def test_stats_command_prints_csv(app, seeded):
    result = app.test_cli_runner().invoke(args=["stats", seeded.slug, "--format", "csv"])

    assert result.exit_code == 0, result.output
    assert not result.output.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(result.output)))
    assert table[0] == ["section", "id", "name", "group", "measure", "value"]
    funnel = {row[4]: row[5] for row in table if row[0] == "funnel"}
    assert (funnel["invited"], funnel["visited"], funnel["contributed"]) == ("163", "84", "20")
    assert (funnel["visited_rate"], funnel["contributed_rate"]) == ("51.5", "12.3")
    activity = [row for row in table if row[0] == "activity" and row[4] == "comments"]
    assert activity[0][2:4] == ["Keskustelu", "Työhyvinvointi"] and activity[0][5] == "1"
    units = [row for row in table if row[0] == "unit" and row[4] == "invited"]
    assert [(row[1], row[5]) for row in units][1] == ("other", "13")


def test_stats_command_rejects_an_unknown_workspace(app, session):
    result = app.test_cli_runner().invoke(args=["stats", "no-such-workspace"])
    assert result.exit_code != 0
    assert "no-such-workspace" in result.output


def test_stats_command_rejects_an_unknown_format(app, seeded):
    result = app.test_cli_runner().invoke(args=["stats", seeded.slug, "--format", "xml"])
    assert result.exit_code == 2


def test_xlsx_of_an_empty_workspace_has_every_sheet(app, make):
    ws = make.workspace(opens_on=None, closes_on=None)
    with app.test_request_context():
        data = exports.to_xlsx(workspace_statistics(ws), "en")
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Funnel", "Themes", "Activities", "Units", "Daily"]
    assert list(book["Funnel"].iter_rows(min_row=2, max_row=2, values_only=True)) == [("Invited", 0, None)]
    assert book["Daily"].max_row == 1
    for sheet in book.worksheets:  # every table has a filter over its header and rows
        assert sheet.auto_filter.ref == sheet.dimensions, sheet.title


def test_names_never_become_spreadsheet_formulas(app, make):
    ws = make.workspace()
    make.theme(ws, title={"fi": '=HYPERLINK("http://evil.example","x")'})
    stats = workspace_statistics(ws)
    with app.test_request_context():
        book = load_workbook(io.BytesIO(exports.to_xlsx(stats, "fi")))
        text = exports.to_csv(stats, "fi")
    cell = book["Themes"]["A2"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")
    theme_rows = [row for row in csv.reader(io.StringIO(text)) if row[0] == "theme"]
    assert theme_rows[0][2] == "'=HYPERLINK(\"http://evil.example\",\"x\")"
