"""Finnish and Swedish text analysis: search index (issue 14)

The index of base forms and compound parts (ideaspace/text): `search_entry`, one row per comment,
note and idea; on PostgreSQL a GIN index over the stored column `document`,
`to_tsvector('simple', terms)`, on SQLite an FTS5
table over the same terms, kept in step with `search_entry` by triggers. The rows are filled by
`ideaspace reindex` (run it once after this upgrade) and kept current on write.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 17:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_SQLITE_FTS = [
    "CREATE VIRTUAL TABLE search_fts USING fts5(terms, content='search_entry', content_rowid='id',"
    " tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER search_entry_insert AFTER INSERT ON search_entry BEGIN"
    " INSERT INTO search_fts(rowid, terms) VALUES (new.id, new.terms); END",
    "CREATE TRIGGER search_entry_delete AFTER DELETE ON search_entry BEGIN"
    " INSERT INTO search_fts(search_fts, rowid, terms) VALUES ('delete', old.id, old.terms); END",
    "CREATE TRIGGER search_entry_update AFTER UPDATE ON search_entry BEGIN"
    " INSERT INTO search_fts(search_fts, rowid, terms) VALUES ('delete', old.id, old.terms);"
    " INSERT INTO search_fts(rowid, terms) VALUES (new.id, new.terms); END",
]


def upgrade() -> None:
    op.create_table(
        "search_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=True),
        sa.Column("note_id", sa.Integer(), nullable=True),
        sa.Column("idea_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "(CASE WHEN comment_id IS NULL THEN 0 ELSE 1 END + CASE WHEN note_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN idea_id IS NULL THEN 0 ELSE 1 END) = 1",
            name=op.f("ck_search_entry_one_source"),
        ),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["comment.id"],
            name=op.f("fk_search_entry_comment_id_comment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["idea.id"], name=op.f("fk_search_entry_idea_id_idea"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["note_id"], ["note.id"], name=op.f("fk_search_entry_note_id_note"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_search_entry_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_entry")),
        sa.UniqueConstraint("comment_id", name=op.f("uq_search_entry_comment_id")),
        sa.UniqueConstraint("idea_id", name=op.f("uq_search_entry_idea_id")),
        sa.UniqueConstraint("note_id", name=op.f("uq_search_entry_note_id")),
    )
    op.create_index("ix_search_entry_workspace_id", "search_entry", ["workspace_id"])
    if op.get_bind().dialect.name == "postgresql":
        # Stored, so ranking reads each match's vector instead of parsing its terms again.
        op.execute(
            "ALTER TABLE search_entry ADD COLUMN document tsvector"
            " GENERATED ALWAYS AS (to_tsvector('simple', terms)) STORED"
        )
        op.execute("CREATE INDEX ix_search_entry_terms ON search_entry USING gin (document)")
    else:
        for statement in _SQLITE_FTS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_search_entry_terms")
    else:
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS search_entry_{trigger}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_index("ix_search_entry_workspace_id", table_name="search_entry")
    op.drop_table("search_entry")
