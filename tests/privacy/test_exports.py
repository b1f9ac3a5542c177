"""Two exports with two purposes (issue 12): the moderator's export follows the k rules; the admin's
backup holds everything the database holds of a workspace and restores it exactly."""

from __future__ import annotations

import copy
import json

import pytest
from sqlalchemy import func, select

from ideaspace.ballot import service as ballot
from ideaspace.models import ActivityKind, Role
from ideaspace.models.ballot import Ballot, BallotKind
from ideaspace.transfer import export_workspace, import_workspace

from ..transfer.conftest import rich_workspace  # noqa: F401  (the fixture)


@pytest.fixture
def pooled(rich_workspace, make, session):  # noqa: F811
    """The rich workspace with an anonymous wall and discussion, and a pending pool of every kind."""
    w = rich_workspace
    t1, t2 = w.workspace.themes
    w.anon_wall = make.activity(t2, ActivityKind.NOTES, is_anonymous=True)
    w.anon_talk = make.activity(t1, ActivityKind.DISCUSSION, is_anonymous=True)
    for person, text in ((w.alice, "Lappu"), (w.bob, "Toinen lappu")):
        ballot.seal(person, w.workspace, w.anon_wall.id, BallotKind.NOTE, {"text": text})
    ballot.seal(
        w.bob,
        w.workspace,
        w.multi.id,
        BallotKind.ANSWER,
        {"options": [w.multi.options[1].id, w.multi.options[2].id], "scale": None},
    )
    ballot.seal(
        w.alice,
        w.workspace,
        w.anon_talk.id,
        BallotKind.COMMENT,
        {
            "target": "activity",
            "target_id": w.anon_talk.id,
            "parent": None,
            "body": "<p>Nimetön</p>",
            "on_behalf": False,
        },
    )
    ballot.seal(
        w.bob, w.workspace, None, BallotKind.IDEA, {"title": "Idea", "body": "<p>Kuvaus</p>", "theme": t1.id}
    )
    session.commit()
    return w


def _without_slug(doc: dict) -> dict:
    doc = copy.deepcopy(doc)
    doc["workspace"].pop("slug")
    return doc


def test_the_moderators_export_leaves_out_what_links(pooled):
    doc = export_workspace(pooled.workspace)
    assert "backup" not in doc and "pending" not in doc["workspace"]
    activities = {a["title"]["fi"]: a for t in doc["workspace"]["themes"] for a in t["activities"]}
    multi = next(
        a for a in activities.values() if a["key"] and a["is_anonymous"] and a["kind"] == "multiple_choice"
    )
    assert multi["answers"] and multi["respondents"] == []  # the answers, not who gave them
    named = next(a for a in activities.values() if a["kind"] == "single_choice")
    assert not named["is_anonymous"]
    for m in doc["workspace"]["memberships"]:
        # No visit days or times next to anonymous content.
        assert set(m) == {"person", "role", "invited_at", "invited_by", "visit_count", "last_reminded_at"}
    assert "Lappu" not in json.dumps(doc, ensure_ascii=False)  # pending: not public, not exported


def test_a_workspace_without_anonymous_activities_keeps_full_detail(pooled, session):
    for theme in pooled.workspace.themes:
        for activity in theme.activities:
            activity.is_anonymous = False
    session.query(Ballot).delete()
    session.commit()
    doc = export_workspace(pooled.workspace)
    alice = next(m for m in doc["workspace"]["memberships"] if m["person"] == "alice@example.fi")
    assert alice["visits"] == ["2022-09-02", "2022-09-05"]
    multi = pooled.workspace.themes[1].activities[0]
    exported = next(
        a for t in doc["workspace"]["themes"] for a in t["activities"] if a["title"] == multi.title
    )
    assert exported["respondents"] == ["alice@example.fi"]


def test_the_backup_holds_the_pending_pool_and_who_answered_when(pooled):
    doc = export_workspace(pooled.workspace, backup=True)
    assert doc["backup"] is True
    pending = doc["workspace"]["pending"]
    assert sorted(b["kind"] for b in pending) == ["answer", "comment", "idea", "note", "note"]
    answer = next(b for b in pending if b["kind"] == "answer")
    assert answer["payload"] == {
        "options": ["O4", "O5"],
        "scale": None,
        "unit": "Sivistyspalvelut / Varhaiskasvatus",
    }
    idea = next(b for b in pending if b["kind"] == "idea")
    assert idea["scope"] is None and idea["payload"]["theme"] == "T1"
    comment = next(b for b in pending if b["kind"] == "comment")
    assert comment["payload"]["target_id"] == comment["scope"]
    assert all(len(b["contributor"]) == 64 for b in pending)  # a keyed pseudonym, never a person
    multi = next(
        a for t in doc["workspace"]["themes"] for a in t["activities"] if a["kind"] == "multiple_choice"
    )
    assert multi["respondents"] == [{"person": "alice@example.fi", "on": "2022-09-05"}]
    alice = next(m for m in doc["workspace"]["memberships"] if m["person"] == "alice@example.fi")
    assert alice["visits"] == ["2022-09-02", "2022-09-05"]


