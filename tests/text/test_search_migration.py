"""Migration 0016 on both engines: up from 0015 it adds the theme, measure and quote columns, keeps
the rows and the engine's full-text search (SQLite's FTS5 table and triggers, PostgreSQL's generated
tsvector and GIN index) and indexes the existing themes, measures and quotes; down again it takes
their rows out and leaves the comments', notes' and ideas' rows searchable."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from ideaspace.extensions import db
from tests.conftest import create_scratch_postgres, drop_scratch_postgres
from tests.test_migration_authoring import _insert

from .marks import needs_voikko


@pytest.fixture
def fresh(app, tmp_path):
    with app.app_context():
        engine_name = db.engine.dialect.name
    if engine_name == "sqlite":
        url = "sqlite:///" + str(tmp_path / "search.sqlite3")
    else:
        url = create_scratch_postgres(os.environ["TEST_DATABASE_URL"], "search_migration")

    from ideaspace import create_app

    fresh = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x"})
    with fresh.app_context():
        yield fresh
        db.engine.dispose()
    if engine_name != "sqlite":
        drop_scratch_postgres(os.environ["TEST_DATABASE_URL"], url)


def _matching(conn, term: str) -> set[int]:
    """The ids of the search_entry rows whose terms hold `term`, through the engine's full-text index."""
    if conn.dialect.name == "postgresql":
        query = "SELECT id FROM search_entry WHERE document @@ to_tsquery('simple', :term)"
    else:
        query = "SELECT rowid FROM search_fts WHERE search_fts MATCH :term"
    return set(
        conn.execute(
            sa.text(query), {"term": f'"{term}"' if conn.dialect.name == "sqlite" else term}
        ).scalars()
    )


def _sources(conn) -> dict[str, int]:
    columns = [c["name"] for c in sa.inspect(conn).get_columns("search_entry")]
    kinds = [c[: -len("_id")] for c in columns if c.endswith("_id") and c != "workspace_id"]
    return {
        kind: conn.execute(
            sa.text(f"SELECT count(*) FROM search_entry WHERE {kind}_id IS NOT NULL")
        ).scalar_one()
        for kind in kinds
    }


@needs_voikko
def test_0016_indexes_themes_measures_and_quotes_and_goes_down_again(fresh):
    upgrade(revision="0015")
    with db.engine.begin() as conn:
        person = _insert(conn, "user", email="a@example.org", name="Aino")
        ws = _insert(
            conn, "workspace", slug="w", title={"fi": "Tila"}, introduction={}, primary_language="fi"
        )
        theme = _insert(
            conn,
            "theme",
            workspace_id=ws,
            title={"fi": "Perehdytys", "sv": "Introduktion"},
            introduction={"fi": "<p>Uusien työntekijöiden tuki</p>"},
        )
        _insert(conn, "measure", theme_id=theme, goal={"fi": "Esihenkilöille koulutusta"}, text={})
        activity = _insert(conn, "activity", theme_id=theme, kind="notes", title={"fi": "A"}, prompt={})
        note = _insert(conn, "note", workspace_id=ws, activity_id=activity, text="Kiitos", author_id=person)
        quote = _insert(
            conn,
            "quote",
            workspace_id=ws,
            theme_id=theme,
            note_id=note,
            excerpt="Mentorit kaikille",
            language="fi",
        )
        # The note's row as 0006's code wrote it.
        conn.execute(
            sa.text(
                "INSERT INTO search_entry (workspace_id, note_id, language, terms)"
                " VALUES (:ws, :note, 'fi', :terms)"
            ),
            {"ws": ws, "note": note, "terms": f"w{ws} kiitos"},
        )

    upgrade(revision="0016")
    with db.engine.begin() as conn:
        assert _sources(conn) == {"comment": 0, "note": 1, "idea": 0, "theme": 1, "measure": 1, "quote": 1}
        ids = dict(
            conn.execute(sa.text("SELECT theme_id, id FROM search_entry WHERE theme_id IS NOT NULL")).all()
        )
        assert _matching(conn, "perehdytys") == {ids[theme]}  # analysed, and in the full-text index
        assert _matching(conn, "introduktio") == {ids[theme]}  # the Swedish title, stemmed as Swedish
        assert len(_matching(conn, "esihenkilö")) == 1 and len(_matching(conn, "mentor")) == 1
        assert len(_matching(conn, "kiitos")) == 1  # the old row survived the table's copy
        # Exactly one source per row, still.
        with pytest.raises(sa.exc.IntegrityError), conn.begin_nested():
            conn.execute(
                sa.text(
                    "INSERT INTO search_entry (workspace_id, note_id, quote_id, language, terms)"
                    " VALUES (:ws, NULL, NULL, 'fi', 'x')"
                ),
                {"ws": ws},
            )
        # The index follows writes and deletes (SQLite: the triggers were made again).
        conn.execute(
            sa.text("UPDATE search_entry SET terms = :t WHERE note_id = :n"), {"t": f"w{ws} kahvi", "n": note}
        )
        assert _matching(conn, "kiitos") == set() and len(_matching(conn, "kahvi")) == 1
        conn.execute(sa.text("DELETE FROM quote WHERE id = :q"), {"q": quote})
        if conn.dialect.name == "sqlite":  # migrations run with foreign keys off; the app's are on
            conn.execute(sa.text("DELETE FROM search_entry WHERE quote_id = :q"), {"q": quote})
        assert _matching(conn, "mentor") == set()

    downgrade(revision="0015")
    with db.engine.begin() as conn:
        assert _sources(conn) == {"comment": 0, "note": 1, "idea": 0}
        assert _matching(conn, "perehdytys") == set() and len(_matching(conn, "kahvi")) == 1
        if conn.dialect.name == "sqlite":
            conn.execute(sa.text("INSERT INTO search_fts(search_fts) VALUES ('integrity-check')"))
        else:
            indexes = {i["name"] for i in sa.inspect(conn).get_indexes("search_entry")}
            assert "ix_search_entry_terms" in indexes

    upgrade()
    with db.engine.begin() as conn:
        assert _sources(conn)["theme"] == 1 and len(_matching(conn, "perehdytys")) == 1
        if conn.dialect.name == "sqlite":
            conn.execute(sa.text("INSERT INTO search_fts(search_fts) VALUES ('integrity-check')"))
