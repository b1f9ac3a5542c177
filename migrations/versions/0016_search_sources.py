"""Search: themes, measures and quotes in the search index (issue 14)

`search_entry` gets three more source columns (theme_id, measure_id, quote_id; exactly one source
per row still), and the rows of the existing themes, measures and quotes are written here, so the
search finds them right after the upgrade (`ideaspace reindex --missing` would do the same).

SQLite copies the table (batch mode): its FTS5 triggers go with the old table and are made again;
the FTS5 table keeps its index, since the copy keeps every row's id and terms. PostgreSQL adds the
columns in place: the generated `document` column and its GIN index stay as they are.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 11:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_OLD = ("comment", "note", "idea")
_NEW = ("theme", "measure", "quote")
_TRIGGERS = [  # as migration 0006 made them
    "CREATE TRIGGER search_entry_insert AFTER INSERT ON search_entry BEGIN"
    " INSERT INTO search_fts(rowid, terms) VALUES (new.id, new.terms); END",
    "CREATE TRIGGER search_entry_delete AFTER DELETE ON search_entry BEGIN"
    " INSERT INTO search_fts(search_fts, rowid, terms) VALUES ('delete', old.id, old.terms); END",
    "CREATE TRIGGER search_entry_update AFTER UPDATE ON search_entry BEGIN"
    " INSERT INTO search_fts(search_fts, rowid, terms) VALUES ('delete', old.id, old.terms);"
    " INSERT INTO search_fts(rowid, terms) VALUES (new.id, new.terms); END",
]


def _one_source(kinds) -> str:
    return " + ".join(f"CASE WHEN {kind}_id IS NULL THEN 0 ELSE 1 END" for kind in kinds) + " = 1"


def _table(kinds) -> sa.Table:
    """search_entry as SQLite holds it with these source columns (batch mode copies from it)."""
    columns = [
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        *(sa.Column(f"{kind}_id", sa.Integer(), nullable=True) for kind in kinds),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
    ]
    constraints = [
        sa.CheckConstraint(_one_source(kinds), name="ck_search_entry_one_source"),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name="fk_search_entry_workspace_id_workspace",
            ondelete="CASCADE",
        ),
    ]
    for kind in kinds:
        constraints += [
            sa.ForeignKeyConstraint(
                [f"{kind}_id"], [f"{kind}.id"], name=f"fk_search_entry_{kind}_id_{kind}", ondelete="CASCADE"
            ),
            sa.UniqueConstraint(f"{kind}_id", name=f"uq_search_entry_{kind}_id"),
        ]
    table = sa.Table("search_entry", sa.MetaData(), *columns, *constraints)
    sa.Index("ix_search_entry_workspace_id", table.c.workspace_id)
    return table


def _add_columns(batch_op) -> None:
    for kind in _NEW:
        batch_op.add_column(sa.Column(f"{kind}_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f(f"fk_search_entry_{kind}_id_{kind}"), kind, [f"{kind}_id"], ["id"], ondelete="CASCADE"
        )
        batch_op.create_unique_constraint(op.f(f"uq_search_entry_{kind}_id"), [f"{kind}_id"])


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS search_entry_{trigger}")
        with op.batch_alter_table("search_entry", copy_from=_table(_OLD), recreate="always") as batch_op:
            batch_op.drop_constraint(op.f("ck_search_entry_one_source"), type_="check")
            _add_columns(batch_op)
            batch_op.create_check_constraint(op.f("ck_search_entry_one_source"), _one_source(_OLD + _NEW))
        for statement in _TRIGGERS:
            op.execute(statement)
    else:
        op.drop_constraint(op.f("ck_search_entry_one_source"), "search_entry", type_="check")
        for kind in _NEW:
            op.add_column("search_entry", sa.Column(f"{kind}_id", sa.Integer(), nullable=True))
            op.create_foreign_key(
                op.f(f"fk_search_entry_{kind}_id_{kind}"),
                "search_entry",
                kind,
                [f"{kind}_id"],
                ["id"],
                ondelete="CASCADE",
            )
            op.create_unique_constraint(op.f(f"uq_search_entry_{kind}_id"), "search_entry", [f"{kind}_id"])
        op.create_check_constraint(
            op.f("ck_search_entry_one_source"), "search_entry", _one_source(_OLD + _NEW)
        )
    _index_existing()


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    # Before the columns go: on SQLite the delete trigger takes the rows out of the FTS5 table.
    op.execute("DELETE FROM search_entry WHERE " + " OR ".join(f"{kind}_id IS NOT NULL" for kind in _NEW))
    if sqlite:
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS search_entry_{trigger}")
        with op.batch_alter_table(
            "search_entry", copy_from=_table(_OLD + _NEW), recreate="always"
        ) as batch_op:
            batch_op.drop_constraint(op.f("ck_search_entry_one_source"), type_="check")
            for kind in _NEW:
                batch_op.drop_constraint(op.f(f"uq_search_entry_{kind}_id"), type_="unique")
                batch_op.drop_constraint(op.f(f"fk_search_entry_{kind}_id_{kind}"), type_="foreignkey")
                batch_op.drop_column(f"{kind}_id")
            batch_op.create_check_constraint(op.f("ck_search_entry_one_source"), _one_source(_OLD))
        for statement in _TRIGGERS:
            op.execute(statement)
    else:
        op.drop_constraint(op.f("ck_search_entry_one_source"), "search_entry", type_="check")
        for kind in _NEW:
            op.drop_constraint(op.f(f"uq_search_entry_{kind}_id"), "search_entry", type_="unique")
            op.drop_constraint(op.f(f"fk_search_entry_{kind}_id_{kind}"), "search_entry", type_="foreignkey")
            op.drop_column("search_entry", f"{kind}_id")
        op.create_check_constraint(op.f("ck_search_entry_one_source"), "search_entry", _one_source(_OLD))


# --- the rows of the existing themes, measures and quotes ----------------------------------------
# Written with the analysers of ideaspace.text (words, base forms, stop words), so that the terms
# are those `ideaspace reindex` would write; a few rows per workspace, so this is cheap.


def _index_existing() -> None:
    from ideaspace.sanitize import html_to_text
    from ideaspace.text import analyse, language, word_terms

    connection = op.get_bind()
    workspace = sa.table("workspace", sa.column("id"), sa.column("primary_language"))
    theme = sa.table(
        "theme",
        sa.column("id"),
        sa.column("workspace_id"),
        sa.column("title", sa.JSON),
        sa.column("introduction", sa.JSON),
    )
    measure = sa.table(
        "measure",
        sa.column("id"),
        sa.column("theme_id"),
        sa.column("goal", sa.JSON),
        sa.column("text", sa.JSON),
    )
    quote = sa.table(
        "quote", sa.column("id"), sa.column("workspace_id"), sa.column("excerpt"), sa.column("language")
    )
    entry = sa.table(
        "search_entry",
        sa.column("workspace_id"),
        *(sa.column(f"{kind}_id") for kind in _OLD + _NEW),
        sa.column("language"),
        sa.column("terms"),
    )
    languages = {row.id: row.primary_language or "fi" for row in connection.execute(sa.select(workspace))}

    def terms_of(versions: dict, fallback: str) -> tuple[str, list[str]]:
        terms: list[str] = []
        for lang, text in versions.items():
            if lang in language.LANGUAGES:
                for word in language.words(text):
                    terms.extend(word_terms(word, lang))
            else:
                terms.extend(analyse(text, fallback).terms)
        known = [lang for lang in versions if lang in language.LANGUAGES]
        return (fallback if fallback in versions or not known else known[0]), terms

    rows = []

    def add(kind: str, source_id: int, workspace_id: int, versions: dict) -> None:
        versions = {lang: text for lang, text in versions.items() if (text or "").strip()}
        lang, terms = terms_of(versions, languages.get(workspace_id, "fi"))
        row = dict.fromkeys((f"{k}_id" for k in _OLD + _NEW), None)
        row.update(
            {
                "workspace_id": workspace_id,
                f"{kind}_id": source_id,
                "language": lang,
                "terms": " ".join((f"w{workspace_id}", *terms)),
            }
        )
        rows.append(row)

    for row in connection.execute(sa.select(theme).order_by(theme.c.id)):
        versions: dict[str, list[str]] = {}
        for lang, title in (row.title or {}).items():
            versions.setdefault(lang, []).extend([title or "", title or ""])
        for lang, intro in (row.introduction or {}).items():
            versions.setdefault(lang, []).append(html_to_text(intro or ""))
        add("theme", row.id, row.workspace_id, {k: "\n".join(v) for k, v in versions.items()})
    measures = sa.select(measure, theme.c.workspace_id).join(theme, theme.c.id == measure.c.theme_id)
    for row in connection.execute(measures.order_by(measure.c.id)):
        versions = {}
        for column in (row.goal, row.text):
            for lang, text in (column or {}).items():
                versions.setdefault(lang, []).append(text or "")
        add("measure", row.id, row.workspace_id, {k: "\n".join(v) for k, v in versions.items()})
    for row in connection.execute(sa.select(quote).order_by(quote.c.id)):
        lang = row.language if row.language in language.LANGUAGES else "und"
        add("quote", row.id, row.workspace_id, {lang: row.excerpt or ""})
    if rows:
        connection.execute(sa.insert(entry), rows)