def test_a_backup_restores_exactly(pooled, session):
    """backup → import → backup again: the same document (the pending pool too)."""
    first = export_workspace(pooled.workspace, backup=True)
    copy_doc = json.loads(json.dumps(first))
    copy_doc["workspace"]["slug"] = "palautettu"
    before = session.scalar(select(func.count()).select_from(Ballot))
    restored = import_workspace(copy_doc)
    assert session.scalar(select(func.count()).select_from(Ballot)) == before + 5
    second = export_workspace(restored, backup=True)
    assert second["workspace"]["slug"] == "palautettu"
    assert _without_slug(second) == _without_slug(first)
    # Restored, the pool still publishes: its people are counted by their pseudonyms.
    pools = ballot.pools(restored, [a.id for t in restored.themes for a in t.activities])
    assert sum(p.entries for p in pools.values()) == 4


def test_a_backup_restores_exactly_where_none_of_its_people_and_units_exist(pooled, session):
    """As into an empty instance: every person and unit is created from the backup itself."""
    first = export_workspace(pooled.workspace, backup=True)
    renamed = json.loads(
        json.dumps(first)
        .replace("@example.fi", "@elsewhere.fi")
        .replace("Sivistyspalvelut", "Bildning")
        .replace("Varhaiskasvatus", "Småbarnspedagogik")
    )
    renamed["workspace"]["slug"] = "tyhja"
    restored = import_workspace(copy.deepcopy(renamed))
    assert _without_slug(export_workspace(restored, backup=True)) == _without_slug(renamed)


def test_a_bad_pending_entry_is_refused_with_its_path(pooled, session):
    from ideaspace.transfer import TransferError

    doc = export_workspace(pooled.workspace, backup=True)
    doc["workspace"]["slug"] = "rikki"
    doc["workspace"]["pending"][0]["kind"] = "vote"
    doc["workspace"]["pending"][1]["scope"] = "A99"
    with pytest.raises(TransferError) as error:
        import_workspace(doc)
    assert "workspace.pending[0].kind: must be one of" in str(error.value)
    assert "workspace.pending[1].scope: no activity has the key 'A99'" in str(error.value)


def test_export_workspace_command_gives_the_moderators_export_or_the_backup(app, pooled):
    runner = app.test_cli_runner()
    moderators = json.loads(runner.invoke(args=["export-workspace", "ohjelma"]).output)
    backup = json.loads(runner.invoke(args=["export-workspace", "ohjelma", "--backup"]).output)
    assert "pending" not in moderators["workspace"] and len(backup["workspace"]["pending"]) == 5


@pytest.mark.parametrize(
    "role,status",
    [
        ("nobody", 302),
        ("participant", 403),
        ("moderator", 403),
        ("observer", 403),
        ("admin", "sudo"),
        ("admin in sudo mode", 200),
    ],
)
def test_the_backup_route_is_for_admins_in_sudo_mode(client, login, make, pooled, role, status):
    ws = pooled.workspace
    people = {
        "participant": pooled.alice,
        "moderator": pooled.moderator,
        "observer": make.user(Role.OBSERVER),
        "admin": make.user(Role.ADMIN),
        "admin in sudo mode": make.user(Role.ADMIN),
    }
    if role != "nobody":
        login(people[role], sudo=role == "admin in sudo mode")
    response = client.get(f"/admin/workspaces/{ws.slug}/backup.json")
    if status == "sudo":
        assert response.status_code in (302, 303) and "sudo" in response.headers["Location"]
    elif status == 302:
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    else:
        assert response.status_code == status
    if status == 200:
        doc = json.loads(response.get_data(as_text=True))
        assert doc["backup"] is True and len(doc["workspace"]["pending"]) == 5
        assert response.headers["Cache-Control"] == "private, no-store"


def test_the_backup_route_of_an_unknown_workspace_is_404(client, login, make):
    login(make.user(Role.ADMIN), sudo=True)
    assert client.get("/admin/workspaces/ei-ole/backup.json").status_code == 404


@pytest.mark.parametrize("role,shown", [("moderator", False), ("admin", True)])
def test_the_programme_page_offers_the_backup_to_admins_only(client, login, make, pooled, role, shown):
    person = pooled.moderator if role == "moderator" else make.user(Role.ADMIN)
    login(person)
    page = client.get(f"/w/{pooled.workspace.slug}/programme")
    assert page.status_code == 200
    assert "The whole workspace as JSON" in page.text
    assert (f"/admin/workspaces/{pooled.workspace.slug}/backup.json" in page.text) is shown
