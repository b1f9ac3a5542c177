"""Images: a workspace's or theme's cover, an idea's picture, each kept as a few small variants.

The bytes live in the database (a variant is tens of kilobytes), so every app host serves them and
every backup has them. An image belongs to one thing, named by `owner` ("workspace:12",
"theme:34", "idea:56"), unique: a new upload replaces the old one in the same transaction.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from ..extensions import db
from .base import LocalizedText, UTCDateTime, localized, utcnow


class Image(db.Model):
    __tablename__ = "image"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The workspace it belongs to (for the permission check and the backup), and the theme or the
    # idea when it is theirs; neither for the workspace's own cover.
    workspace_id: Mapped[int] = mapped_column(sa.ForeignKey("workspace.id", ondelete="CASCADE"), index=True)
    theme_id: Mapped[int | None] = mapped_column(sa.ForeignKey("theme.id", ondelete="CASCADE"), index=True)
    idea_id: Mapped[int | None] = mapped_column(sa.ForeignKey("idea.id", ondelete="CASCADE"), index=True)
    owner: Mapped[str] = mapped_column(sa.String(40), unique=True)
    alt: Mapped[LocalizedText] = localized()
    # The largest variant's size, for the page's width and height attributes.
    width: Mapped[int]
    height: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    variants: Mapped[list[ImageVariant]] = relationship(
        back_populates="image", cascade="all, delete-orphan", order_by="ImageVariant.width"
    )

    def __repr__(self) -> str:
        return f"<Image {self.id} of {self.owner}>"


class ImageVariant(db.Model):
    """One size of an image: its bytes (deferred: pages read only the sizes) and its ETag."""

    __tablename__ = "image_variant"

    image_id: Mapped[int] = mapped_column(sa.ForeignKey("image.id", ondelete="CASCADE"), primary_key=True)
    size: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    content_type: Mapped[str] = mapped_column(sa.String(40))
    width: Mapped[int]
    height: Mapped[int]
    etag: Mapped[str] = mapped_column(sa.String(64))  # the SHA-256 of the bytes
    data: Mapped[bytes] = deferred(mapped_column(sa.LargeBinary, nullable=False))

    image: Mapped[Image] = relationship(back_populates="variants")
