"""The minimum group size k has a floor of 5: no moderator, form or imported file can lower it;
only the platform configuration (MIN_GROUP_SIZE) can raise it."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from ideaspace.anonymity import K_FLOOR, group_size, k_floor
from ideaspace.models import MemberRole, Role, Workspace
from ideaspace.transfer import import_workspace
from ideaspace.workspaces import manage
from ideaspace.workspaces.manage import Refused

from ..transfer.conftest import minimal_document

FORM = {
    "slug": "pieni-ryhma",
    "primary_language": "fi",
    "title-fi": "Pieni ryhmä",
    "status": "draft",
    "access": "invited",
    "min_group_size": "5",
}


def test_the_floor_is_five_and_configuration_only_raises_it(app, session, monkeypatch):
    assert K_FLOOR == 5 and k_floor() == 5
    monkeypatch.setitem(app.config, "MIN_GROUP_SIZE", 2)
    assert k_floor() == 5
    monkeypatch.setitem(app.config, "MIN_GROUP_SIZE", 8)
    assert k_floor() == 8


def test_a_workspace_stored_below_the_floor_counts_as_the_floor(make):
    assert group_size(make.workspace(min_group_size=2)) == 5
    assert group_size(make.workspace(min_group_size=7)) == 7


@pytest.mark.parametrize("value", ["1", "2", "4"])
def test_the_workspace_form_refuses_a_size_below_the_floor(client, make, login, session, value):
    login(make.user(Role.ADMIN))
    response = client.post("/workspaces/new", data={**FORM, "min_group_size": value})
    assert response.status_code == 422
    assert "The minimum group size is at least 5" in response.text
    assert session.scalar(select(Workspace).where(Workspace.slug == FORM["slug"])) is None


def test_the_edit_form_refuses_lowering_it(client, make, login, session):
    ws = make.workspace(min_group_size=6)
    moderator = make.user(Role.MODERATOR)
    make.member(ws, moderator, MemberRole.MODERATOR)
    login(moderator)
    data = {**FORM, "slug": ws.slug, "status": ws.status.value, "min_group_size": "3"}
    response = client.post(f"/w/{ws.slug}/manage/edit", data=data)
    assert response.status_code == 422, response.text[:300]
    assert "The minimum group size is at least 5" in response.text
    session.refresh(ws)
    assert ws.min_group_size == 6


def test_the_form_follows_a_raised_floor(client, make, login, session, app, monkeypatch):
    monkeypatch.setitem(app.config, "MIN_GROUP_SIZE", 8)
    login(make.user(Role.ADMIN))
    response = client.post("/workspaces/new", data={**FORM, "min_group_size": "7"})
    assert response.status_code == 422
    assert "The minimum group size is at least 8" in response.text
    response = client.post("/workspaces/new", data={**FORM, "min_group_size": "8"})
    assert response.status_code == 302
    assert session.scalar(select(Workspace.min_group_size).where(Workspace.slug == FORM["slug"])) == 8


def test_the_service_refuses_a_size_below_the_floor(make, session):
    actor = make.user(Role.ADMIN)
    with pytest.raises(Refused, match="at least 5"):
        manage.create_workspace(
            actor, slug="alle", title={"fi": "Alle"}, primary_language="fi", min_group_size=4
        )


@pytest.mark.parametrize("value", [1, 4])
def test_the_import_clamps_to_the_floor_with_a_warning(session, value):
    warnings: list[str] = []
    ws = import_workspace(minimal_document(min_group_size=value), warnings=warnings)
    assert ws.min_group_size == 5
    assert warnings == [
        f"workspace.min_group_size: {value} is below the floor of 5; the workspace is imported with 5"
    ]


def test_the_import_keeps_a_size_at_or_above_the_floor(session):
    warnings: list[str] = []
    assert import_workspace(minimal_document(min_group_size=9), warnings=warnings).min_group_size == 9
    assert warnings == []


def test_the_import_command_prints_the_warning(app, session, tmp_path):
    path = tmp_path / "small.json"
    path.write_text(json.dumps(minimal_document(min_group_size=2)), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["import-workspace", str(path)])
    assert result.exit_code == 0, result.output
    assert "Warning: workspace.min_group_size: 2 is below the floor of 5" in result.output
    assert session.scalar(select(Workspace.min_group_size).where(Workspace.slug == "pieni")) == 5
