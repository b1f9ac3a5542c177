"""The instance settings store: what an admin changes at run time (see ideaspace.settings)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow


class InstanceSetting(db.Model):
    """One setting: a JSON value, or a file (the Word template, the logo) with its content type."""

    __tablename__ = "instance_setting"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    value: Mapped[object | None] = mapped_column(sa.JSON)
    # Deferred: pages read the values on every request, the files only where they are used.
    blob: Mapped[bytes | None] = deferred(mapped_column(sa.LargeBinary))
    content_type: Mapped[str | None] = mapped_column(sa.String(100))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    def __repr__(self) -> str:
        return f"<InstanceSetting {self.key}>"
