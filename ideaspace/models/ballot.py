"""The ballot box: anonymous contributions waiting, sealed, until enough people have taken part.

A request that accepts an anonymous answer, note, comment or idea records *that* the person took
part (their respondent row, their membership's contribution day) and writes one `Ballot` row here,
in the same transaction. Nothing else of that transaction carries the content. The pool of a scope
(an activity, or a workspace's idea barrel) is published in a transaction of its own once it holds
entries of at least k distinct people: the content rows are written then, in shuffled order, with
new identities and the publication time, and the ballots are deleted (`ideaspace.ballot`).
"""

from __future__ import annotations

import enum
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import enum_column


class BallotKind(enum.StrEnum):
    ANSWER = "answer"
    NOTE = "note"
    COMMENT = "comment"
    IDEA = "idea"


def new_ballot_id() -> str:
    return secrets.token_hex(16)


class Ballot(db.Model):
    """One sealed anonymous contribution in its scope's pending pool.

    No author, no time and no sequence: the id is random, the contributor a keyed pseudonym
    (HMAC of the app's secret, the person and the scope) used only to count distinct people, and
    the payload holds what the published row will need (including the author's unit, from which
    publication works out a label every group of which has at least k people).
    """

    __tablename__ = "ballot"
    __table_args__ = (sa.Index("ix_ballot_scope", "workspace_id", "activity_id"),)

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True, default=new_ballot_id)
    workspace_id: Mapped[int] = mapped_column(sa.ForeignKey("workspace.id", ondelete="CASCADE"))
    # The activity whose pool this is; empty for the workspace's idea barrel (one pool for all
    # its anonymous ideas, whichever collection took them).
    activity_id: Mapped[int | None] = mapped_column(sa.ForeignKey("activity.id", ondelete="CASCADE"))
    kind: Mapped[BallotKind] = mapped_column(enum_column(BallotKind))
    contributor: Mapped[str] = mapped_column(sa.String(64))
    payload: Mapped[dict] = mapped_column(sa.JSON)


class RetiredIdea(db.Model):
    """The number of an anonymous idea that was published again under a new one.

    Only the old number is kept, never what it became (that would be a link): its old address
    sends the reader to the idea barrel with a word on why.
    """

    __tablename__ = "retired_idea"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    workspace_id: Mapped[int] = mapped_column(sa.ForeignKey("workspace.id", ondelete="CASCADE"), index=True)
