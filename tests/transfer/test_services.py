"""The workspace JSON format: export, import, validation and the round trip."""

from __future__ import annotations

import copy
import json

import pytest
from sqlalchemy import func, select

from ideaspace.models import (
    Answer,
    AuditLog,
    Comment,
    Idea,
    Membership,
    Note,
    Option,
    Quote,
    Respondent,
    Unit,
    User,
    Visit,
    Workspace,
)
from ideaspace.transfer import TransferError, export_workspace, import_workspace
from ideaspace.transfer.schema import parse_document

from .conftest import minimal_document


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def without_slug(doc: dict) -> dict:
    doc = copy.deepcopy(doc)
    doc["workspace"].pop("slug")
    return doc


def test_round_trip_is_lossless(rich_workspace, session):
    first = export_workspace(rich_workspace.workspace)
    copy_doc = copy.deepcopy(first)
    copy_doc["workspace"]["slug"] = "kopio"
    imported = import_workspace(copy_doc)
    second = export_workspace(imported)
    assert second["workspace"]["slug"] == "kopio"
    assert without_slug(second) == without_slug(first)
    # The document is plain JSON.
    assert json.loads(json.dumps(first)) == first


def test_round_trip_into_an_empty_database_creates_units_and_people(rich_workspace, session):
    """Import into a database without the people and units: they are created from the document."""
    first = export_workspace(rich_workspace.workspace)
    renamed = json.loads(
        json.dumps(first)
        .replace("@example.fi", "@elsewhere.fi")
        .replace("Sivistyspalvelut", "Bildning")
        .replace('"ohjelma"', '"toinen"')
    )
    units_before, users_before = count(session, Unit), count(session, User)
    imported = import_workspace(renamed)
    assert count(session, Unit) == units_before + 2
    assert count(session, User) == users_before + 3
    alice = session.scalar(select(User).where(User.email == "alice@elsewhere.fi"))
    assert alice.unit.name["fi"] == "Varhaiskasvatus" and alice.unit.parent.name["fi"] == "Bildning"
    assert alice.locale == "sv" and alice.password_hash is None
    assert without_slug(export_workspace(imported)) == without_slug(renamed)


def test_export_contents(rich_workspace):
    doc = export_workspace(rich_workspace.workspace, backup=True)
    assert doc["format"] == "ideaspace.workspace" and doc["version"] == 1
    ws = doc["workspace"]
    assert [t["key"] for t in ws["themes"]] == ["T1", "T2"]
    poll = ws["themes"][0]["activities"][0]
    assert [o["measure"] for o in poll["options"]] == [None, "M2"]
    assert [a["options"] for a in poll["answers"]] == [["O2"], ["O1"], ["O2"]]  # sorted by date
    assert ws["themes"][1]["measures"][0]["origin_idea"] == "I1"
    assert ws["ideas"][1]["merged_into"] == "I1"
    assert (
        ws["themes"][0]["quotes"][0]["source"] == {"comment": "C5"} or ws["themes"][0]["quotes"][0]["source"]
    )
    assert doc["units"][0]["name"]["fi"] == "Sivistyspalvelut"
    assert doc["units"][0]["units"][0]["name"]["fi"] == "Varhaiskasvatus"
    alice = next(m for m in ws["memberships"] if m["person"] == "alice@example.fi")
    assert alice["visits"] == ["2022-09-02", "2022-09-05"] and alice["invited_by"] == "mod@example.fi"
    reading = ws["themes"][0]["measures"][0]["indicators"][0]
    assert reading["baseline_value"] == 11 and reading["target_value"] == 20 and reading["comparator"] == ">"
    assert reading["readings"] == [{"year": 2023, "value": 15, "note": {"fi": "Hyvä"}}]
    hidden = [n for n in ws["themes"][1]["activities"][2]["notes"] if n["hidden"]]
    assert hidden[0]["hidden"]["by"] == "mod@example.fi"
    assert "password" not in json.dumps(doc["people"])


