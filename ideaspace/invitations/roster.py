"""The list of invited people: searched, filtered by unit and state, a page at a time.

Thousands of members: the page shows 50 rows from two statements (the count and the page with
each person's unit), plus one that finds which of those names occur more than once in the
workspace, so two people called Anders Lindholm are told apart by their email and unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager

from ..admin.service import descendant_ids
from ..extensions import db
from ..models import Membership, Unit, User, Workspace

PER_PAGE = 50

# What the state filter accepts: the invited / visited / contributed funnel.
NOT_VISITED, VISITED, CONTRIBUTED = "not_visited", "visited", "contributed"
STATES = (NOT_VISITED, VISITED, CONTRIBUTED)


@dataclass
class RosterPage:
    rows: list[Membership]
    total: int  # matching the filters
    page: int
    pages: int
    invited: int  # everyone invited, whatever the filters
    same_name: dict[str, int] = field(default_factory=dict)  # name → how many members have it


def like_pattern(text: str) -> str:
    """A LIKE pattern that finds `text` anywhere, its own % _ and \\ taken literally."""
    escaped = text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def roster(
    workspace: Workspace,
    *,
    search: str = "",
    unit_id: int | None = None,
    state: str | None = None,
    page: int = 1,
    units: list[Unit] | None = None,
    per_page: int = PER_PAGE,
) -> RosterPage:
    """The invited members matching the filters, by name, `per_page` a page (out of range: the
    nearest page). A unit includes the units below it; the search looks in names and emails."""
    invited = (Membership.workspace_id == workspace.id, Membership.invited_at.is_not(None))
    query = select(Membership).join(Membership.user).where(*invited)
    if search.strip():
        pattern = like_pattern(search)
        query = query.where(
            or_(
                func.lower(User.name).like(pattern, escape="\\"),
                func.lower(User.email).like(pattern, escape="\\"),
            )
        )
    if unit_id is not None:
        units = list(db.session.scalars(select(Unit))) if units is None else units
        query = query.where(User.unit_id.in_(descendant_ids(units, unit_id)))
    if state == NOT_VISITED:
        query = query.where(Membership.first_visit_at.is_(None))
    elif state == VISITED:
        query = query.where(
            Membership.first_visit_at.is_not(None), Membership.first_contribution_at.is_(None)
        )
    elif state == CONTRIBUTED:
        query = query.where(Membership.first_contribution_at.is_not(None))
    filtered = bool(search.strip()) or unit_id is not None or state in STATES
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    everyone = (
        total
        if not filtered
        else db.session.scalar(select(func.count()).select_from(Membership).where(*invited)) or 0
    )
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = list(
        db.session.scalars(
            query.options(contains_eager(Membership.user))
            .order_by(func.lower(User.name), User.id)
            .limit(per_page)
            .offset((page - 1) * per_page)
        ).unique()
    )
    return RosterPage(rows, total, page, pages, everyone, _same_names(workspace, rows))


def _same_names(workspace: Workspace, rows: list[Membership]) -> dict[str, int]:
    """Which names on this page more than one invited member of the workspace has, and how many."""
    names = {membership.user.name for membership in rows}
    if not names:
        return {}
    counted = db.session.execute(
        select(User.name, func.count())
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.workspace_id == workspace.id,
            Membership.invited_at.is_not(None),
            User.name.in_(sorted(names)),
        )
        .group_by(User.name)
        .having(func.count() > 1)
    )
    return dict(counted.all())


def unit_paths(units: list[Unit]) -> dict[int, str]:
    """Every unit's full path ("Department › Unit"), to tell units with the same name apart."""
    from ..admin.service import unit_choices

    return {unit_id: label for unit_id, label in unit_choices(units, "") if unit_id != ""}
