"""The clusters' cache, the moderators' overrides (names, moved items) and a theme's "what we heard".

An item is named by its key, "comment:12", "note:5" or "idea:3": only published items are ever
clustered (an anonymous one once the ballot box has published it), and nothing here says who wrote
one. A scope is "workspace", "theme:<id>" or "activity:<id>".
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models.base import UTCDateTime, utcnow

KEY_LENGTH = 24
NAME_LENGTH = 120


class ClusterCache(db.Model):
    """The last clustering of a scope, kept while its content is unchanged (`fingerprint`)."""

    __tablename__ = "cluster_cache"
    __table_args__ = (sa.UniqueConstraint("workspace_id", "scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(sa.ForeignKey("workspace.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(sa.String(KEY_LENGTH))
    fingerprint: Mapped[str] = mapped_column(sa.String(80))
    # [{"anchor": key, "items": [keys, most central first], "label": [terms]}]
    clusters: Mapped[list] = mapped_column(sa.JSON, default=list)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ClusterName(db.Model):
    """A moderator's name for the cluster that holds the anchor item (before any move)."""

    __tablename__ = "cluster_name"
    __table_args__ = (sa.UniqueConstraint("workspace_id", "scope", "anchor"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(sa.ForeignKey("workspace.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(sa.String(KEY_LENGTH))
    anchor: Mapped[str] = mapped_column(sa.String(KEY_LENGTH))
    name: Mapped[str] = mapped_column(sa.String(NAME_LENGTH))


class ClusterMove(db.Model):
    """An item a moderator moved into the cluster that holds the anchor item (before any move)."""

    __tablename__ = "cluster_move"
    __table_args__ = (sa.UniqueConstraint("workspace_id", "scope", "item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(sa.ForeignKey("workspace.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(sa.String(KEY_LENGTH))
    item: Mapped[str] = mapped_column(sa.String(KEY_LENGTH))
    anchor: Mapped[str] = mapped_column(sa.String(KEY_LENGTH))


class ThemeHeard(db.Model):
    """A theme's "what we heard" in the programme draft: the moderator's own words and the items
    they rest on (keys, shown as references)."""

    __tablename__ = "theme_heard"

    theme_id: Mapped[int] = mapped_column(sa.ForeignKey("theme.id", ondelete="CASCADE"), primary_key=True)
    summary_source: Mapped[str] = mapped_column(sa.Text)  # the Markdown typed
    summary_html: Mapped[str] = mapped_column(sa.Text)  # sanitized, rendered once on write
    sources: Mapped[list] = mapped_column(sa.JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
