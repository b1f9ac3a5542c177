"""What the ballot box tells people, in their language."""

from __future__ import annotations

from flask_babel import gettext as _

from ..models.ballot import BallotKind
from .service import Pending


def ballot_message(pending: Pending) -> str:
    """What an author is told when their anonymous contribution has gone into the ballot box."""
    k = pending.k
    if pending.kind is BallotKind.NOTE:
        return _(
            "Your anonymous note is in the ballot box. It appears when at least %(k)d people have "
            "taken part, together with theirs, so that nobody can tell it is yours.",
            k=k,
        )
    if pending.kind is BallotKind.COMMENT:
        return _(
            "Your anonymous comment is in the ballot box. It appears when at least %(k)d people have "
            "taken part, together with theirs, so that nobody can tell it is yours.",
            k=k,
        )
    if pending.kind is BallotKind.IDEA:
        return _(
            "Your anonymous idea is in the ballot box. It appears in the idea barrel when at least "
            "%(k)d people have sent ideas, together with theirs, so that nobody can tell it is yours.",
            k=k,
        )
    return _(
        "Thank you! Your anonymous answer is in the ballot box. It is counted in the results when "
        "at least %(k)d people have answered, so that nobody can tell it is yours.",
        k=k,
    )