def test_anonymous_answers_carry_no_person(rich_workspace):
    doc = export_workspace(rich_workspace.workspace)
    multi = doc["workspace"]["themes"][1]["activities"][0]
    assert multi["is_anonymous"] is True
    assert multi["answers"] == [
        {
            "on": "2022-09-05",
            "options": ["O3", "O5"],
            "value": None,
            "unit": None,
        }
    ]
    # Who answered an anonymous activity is not in the moderator's export (beside the answers'
    # days and units it narrows them down); the admin's backup has it, with the day, as stored.
    assert multi["respondents"] == []
    backup = export_workspace(rich_workspace.workspace, backup=True)
    assert backup["workspace"]["themes"][1]["activities"][0]["respondents"] == [
        {"person": "alice@example.fi", "on": "2022-09-05"}
    ]
    for theme in doc["workspace"]["themes"]:
        for activity in theme["activities"]:
            for answer in activity["answers"]:
                assert set(answer) == {"on", "options", "value", "unit"}


def test_export_runs_a_fixed_number_of_queries(rich_workspace, make, session, count_queries):
    export_workspace(rich_workspace.workspace)
    session.expire_all()
    with count_queries() as small:
        export_workspace(rich_workspace.workspace)
    # Double the content: more themes, activities, comments, ideas and members, same queries.
    ws = rich_workspace.workspace
    for _ in range(3):
        theme = make.theme(ws)
        make.measure(theme)
        poll = make.activity(theme, options=["a", "b", "c"])
        session.add(
            Comment(workspace_id=ws.id, activity_id=poll.id, author_id=make.user().id, body="<p>x</p>")
        )
        session.add(Idea(workspace_id=ws.id, title="i", body="<p>b</p>", author_id=make.user().id))
        session.add(Membership(workspace_id=ws.id, user_id=make.user(unit=make.unit()).id))
    session.flush()
    session.expire_all()
    with count_queries() as large:
        export_workspace(ws)
    assert len(large) == len(small)
    assert len(small) < 26  # 24, and the workshop sessions (a second query when there are some)


def test_import_minimal_document(session):
    audits = count(session, AuditLog)
    ws = import_workspace(minimal_document())
    assert ws.slug == "pieni" and ws.status.value == "draft" and ws.access.value == "invited"
    option = session.scalar(
        select(Option).where(Option.activity_id == ws.themes[0].activities[0].id, Option.position == 0)
    )
    assert option.measure_id == ws.themes[0].measures[0].id
    assert count(session, Answer) >= 1
    assert count(session, AuditLog) == audits + 1


def test_import_sanitizes_rich_and_plain_text(session):
    doc = minimal_document(introduction={"fi": '<p onclick="x()">Hei</p><script>alert(1)</script>'})
    doc["workspace"]["themes"][0]["title"] = {"fi": "Teema\u202e\x07"}
    doc["workspace"]["themes"][0]["activities"][0]["comments"] = [
        {"body": '<a href="javascript:alert(1)">linkki</a><img src=x onerror=alert(1)>'}
    ]
    ws = import_workspace(doc)
    assert ws.introduction["fi"] == "<p>Hei</p>alert(1)"
    assert ws.themes[0].title["fi"] == "Teema"
    body = session.scalar(select(Comment.body).where(Comment.workspace_id == ws.id))
    assert "javascript" not in body and "onerror" not in body and "<img" not in body


