"""Reading the audit log: entries newest first, 50 a page, filtered by actor, action, workspace and dates.

Dates are whole days in UTC, both ends included (the log stores UTC).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import AuditLog, User, Workspace

PER_PAGE = 50

# The actions this app writes, with what an admin reads; any other action shows as written.
ACTION_LABELS = {
    "content.hidden": _l("Hid content"),
    "content.restored": _l("Restored hidden content"),
    "reports.dismissed": _l("Dismissed reports"),
    "queue.cleared": _l("Marked the moderation queue as reviewed"),
    "content.reviewed": _l("Marked content as reviewed"),
    "idea.status_changed": _l("Changed an idea's status"),
    "idea.merged": _l("Merged an idea into another"),
    "idea.promoted": _l("Made an idea a measure"),
    "measure.create": _l("Added a measure"),
    "measure.update": _l("Edited a measure"),
    "measure.delete": _l("Deleted a measure"),
    "indicator.create": _l("Added an indicator"),
    "indicator.update": _l("Edited an indicator"),
    "theme.create": _l("Added a theme"),
    "theme.update": _l("Edited a theme"),
    "theme.delete": _l("Deleted a theme"),
    "workspace.create": _l("Created a workspace"),
    "workspace.update": _l("Edited a workspace"),
    "workspace.moderator_add": _l("Added a moderator"),
    "workspace.moderator_remove": _l("Removed a moderator"),
    "image.add": _l("Added a cover image"),
    "image.replace": _l("Replaced a cover image"),
    "image.alt": _l("Changed a cover image's alternative text"),
    "image.remove": _l("Removed a cover image"),
    "user.update": _l("Edited a person"),
    "user.deactivate": _l("Deactivated a person"),
    "user.reactivate": _l("Reactivated a person"),
    "unit.create": _l("Added a unit"),
    "unit.update": _l("Edited a unit"),
    "sso.create": _l("Single sign-on created a person"),
    "sso.link": _l("Single sign-on linked a person's account"),
    "sso.role": _l("Single sign-on changed a role"),
    "sso.unit": _l("Single sign-on changed a unit"),
    "sso.failed": _l("Single sign-on failed"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


@dataclass
class AuditFilters:
    actor_id: int | None = None
    action: str | None = None
    workspace_id: int | None = None
    since: date | None = None
    until: date | None = None


@dataclass
class AuditPage:
    entries: list[AuditLog]
    workspaces: dict[int, Workspace]
    total: int
    page: int
    pages: int


def actors() -> list[User]:
    """People who appear in the log, by name."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.id.in_(select(AuditLog.actor_id).where(AuditLog.actor_id.is_not(None)).distinct()))
            .order_by(User.name, User.id)
        )
    )


def actions() -> list[str]:
    """The actions in the log and those the app knows, sorted."""
    found = set(db.session.scalars(select(AuditLog.action).distinct()))
    return sorted(found | set(ACTION_LABELS))


def all_workspaces() -> list[Workspace]:
    return list(db.session.scalars(select(Workspace).order_by(Workspace.slug)))


def entries(filters: AuditFilters, page: int = 1, per_page: int = PER_PAGE) -> AuditPage:
    """One page of entries with their actors and workspaces: four queries, however many rows."""
    query = select(AuditLog)
    if filters.actor_id is not None:
        query = query.where(AuditLog.actor_id == filters.actor_id)
    if filters.action:
        query = query.where(AuditLog.action == filters.action)
    if filters.workspace_id is not None:
        query = query.where(AuditLog.workspace_id == filters.workspace_id)
    if filters.since:
        query = query.where(AuditLog.at >= datetime.combine(filters.since, time.min, tzinfo=UTC))
    if filters.until:
        query = query.where(
            AuditLog.at < datetime.combine(filters.until + timedelta(days=1), time.min, tzinfo=UTC)
        )
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    rows = list(
        db.session.scalars(
            query.options(selectinload(AuditLog.actor))
            .order_by(AuditLog.at.desc(), AuditLog.id.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    ids = {e.workspace_id for e in rows if e.workspace_id}
    spaces = (
        {w.id: w for w in db.session.scalars(select(Workspace).where(Workspace.id.in_(ids)))} if ids else {}
    )
    return AuditPage(rows, spaces, total, page, pages)
