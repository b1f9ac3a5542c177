"""Markdown sources, images, invitations at scale (issue 18)

The Markdown an author typed is kept beside the HTML rendered from it: comment.body_source,
idea.body_source (text), and workspace.introduction_source, theme.introduction_source,
activity.prompt_source (per language, like the HTML).

The HTML stored before is converted to Markdown with markdownify (`markdown.source_of`) and
checked by rendering it back (`markdown.source_for`): where the Markdown renders to the same text
and formatting, it becomes the source. Where it does not, the HTML stays as it is and the source
stays empty (NULL, or that language left out), so nothing anyone wrote changes; each such row is
reported in the migration's log (table, id, column, languages). Editing such a row starts from
the Markdown of its HTML, which the author sees before saving.

Downgrading drops the source columns; the HTML, which every reader shows, stays as it is.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 17:20:00

"""

import logging

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

BATCH = 500
TEXT_COLUMNS = [("comment", "body"), ("idea", "body")]
LOCALIZED_COLUMNS = [("workspace", "introduction"), ("theme", "introduction"), ("activity", "prompt")]


def upgrade() -> None:
    # Plain ALTER TABLE on both engines (SQLite has DROP COLUMN since 3.35). Batch mode would copy
    # each table on SQLite and drop the old one, and with foreign keys on, dropping workspace or
    # theme deletes every comment under it (ON DELETE CASCADE).
    for table, column in TEXT_COLUMNS:
        op.add_column(table, sa.Column(f"{column}_source", sa.Text(), nullable=True))
    for table, column in LOCALIZED_COLUMNS:
        op.add_column(table, sa.Column(f"{column}_source", sa.JSON(), nullable=True))
    kept = []
    for table, column in TEXT_COLUMNS:
        kept += _convert(table, column, sa.Text(), _text_source)
    for table, column in LOCALIZED_COLUMNS:
        kept += _convert(table, column, sa.JSON(), _localized_source)
    if kept:
        log.warning(
            "0008: %d stored texts do not convert to Markdown that renders the same; their HTML is kept "
            "as it is, without a source: %s",
            len(kept),
            "; ".join(kept),
        )


def _text_source(value):
    from ideaspace.markdown import source_for

    source = source_for(value)
    return source, [] if source is not None else [""]


def _localized_source(value):
    from ideaspace.markdown import source_for

    sources, failed = {}, []
    for lang, html in (value or {}).items():
        source = source_for(html)
        if source is None:
            failed.append(lang)
        else:
            sources[lang] = source
    return sources, failed


def _convert(table_name: str, column: str, type_, convert) -> list[str]:
    """Fill table.column_source from table.column, BATCH rows at a time; the rows that were kept."""
    table = sa.table(table_name, sa.column("id", sa.Integer()), sa.column(column, type_))
    target = sa.table(table_name, sa.column("id", sa.Integer()), sa.column(f"{column}_source", type_))
    bind = op.get_bind()
    kept, last = [], 0
    while True:
        rows = bind.execute(
            sa.select(table.c.id, table.c[column]).where(table.c.id > last).order_by(table.c.id).limit(BATCH)
        ).all()
        if not rows:
            return kept
        updates = []
        for row_id, value in rows:
            source, failed = convert(value)
            updates.append({"row_id": row_id, "source": source})
            if failed:
                languages = f" ({', '.join(failed)})" if failed != [""] else ""
                kept.append(f"{table_name} {row_id} {column}{languages}")
        bind.execute(
            target.update()
            .where(target.c.id == sa.bindparam("row_id"))
            .values({f"{column}_source": sa.bindparam("source")}),
            updates,
        )
        last = rows[-1][0]


def downgrade() -> None:
    for table, column in reversed(TEXT_COLUMNS + LOCALIZED_COLUMNS):
        op.drop_column(table, f"{column}_source")
