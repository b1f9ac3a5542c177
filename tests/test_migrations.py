"""The schema exists only through the Alembic chain: up, one step down, and up again."""

import os

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from ideaspace.extensions import db

from .conftest import create_scratch_postgres, drop_scratch_postgres


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
        downgrade(revision="-1")
        # One step down from the initial schema leaves only Alembic's own table.
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        after = set(sa.inspect(db.engine).get_table_names())
        assert after == tables
        db.engine.dispose()
    if engine_name != "sqlite":
        drop_scratch_postgres(os.environ["TEST_DATABASE_URL"], url)


def test_models_match_the_migrations(app):
    """Autogenerate finds nothing to do: every model change came with its migration."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with app.app_context(), db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []
