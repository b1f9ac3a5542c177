"""Migration 0004 on a database that holds anonymous content: published again, references kept."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from ideaspace.extensions import db

from ..conftest import create_scratch_postgres, drop_scratch_postgres


@pytest.fixture
def fresh(app, tmp_path):
    """An app on a new, empty database of `app`'s engine (migrated by the test itself)."""
    with app.app_context():
        engine_name = db.engine.dialect.name
    if engine_name == "sqlite":
        url = "sqlite:///" + str(tmp_path / "ballot.sqlite3")
    else:
        url = create_scratch_postgres(os.environ["TEST_DATABASE_URL"], "ballot")
    from ideaspace import create_app

    fresh_app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x"})
    with fresh_app.app_context():
        yield fresh_app
        db.session.remove()
        db.engine.dispose()
    if engine_name != "sqlite":
        drop_scratch_postgres(os.environ["TEST_DATABASE_URL"], url)


class Rows:
    """Inserts into the reflected schema of a revision, filling required columns it is not given."""

    def __init__(self, conn):
        self.conn = conn
        self.meta = sa.MetaData()

    def t(self, name):
        if name in self.meta.tables:
            return self.meta.tables[name]
        return sa.Table(name, self.meta, autoload_with=self.conn)

    def add(self, table_name, /, **values):
        table = self.t(table_name)
        for column in table.columns:
            if (
                column.name in values
                or column.nullable
                or column.autoincrement is True
                and column.primary_key
            ):
                continue
            if column.primary_key and isinstance(column.type, sa.Integer) and len(table.primary_key) == 1:
                continue
            values[column.name] = _filler(column)
        pk = list(table.primary_key.columns)
        if len(pk) == 1 and pk[0].name not in values:
            return self.conn.execute(sa.insert(table).values(values).returning(pk[0])).scalar_one()
        self.conn.execute(sa.insert(table).values(values))
        return values.get(pk[0].name)

    def all(self, name, *where):
        table = self.t(name)
        return [dict(r._mapping) for r in self.conn.execute(sa.select(table).where(*where))]


def _filler(column):
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, sa.Integer | sa.Numeric):
        return 0
    if isinstance(kind, sa.JSON):
        return {}
    if isinstance(kind, sa.DateTime):
        return datetime(2026, 1, 1, tzinfo=UTC)
    if isinstance(kind, sa.Date):
        return date(2026, 1, 1)
    if isinstance(kind, sa.Enum):
        return kind.enums[0]
    return "x"


