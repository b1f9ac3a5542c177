"""People and the organisation they belong to."""

from __future__ import annotations

import enum
import threading
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from .base import LocalizedText, UTCDateTime, enum_column, localized, utcnow

# One password hash at a time per process. werkzeug's scrypt (n=2^15, r=8) needs 32 MiB while it
# runs: in the workshop benchmark (300 sign-ins in a minute) four threads hashing at once raised a
# worker's peak memory by ~130 MB. Hashing is CPU work (one core each), so with one worker process
# per core nothing is lost by queueing the sign-ins of one process.
PASSWORD_HASHING = threading.BoundedSemaphore(1)


class Role(enum.StrEnum):
    ADMIN = "admin"
    MODERATOR = "moderator"
    PARTICIPANT = "participant"
    OBSERVER = "observer"


class Unit(db.Model):
    """An organisational unit, nested: department > unit > team."""

    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    name: Mapped[LocalizedText] = localized()
    code: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    parent: Mapped[Unit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent")

    def __repr__(self) -> str:
        return f"<Unit {self.id} {self.name.get('fi')!r}>"


class User(UserMixin, db.Model):
    __tablename__ = "user"
    # Lists of people sort by name, case-insensitively: the first page is read in index order.
    __table_args__ = (sa.Index("ix_user_lower_name", sa.func.lower(sa.text("name")), "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role), default=Role.PARTICIPANT, index=True)
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id", ondelete="SET NULL"), index=True)
    locale: Mapped[str | None] = mapped_column(sa.String(5))
    is_active_account: Mapped[bool] = mapped_column(default=True)
    # The person agreed that their name may appear under a quote picked for the programme.
    consents_to_named_quotes: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    unit: Mapped[Unit | None] = relationship()

    def set_password(self, password: str) -> None:
        with PASSWORD_HASHING:
            self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        if not self.password_hash:
            return False
        with PASSWORD_HASHING:
            return check_password_hash(self.password_hash, password)

    # The token of the session this object was signed in or loaded through (not stored: the
    # database keeps only its hash, in user_session). Flask-Login keeps it in the signed cookie.
    session_token = None
    # That session's row (ideaspace.models.UserSession), for "this device" and sudo mode.
    current_session = None

    def get_id(self) -> str | None:
        return self.session_token

    # UserMixin compares get_id(), which is now the session token: None for everyone not signed
    # in through this object, so any two such people were "equal" (`user in moderators` was true
    # for anybody). One row is one object in a session, as for every other model.
    __eq__ = object.__eq__
    __ne__ = object.__ne__
    __hash__ = object.__hash__

    @property
    def is_active(self) -> bool:
        return self.is_active_account and self.erased_at is None

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"