def test_import_refuses_an_existing_slug(make, session):
    make.workspace(slug="pieni")
    before = count(session, Workspace)
    with pytest.raises(TransferError) as error:
        import_workspace(minimal_document())
    assert "workspace.slug: a workspace 'pieni' already exists" in str(error.value)
    assert count(session, Workspace) == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(format="other"), "format: must be 'ideaspace.workspace'"),
        (lambda d: d.update(version=2), "version: must be 1"),
        (lambda d: d.update(extra=1), "extra: unknown field"),
        (lambda d: d["workspace"].pop("title"), "workspace.title: is required"),
        (lambda d: d["workspace"].update(slug="Ei kelpaa"), "workspace.slug: may hold only"),
        (lambda d: d["workspace"].update(status="busy"), "workspace.status: must be one of draft"),
        (lambda d: d["workspace"].update(opens_on="1.9.2022"), "workspace.opens_on: must be a date"),
        (lambda d: d["workspace"].update(title={"de": "Titel"}), "workspace.title.de: unknown language"),
        (
            lambda d: d["workspace"]["themes"][0]["activities"][0]["options"][0].update(measure="m9"),
            "workspace.themes[0].activities[0].options[0].measure: no measure has the key 'm9'",
        ),
        (
            lambda d: d["workspace"]["themes"][0]["activities"][0]["answers"].append(
                {"on": "2022-09-02", "options": ["o1", "o2"]}
            ),
            "workspace.themes[0].activities[0].answers[1].options: a single-choice answer names exactly one",
        ),
        (
            lambda d: d["workspace"]["themes"][0]["activities"][0]["answers"][0].update(options=["o7"]),
            "answers[0].options: 'o7' is not an option of this activity",
        ),
        (
            lambda d: d["workspace"]["themes"][0]["measures"][0].update(
                indicators=[{"description": {"fi": "x"}, "comparator": ">"}]
            ),
            "workspace.themes[0].measures[0].indicators[0].target_value: is required with the comparator '>'",
        ),
        (
            lambda d: d["workspace"]["themes"][0]["measures"][0].update(
                indicators=[{"description": {"fi": "x"}, "comparator": ">", "target_value": "paljon"}]
            ),
            "indicators[0].target_value: must be a number",
        ),
        (
            lambda d: d["workspace"].update(memberships=[{"person": "nobody@example.fi"}]),
            "workspace.memberships[0].person: no person nobody@example.fi",
        ),
        (
            lambda d: d["workspace"].update(memberships=[{"person": "not-an-email"}]),
            "workspace.memberships[0].person: is not an email address",
        ),
        (
            lambda d: d.update(people=[{"email": "a@example.fi", "name": "A", "unit": "Ei ole"}]),
            "people[0].unit: no unit 'Ei ole'",
        ),
        (
            lambda d: d["workspace"]["themes"][0]["activities"].append(
                {"key": "a1", "kind": "notes", "title": {"fi": "x"}}
            ),
            "activities[1].key: 'a1' is used twice",
        ),
        (
            lambda d: d["workspace"]["themes"][0]["activities"].append(
                {"key": "n", "kind": "notes", "title": {"fi": "x"}, "notes": [{"text": "x" * 281}]}
            ),
            "activities[1].notes[0].text: is too long (281 characters, at most 280)",
        ),
        (lambda d: d["workspace"].update(themes="none"), "workspace.themes: must be a list"),
    ],
)
def test_invalid_documents_are_refused_with_the_path_and_nothing_saved(session, change, message):
    doc = minimal_document()
    change(doc)
    workspaces, units, users = count(session, Workspace), count(session, Unit), count(session, User)
    with pytest.raises(TransferError) as error:
        import_workspace(doc)
    assert message in str(error.value), str(error.value)
    assert (count(session, Workspace), count(session, Unit), count(session, User)) == (
        workspaces,
        units,
        users,
    )


def test_every_error_is_listed_at_once():
    doc = minimal_document(slug="X", status="busy", title={})
    with pytest.raises(TransferError) as error:
        parse_document(doc)
    assert len(error.value.errors) == 3


def test_not_an_object():
    with pytest.raises(TransferError, match=r"\$: must be an object"):
        parse_document([1, 2])


def test_existing_people_and_units_are_reused_not_changed(make, session):
    unit = make.unit("Perusopetus", code="PO")
    person = make.user(email="Sanna@Example.fi", name="Sanna Alkuperäinen", unit=unit)
    doc = minimal_document(
        memberships=[{"person": "sanna@example.fi", "invited_at": "2022-09-01T08:00:00+00:00"}]
    )
    doc["units"] = [{"name": {"fi": "Muu nimi"}, "code": "PO"}]
    doc["people"] = [
        {"email": "sanna@example.fi", "name": "Toinen Nimi", "unit": "Muu nimi", "role": "admin"}
    ]
    units = count(session, Unit)
    ws = import_workspace(doc)
    assert count(session, Unit) == units
    session.refresh(person)
    assert person.name == "Sanna Alkuperäinen" and person.role.value == "participant"
    membership = session.scalar(select(Membership).where(Membership.workspace_id == ws.id))
    assert membership.user_id == person.id