def test_existing_anonymous_content_is_published_again_with_every_reference(fresh):
    upgrade(revision="0003")
    with db.engine.begin() as conn:
        r = Rows(conn)
        dept = r.add("unit", name={"fi": "Osasto"})
        big = r.add("unit", name={"fi": "Iso"}, parent_id=dept)
        small = r.add("unit", name={"fi": "Pieni"}, parent_id=dept)
        people = [r.add("user", email=f"p{i}@example.fi", name=f"P{i}", unit_id=big) for i in range(8)]
        ws = r.add("workspace", slug="ws", min_group_size=2, status="open", access="invited")
        theme = r.add("theme", workspace_id=ws, title={"fi": "T"})
        poll = r.add("activity", theme_id=theme, kind="single_choice", is_anonymous=True, status="open")
        wall = r.add("activity", theme_id=theme, kind="notes", is_anonymous=True, status="open")
        talk = r.add("activity", theme_id=theme, kind="discussion", is_anonymous=True, status="open")
        r.add("activity", theme_id=theme, kind="ideas", is_anonymous=True, status="open")
        option = r.add("option", activity_id=poll, label={"fi": "A"})
        # Six answers: five of the big unit, one of the small one (same department).
        units = [big] * 5 + [small]
        for i, unit in enumerate(units):
            key = f"{i:032x}"
            r.add("answer", key=key, activity_id=poll, answered_on=date(2026, 1, 1 + i), unit_id=unit)
            r.add("answer_choice", answer_key=key, option_id=option)
            r.add("respondent", activity_id=poll, user_id=people[i], answered_on=date(2026, 1, 1 + i))
        notes = [
            r.add("note", workspace_id=ws, activity_id=wall, text=f"N{i}", unit_id=big, created_at=_at(i))
            for i in range(3)
        ]
        parent = r.add(
            "comment", workspace_id=ws, activity_id=talk, body="<p>P</p>", unit_id=big, created_at=_at(1)
        )
        reply = r.add(
            "comment", workspace_id=ws, activity_id=talk, parent_id=parent, body="<p>R</p>", created_at=_at(2)
        )
        named = r.add("comment", workspace_id=ws, theme_id=theme, author_id=people[0], body="<p>N</p>")
        r.add("comment_like", comment_id=parent, user_id=people[1], created_at=_at(3))
        idea = r.add(
            "idea", workspace_id=ws, title="Anon", body="<p>B</p>", status="merged", created_at=_at(1)
        )
        target = r.add(
            "idea", workspace_id=ws, title="Target", body="<p>B</p>", status="new", created_at=_at(2)
        )
        named_idea = r.add("idea", workspace_id=ws, title="Named", body="<p>B</p>", author_id=people[2])
        conn.execute(sa.update(r.t("idea")).where(r.t("idea").c.id == idea).values(merged_into_id=target))
        r.add("idea_support", idea_id=target, user_id=people[3], created_at=_at(3))
        r.add("idea_status_change", idea_id=idea, to_status="merged", changed_at=_at(3))
        on_idea = r.add("comment", workspace_id=ws, idea_id=target, author_id=people[4], body="<p>C</p>")
        measure = r.add("measure", theme_id=theme, origin_idea_id=target, goal={}, text={"fi": "M"})
        r.add("report", workspace_id=ws, note_id=notes[0], reason="r", created_at=_at(3))
        r.add("report", workspace_id=ws, comment_id=reply, reason="r", created_at=_at(3))
        quote = r.add(
            "quote", workspace_id=ws, theme_id=theme, note_id=notes[1], excerpt="N1", attribution="role"
        )
        r.add(
            "audit_log",
            action="idea.status",
            workspace_id=ws,
            object_type="idea",
            object_id=target,
            details={"merged_into": target},
        )
        r.add(
            "programme_snapshot",
            workspace_id=ws,
            content={"themes": [{"measures": [{"origin_idea_id": target}]}]},
        )

    upgrade(revision="0004")
    with db.engine.begin() as conn:
        r = Rows(conn)
        assert r.all("workspace")[0]["min_group_size"] == 5
        answers = r.all("answer")
        assert len(answers) == 6 and not {a["key"] for a in answers} & {f"{i:032x}" for i in range(6)}
        assert {a["answered_on"] for a in answers} == {date(2026, 1, 6)}  # the batch's latest day
        # Five of the big unit are a group; the one of the small unit would be alone: no units.
        assert {a["unit_id"] for a in answers} == {None}
        assert {c["answer_key"] for c in r.all("answer_choice")} == {a["key"] for a in answers}
        assert {x["answer_key"] for x in r.all("respondent")} == {None}

        new_notes = r.all("note")
        assert len(new_notes) == 3 and not {n["id"] for n in new_notes} & set(notes)
        assert {n["unit_id"] for n in new_notes} == {None} and len({n["created_at"] for n in new_notes}) == 1
        by_text = {n["text"]: n["id"] for n in new_notes}
        assert r.all("quote")[0]["note_id"] == by_text["N1"] and r.all("quote")[0]["id"] == quote
        reports = r.all("report")
        assert {x["note_id"] for x in reports} - {None} == {by_text["N0"]}

        comments = {c["body"]: c for c in r.all("comment")}
        assert comments["<p>N</p>"]["id"] == named  # named content keeps its identity
        assert comments["<p>P</p>"]["id"] != parent and comments["<p>R</p>"]["id"] != reply
        assert comments["<p>R</p>"]["parent_id"] == comments["<p>P</p>"]["id"]
        assert r.all("comment_like")[0]["comment_id"] == comments["<p>P</p>"]["id"]
        assert {x["comment_id"] for x in reports} - {None} == {comments["<p>R</p>"]["id"]}

        ideas = {i["title"]: i for i in r.all("idea")}
        assert ideas["Named"]["id"] == named_idea
        new_target = ideas["Target"]["id"]
        assert new_target not in (idea, target) and ideas["Anon"]["merged_into_id"] == new_target
        assert r.all("idea_support")[0]["idea_id"] == new_target
        assert r.all("idea_status_change")[0]["idea_id"] == ideas["Anon"]["id"]
        assert comments["<p>C</p>"]["idea_id"] == new_target and comments["<p>C</p>"]["id"] == on_idea
        assert r.all("measure")[0]["origin_idea_id"] == new_target and r.all("measure")[0]["id"] == measure
        entry = r.all("audit_log")[0]
        assert entry["object_id"] == new_target and entry["details"] == {"merged_into": new_target}
        content = r.all("programme_snapshot")[0]["content"]
        assert content["themes"][0]["measures"][0]["origin_idea_id"] == new_target
        assert {x["id"] for x in r.all("retired_idea")} == {idea, target}

    # Down: the ballot box's tables go (the republication stays, one-way); up again works.
    downgrade(revision="0003")
    assert not {"ballot", "retired_idea"} & set(sa.inspect(db.engine).get_table_names())
    upgrade(revision="0004")
    assert {"ballot", "retired_idea"} <= set(sa.inspect(db.engine).get_table_names())


def _at(day: int) -> datetime:
    return datetime(2026, 1, 1 + day, 10, 30, tzinfo=UTC)
