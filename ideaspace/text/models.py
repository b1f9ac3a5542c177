"""The search index: one row of base forms and compound parts per comment, note, idea, theme,
measure and quote (themes, measures and quotes since migration 0016).

PostgreSQL searches the generated column `document`, `to_tsvector('simple', terms)`, through a
GIN index (the terms are already base forms, so the 'simple' configuration only splits them);
SQLite searches the FTS5 table `search_fts`, whose content is this table, kept in step by
triggers (migration 0006).

Anonymous content gets its row in the transaction that publishes it (ideaspace.ballot), written in
the batch's shuffled order, so the row carries nothing the published row does not.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

FTS_TABLE = "search_fts"
DOCUMENT = "document"  # PostgreSQL's stored to_tsvector('simple', terms)
TERMS_INDEX = "ix_search_entry_terms"  # PostgreSQL's GIN index over it


def made_by_migration(name: str, type_: str) -> bool:
    """The engine-specific search objects of migration 0006 that no model describes: SQLite's FTS5
    table and its shadow tables, PostgreSQL's generated column and its GIN index (for autogenerate
    to leave alone)."""
    if type_ == "table":
        return name == FTS_TABLE or name.startswith(f"{FTS_TABLE}_")
    return (type_, name) in {("index", TERMS_INDEX), ("column", DOCUMENT)}


# The columns naming an entry's source: exactly one is set (the check constraint "one_source").
SOURCE_KINDS = ("comment", "note", "idea", "theme", "measure", "quote")
_ONE_SOURCE = " + ".join(f"CASE WHEN {kind}_id IS NULL THEN 0 ELSE 1 END" for kind in SOURCE_KINDS) + " = 1"


class SearchEntry(db.Model):
    __tablename__ = "search_entry"
    __table_args__ = (sa.CheckConstraint(_ONE_SOURCE, name="one_source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(sa.ForeignKey("workspace.id", ondelete="CASCADE"), index=True)
    comment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("comment.id", ondelete="CASCADE"), unique=True
    )
    note_id: Mapped[int | None] = mapped_column(sa.ForeignKey("note.id", ondelete="CASCADE"), unique=True)
    idea_id: Mapped[int | None] = mapped_column(sa.ForeignKey("idea.id", ondelete="CASCADE"), unique=True)
    theme_id: Mapped[int | None] = mapped_column(sa.ForeignKey("theme.id", ondelete="CASCADE"), unique=True)
    measure_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("measure.id", ondelete="CASCADE"), unique=True
    )
    quote_id: Mapped[int | None] = mapped_column(sa.ForeignKey("quote.id", ondelete="CASCADE"), unique=True)
    language: Mapped[str] = mapped_column(sa.String(2))
    # Space-separated base forms and compound parts, in text order, repeats kept (for ranking).
    terms: Mapped[str] = mapped_column(sa.Text)
