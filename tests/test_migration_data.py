"""Migrations keep the content: down one step at a time from head to 0002 and up again, every row
under a workspace stays, and so do the links to its people. On SQLite a table copy (batch mode)
drops the old table, which with foreign keys on deletes the rows referring to it (ON DELETE CASCADE)
or empties their references (SET NULL): migrations 0003 and 0011 once did. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import logging.config
import os

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import downgrade, upgrade

from ideaspace.extensions import db

from .conftest import create_scratch_postgres, drop_scratch_postgres
from .test_migration_authoring import _insert

# What each count means: rows of a table, or rows whose reference to a person is still set.
COUNTS = {
    "workspaces": "SELECT count(*) FROM workspace WHERE created_by_id IS NOT NULL",
    "memberships": "SELECT count(*) FROM membership",
    "themes": "SELECT count(*) FROM theme",
    "activities": "SELECT count(*) FROM activity",
    "ideas with an author": "SELECT count(*) FROM idea WHERE author_id IS NOT NULL",
    "comments": "SELECT count(*) FROM comment",
    "comments with an author": "SELECT count(*) FROM comment WHERE author_id IS NOT NULL",
    "answers": "SELECT count(*) FROM answer",
    "respondents": "SELECT count(*) FROM respondent",
    "people": 'SELECT count(*) FROM "user"',
}


@pytest.fixture
def fresh(app, tmp_path):
    """An empty database of `app`'s engine, migrated by the test itself."""
    with app.app_context():
        engine_name = db.engine.dialect.name
    if engine_name == "sqlite":
        url = "sqlite:///" + str(tmp_path / "data.sqlite3")
    else:
        url = create_scratch_postgres(os.environ["TEST_DATABASE_URL"], "migration_data")

    from ideaspace import create_app

    fresh = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x"})
    with fresh.app_context():
        yield fresh
        db.engine.dispose()
    if engine_name != "sqlite":
        drop_scratch_postgres(os.environ["TEST_DATABASE_URL"], url)


def _counts() -> dict[str, int]:
    with db.engine.connect() as conn:
        return {name: conn.execute(sa.text(query)).scalar_one() for name, query in COUNTS.items()}


def _fill() -> None:
    with db.engine.begin() as conn:
        person = _insert(conn, "user", email="a@example.org", name="Aino")
        ws = _insert(conn, "workspace", slug="w", title={"fi": "Tila"}, introduction={}, created_by_id=person)
        _insert(conn, "membership", workspace_id=ws, user_id=person)
        theme = _insert(conn, "theme", workspace_id=ws, title={"fi": "T"}, introduction={})
        activity = _insert(conn, "activity", theme_id=theme, kind="discussion", title={"fi": "A"}, prompt={})
        idea = _insert(conn, "idea", workspace_id=ws, title="Idea", body="<p>i</p>", author_id=person)
        on_theme = _insert(conn, "comment", workspace_id=ws, theme_id=theme, body="t", author_id=person)
        _insert(
            conn, "comment", workspace_id=ws, theme_id=theme, body="r", parent_id=on_theme, author_id=person
        )
        _insert(conn, "comment", workspace_id=ws, activity_id=activity, body="a", author_id=person)
        _insert(conn, "comment", workspace_id=ws, idea_id=idea, body="i", author_id=person)
        answer = sa.table(
            "answer",
            sa.column("key"),
            sa.column("activity_id"),
            sa.column("answered_on"),
            sa.column("scale_value"),
        )
        keys = ["a" * 32, "b" * 32]
        conn.execute(
            sa.insert(answer),
            [
                {"key": k, "activity_id": activity, "answered_on": dt.date(2026, 1, 1), "scale_value": 3}
                for k in keys
            ],
        )
        respondent = sa.table(
            "respondent",
            sa.column("activity_id"),
            sa.column("user_id"),
            sa.column("answer_key"),
            sa.column("answered_on"),
        )
        conn.execute(
            sa.insert(respondent).values(
                activity_id=activity, user_id=person, answer_key=keys[0], answered_on=dt.date(2026, 1, 1)
            )
        )


def test_no_row_under_a_workspace_is_lost_down_to_0002_and_up_again(fresh):
    upgrade()
    _fill()
    before = _counts()
    assert before == {
        "workspaces": 1,
        "memberships": 1,
        "themes": 1,
        "activities": 1,
        "ideas with an author": 1,
        "comments": 4,
        "comments with an author": 4,
        "answers": 2,
        "respondents": 1,
        "people": 1,
    }
    for revision in [f"{n:04d}" for n in range(14, 1, -1)]:
        downgrade(revision=revision)
        assert _counts() == before, f"down to {revision}"
    upgrade()
    assert _counts() == before
    if db.engine.dialect.name == "sqlite":
        # The migrations ran with foreign keys off; the app's connections have them on again.
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1


def test_a_step_that_ends_with_a_row_referring_to_a_missing_one_is_not_committed(fresh, monkeypatch, caplog):
    """SQLite runs the migrations with foreign keys off: each step is checked before it commits
    (the dangling row is made beforehand here, with foreign keys off)."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL enforces its foreign keys in every statement")
    # migrations/env.py configures logging anew on every run, which would drop caplog's handler.
    monkeypatch.setattr(logging.config, "fileConfig", lambda *args, **kwargs: None)
    upgrade(revision="0014")
    _fill()
    with db.engine.connect() as conn:
        raw = conn.connection.driver_connection
        raw.execute("PRAGMA foreign_keys=OFF")
        raw.execute("UPDATE membership SET workspace_id = 999")
        raw.execute("PRAGMA foreign_keys=ON")
    with pytest.raises(SystemExit):  # Flask-Migrate logs the error and exits
        upgrade()
    assert "Migration 0015: rows refer to missing rows" in caplog.text
    assert "('membership', 1, 'workspace', 0)" in caplog.text
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one() == "0014"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
    with db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE membership SET workspace_id = (SELECT id FROM workspace)")
    upgrade()
    head = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config()).get_current_head()
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one() == head