def test_people_with_a_password_can_sign_in(session):
    doc = minimal_document(memberships=[{"person": "uusi@example.fi", "role": "moderator"}])
    doc["people"] = [
        {"email": "Uusi@Example.fi", "name": "Uusi", "role": "moderator", "password": "salasana-123"},
        {"email": "toinen@example.fi", "name": "Toinen", "password": "salasana-123"},
    ]
    import_workspace(doc)
    users = session.scalars(
        select(User).where(User.email.in_(["uusi@example.fi", "toinen@example.fi"]))
    ).all()
    assert len(users) == 2 and all(u.check_password("salasana-123") for u in users)


def test_import_writes_content_rows(rich_workspace, session):
    doc = export_workspace(rich_workspace.workspace, backup=True)
    doc["workspace"]["slug"] = "kopio"
    ws = import_workspace(doc)
    q = select(func.count())
    assert session.scalar(q.select_from(Comment).where(Comment.workspace_id == ws.id)) == 5
    assert session.scalar(q.select_from(Note).where(Note.workspace_id == ws.id)) == 2
    assert session.scalar(q.select_from(Idea).where(Idea.workspace_id == ws.id)) == 2
    assert session.scalar(q.select_from(Quote).where(Quote.workspace_id == ws.id)) == 2
    assert (
        session.scalar(
            q.select_from(Visit)
            .join(Membership, Membership.id == Visit.membership_id)
            .where(Membership.workspace_id == ws.id)
        )
        == 2
    )
    multi = ws.themes[1].activities[0]
    assert session.scalar(q.select_from(Respondent).where(Respondent.activity_id == multi.id)) == 1
    # No path from the respondent to the anonymous answer.
    assert session.scalar(select(Respondent.answer_key).where(Respondent.activity_id == multi.id)) is None


def test_the_documented_example_imports_and_round_trips(session):
    """docs/workspace-json.md's complete example is a valid document."""
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "workspace-json.md").read_text(encoding="utf-8")
    example = json.loads(re.findall(r"```json\n(.*?)```", text, re.S)[-1])
    ws = import_workspace(example)
    exported = export_workspace(ws)
    assert exported["workspace"]["themes"][0]["activities"][0]["options"][0]["measure"] == "M1"
    assert [a["options"] for a in exported["workspace"]["themes"][0]["activities"][0]["answers"]] == [
        ["O1"],
        ["O2"],
    ]
    exported["workspace"]["slug"] = "toinen"
    again = export_workspace(import_workspace(copy.deepcopy(exported)))
    assert again == exported


def test_the_streamed_text_is_the_document_written_whole(rich_workspace, session):
    """stream_workspace writes exactly `json.dumps(export_workspace(...), ensure_ascii=False, indent=2)`."""
    from ideaspace.transfer import stream_workspace

    whole = json.dumps(export_workspace(rich_workspace.workspace), ensure_ascii=False, indent=2) + "\n"
    session.expire_all()
    assert "".join(stream_workspace(rich_workspace.workspace)) == whole
    # The rows are read when it is called; the text is written later, after the request has
    # committed and its session is gone (a download is sent after the view returns).
    chunks = stream_workspace(rich_workspace.workspace)
    session.commit()
    session.close()
    assert "".join(chunks) == whole


@pytest.mark.parametrize(
    "value",
    [
        {"a": [], "b": {"c": [1, {"d": "ä\n"}]}, "e": None},
        [],
        [{"x": []}, {"x": [{"y": [], "z": {}}]}],
        {"only": []},
        {"b": {"c": [1], "d": {}}, "e": {"f": {"g": []}}},
    ],
)
def test_the_encoder_writes_what_json_dumps_writes(value):
    """Lazy lists anywhere (empty, nested, in dicts with or without other Lazy values), piece by piece."""
    from ideaspace.transfer.exporter import Lazy, batched, encode, materialize

    def lazy(v):
        if isinstance(v, list):
            return Lazy(lambda v=v: (lazy(i) for i in v))
        if isinstance(v, dict):
            return {k: lazy(i) for k, i in v.items()}
        return v

    expected = json.dumps(value, ensure_ascii=False, indent=2)
    assert "".join(encode(lazy(value))) == expected
    assert "".join(batched(encode(lazy(value)), size=3)) == expected
    assert materialize(lazy(value)) == value
