"""The schema exists only through the Alembic chain: up, one step down, and up again."""

import os

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from ideaspace.extensions import db

from .conftest import create_scratch_postgres, drop_scratch_postgres

# SQLite cannot reflect an index on an expression (ix_user_lower_name); PostgreSQL compares it.
pytestmark = [
    pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index"),
    pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index"),
]


def test_upgrade_downgrade_upgrade_on_an_empty_database(app, tmp_path):
    # A fresh database of the same engine as `app`, so both engines are checked.
    with app.app_context():
        engine_name = db.engine.dialect.name
    if engine_name == "sqlite":
        url = "sqlite:///" + str(tmp_path / "migrate.sqlite3")
    else:
        url = create_scratch_postgres(os.environ["TEST_DATABASE_URL"], "migrations")

    from ideaspace import create_app

    fresh = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x"})
    with fresh.app_context():
        upgrade()
        tables = set(sa.inspect(db.engine).get_table_names())
        assert {"user", "workspace", "answer", "respondent", "idea", "quote", "audit_log"} <= tables
        indexes = _indexes(tables)
        assert {"instance_setting", "user_session"} <= tables
        downgrade(revision="0002")
        # Down to 0002: no settings store, no session rows; every person has a session nonce again.
        assert not {"instance_setting", "user_session"} & set(sa.inspect(db.engine).get_table_names())
        assert "session_nonce" in {c["name"] for c in sa.inspect(db.engine).get_columns("user")}
        downgrade(revision="0001")
        # Down to 0001: the tables of 0002 stay, the statistics' indexes are as before.
        tables_0002 = set(sa.inspect(db.engine).get_table_names())
        assert tables_0002 <= tables
        assert tables_0002 >= {"user", "workspace", "answer", "respondent", "idea", "quote", "audit_log"}
        before = _indexes(tables_0002)
        assert "ix_respondent_activity_answered" not in before["respondent"]
        assert "ix_idea_support_idea_created" not in before["idea_support"]
        assert before["note"]["ix_note_workspace_id"] == ["workspace_id"]
        assert "ix_note_workspace_visible" not in before["note"]
        assert before["comment"]["ix_comment_workspace_created"] == ["workspace_id", "created_at"]
        upgrade()
        assert _indexes(tables) == indexes
        assert indexes["respondent"]["ix_respondent_activity_answered"] == ["activity_id", "answered_on"]
        assert indexes["comment"]["ix_comment_workspace_created"][:2] == ["workspace_id", "created_at"]
        downgrade(revision="base")
        # Down from the initial schema leaves only Alembic's own table.
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert set(sa.inspect(db.engine).get_table_names()) == tables
        assert _indexes(tables) == indexes
        db.engine.dispose()
    if engine_name != "sqlite":
        drop_scratch_postgres(os.environ["TEST_DATABASE_URL"], url)


def test_models_match_the_migrations(app):
    """Autogenerate finds nothing to do: every model change came with its migration."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": _modelled})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def _modelled(name, type_, _parents) -> bool:
    """The engine-specific search table (SQLite) and index (PostgreSQL) of migration 0006."""
    from ideaspace.text.models import made_by_migration

    return not made_by_migration(name, type_)


def _indexes(tables):
    """{table: {index name: its columns}} of the current database."""
    inspector = sa.inspect(db.engine)
    return {t: {ix["name"]: ix["column_names"] for ix in inspector.get_indexes(t)} for t in tables}
