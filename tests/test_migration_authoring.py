"""Migration 0008 (issue 18): rich text stored as HTML gets its Markdown source, checked by rendering
it back; what does not convert keeps its HTML, has no source and is reported. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import logging
import logging.config
import os

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from ideaspace.extensions import db
from ideaspace.markdown import render

from .conftest import create_scratch_postgres, drop_scratch_postgres

# Shapes stored before 0008: rendered Markdown, the old formatting.py's and hand-written HTML.
ROUND_TRIPS = {
    "rendered": render(
        "Hei **kaikki** ja *tervetuloa*\ntoinen rivi\n\n- yksi\n- kaksi\n\n[Kokkola](https://kokkola.fi)"
    ),
    "old tags": "<p><b>vanha</b> ja <i>kursiivi</i></p>",
    "quote": "<blockquote><p>Sitaatti</p></blockquote><ol><li>eka</li><li>toka</li></ol>",
}
# Hand-written: a quote's text outside a paragraph; Markdown always writes one (which adds margins).
DOES_NOT = "<blockquote>Sitaatti ilman kappaletta</blockquote>"


@pytest.fixture
def fresh(app, tmp_path):
    """An empty database of `app`'s engine, migrated by the test itself."""
    with app.app_context():
        engine_name = db.engine.dialect.name
    if engine_name == "sqlite":
        url = "sqlite:///" + str(tmp_path / "authoring.sqlite3")
    else:
        url = create_scratch_postgres(os.environ["TEST_DATABASE_URL"], "authoring")

    from ideaspace import create_app

    fresh = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x"})
    with fresh.app_context():
        yield fresh
        db.engine.dispose()
    if engine_name != "sqlite":
        drop_scratch_postgres(os.environ["TEST_DATABASE_URL"], url)


def _insert(conn, table: str, **given) -> int:
    """A row with `given` and a plain value in every other required column of the table as it is."""
    columns = sa.inspect(conn).get_columns(table)
    model = db.metadata.tables[table]
    values = dict(given)
    for column in columns:
        name = column["name"]
        if name in values or column["nullable"] or name == "id":
            continue
        kind = model.c[name].type if name in model.c else column["type"]
        if isinstance(kind, sa.Enum):
            values[name] = kind.enums[0]
            continue
        base = kind.impl if isinstance(kind, sa.types.TypeDecorator) else kind
        if isinstance(base, sa.DateTime):
            values[name] = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        elif isinstance(base, sa.Date):
            values[name] = dt.date(2026, 1, 1)
        elif isinstance(base, sa.JSON):
            values[name] = {}
        elif isinstance(base, sa.Boolean):
            values[name] = False
        elif isinstance(base, sa.Integer | sa.Numeric):
            values[name] = 1
        else:  # a string as long as the column allows
            values[name] = f"{name}-{len(given)}"[: getattr(base, "length", None) or 40]
    target = sa.table(table, *(sa.column(n, model.c[n].type) for n in values))
    return conn.execute(sa.insert(target).values(values).returning(sa.column("id"))).scalar_one()


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def test_stored_html_gets_its_markdown_source_and_what_does_not_convert_is_kept_and_reported(
    fresh, monkeypatch
):
    upgrade(revision="0007")
    with db.engine.begin() as conn:
        ws = _insert(
            conn,
            "workspace",
            slug="w",
            title={"fi": "Tila"},
            introduction={"fi": ROUND_TRIPS["rendered"], "sv": DOES_NOT},
        )
        theme = _insert(
            conn, "theme", workspace_id=ws, title={"fi": "T"}, introduction={"fi": ROUND_TRIPS["quote"]}
        )
        activity = _insert(
            conn,
            "activity",
            theme_id=theme,
            kind="discussion",
            title={"fi": "A"},
            prompt={"en": ROUND_TRIPS["old tags"]},
        )
        idea = _insert(conn, "idea", workspace_id=ws, title="Idea", body=ROUND_TRIPS["old tags"])
        good = _insert(conn, "comment", workspace_id=ws, activity_id=activity, body=ROUND_TRIPS["rendered"])
        bad = _insert(conn, "comment", workspace_id=ws, activity_id=activity, body=DOES_NOT)
        empty = _insert(conn, "comment", workspace_id=ws, activity_id=activity, body="")

    # migrations/env.py configures logging anew on every run, which drops the handlers of alembic's
    # loggers: keep this one for the run.
    monkeypatch.setattr(logging.config, "fileConfig", lambda *args, **kwargs: None)
    log, reported = logging.getLogger("alembic.runtime.migration"), _Records()
    log.addHandler(reported)
    try:
        upgrade(revision="0008")
    finally:
        log.removeHandler(reported)

    def row(table, row_id, *names):
        t = sa.table(
            table, sa.column("id"), *(sa.column(n, db.metadata.tables[table].c[n].type) for n in names)
        )
        with db.engine.connect() as conn:
            return conn.execute(sa.select(*t.c[1:]).where(t.c.id == row_id)).one()

    body, source = row("comment", good, "body", "body_source")
    assert body == ROUND_TRIPS["rendered"]  # the HTML is not touched
    assert source.startswith("Hei **kaikki** ja *tervetuloa*") and render(source) == body
    assert row("comment", bad, "body", "body_source") == (DOES_NOT, None)
    assert row("comment", empty, "body_source") == ("",)
    idea_body, idea_source = row("idea", idea, "body", "body_source")
    assert idea_body == ROUND_TRIPS["old tags"] and idea_source == "**vanha** ja *kursiivi*"
    introduction, sources = row("workspace", ws, "introduction", "introduction_source")
    assert introduction == {"fi": ROUND_TRIPS["rendered"], "sv": DOES_NOT}
    assert set(sources) == {"fi"} and render(sources["fi"]) == ROUND_TRIPS["rendered"]
    (theme_source,) = row("theme", theme, "introduction_source")
    assert render(theme_source["fi"]) == ROUND_TRIPS["quote"]
    assert row("activity", activity, "prompt_source") == ({"en": "**vanha** ja *kursiivi*"},)

    report = " ".join(message for message in reported.messages if "0008" in message)
    assert f"comment {bad} body" in report and f"workspace {ws} introduction (sv)" in report
    assert f"comment {good} " not in report and "2 stored texts" in report

    downgrade(revision="0007")
    inspector = sa.inspect(db.engine)
    for table, column in [("comment", "body"), ("idea", "body"), ("workspace", "introduction")]:
        assert f"{column}_source" not in {c["name"] for c in inspector.get_columns(table)}
    with db.engine.connect() as conn:
        assert (
            conn.execute(sa.text("SELECT body FROM comment WHERE id = :i"), {"i": bad}).scalar_one()
            == DOES_NOT
        )
