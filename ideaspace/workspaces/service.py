"""Reading workspaces and themes, and recording visits."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from functools import cache

from flask import abort
from sqlalchemy import Integer, String, bindparam, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from ..extensions import db
from ..models import (
    Activity,
    Measure,
    MemberRole,
    Membership,
    Role,
    Theme,
    User,
    Visit,
    Workspace,
    WorkspaceAccess,
    WorkspaceStatus,
    utcnow,
)
from ..permissions import remember_membership


def visible_workspaces(user: User) -> list[Workspace]:
    """The workspaces the user may enter: the same rule as permissions.can_view_workspace, in SQL."""
    query = select(Workspace).order_by(Workspace.status, Workspace.opens_on.desc(), Workspace.id.desc())
    if user.role is not Role.ADMIN:
        member = select(Membership.workspace_id).where(Membership.user_id == user.id)
        moderated = member.where(Membership.role == MemberRole.MODERATOR)
        not_draft = Workspace.status != WorkspaceStatus.DRAFT
        if user.role is Role.OBSERVER:
            readable = not_draft
        else:
            readable = not_draft & or_(
                Workspace.access == WorkspaceAccess.ALL_USERS, Workspace.id.in_(member)
            )
        if user.role is Role.MODERATOR:
            readable = or_(readable, Workspace.id.in_(moderated))
        query = query.where(readable)
    return list(db.session.scalars(query))


def get_workspace(slug: str, member=None) -> Workspace:
    """The workspace, or 404. With `member` (a signed-in user) their membership comes in the same
    statement (an outer join on the unique workspace and user pair) and is handed to
    permissions.membership_of, which then has no query of its own to make."""
    if member is None or not getattr(member, "is_authenticated", False):
        workspace = db.session.scalar(_workspace_statement(), {"slug": slug})
        if workspace is None:
            abort(404)
        return workspace
    row = db.session.execute(
        _workspace_and_membership_statement(), {"slug": slug, "user_id": member.id}
    ).first()
    if row is None:
        abort(404)
    workspace, membership = row
    remember_membership(member, workspace, membership)
    return workspace


# Every page asks for its workspace, the theme page for its theme: their statements are built once
# (building one cost more than running it), with the slug and ids as bound parameters.
@cache
def _workspace_statement():
    return select(Workspace).where(Workspace.slug == bindparam("slug", type_=String))


@cache
def _workspace_and_membership_statement():
    joined = (Membership.workspace_id == Workspace.id) & (
        Membership.user_id == bindparam("user_id", type_=Integer)
    )
    return (
        select(Workspace, Membership)
        .outerjoin(Membership, joined)
        .where(Workspace.slug == bindparam("slug", type_=String))
    )


def get_theme(workspace: Workspace, theme_id: int) -> Theme:
    """The theme with its measures, indicators, activities and options, in three queries.

    404 unless it belongs to this workspace, so ids from another workspace lead nowhere. A theme's
    measures and activities come with their few indicators and options joined in (a query each
    fewer than loading them apart, which costs more than the repeated columns).
    """
    theme = db.session.scalar(_theme_statement(), {"theme_id": theme_id, "workspace_id": workspace.id})
    if theme is None:
        abort(404)
    return theme


@cache
def _theme_statement():
    return (
        select(Theme)
        .where(
            Theme.id == bindparam("theme_id", type_=Integer),
            Theme.workspace_id == bindparam("workspace_id", type_=Integer),
        )
        .options(
            selectinload(Theme.measures).joinedload(Measure.indicators),
            selectinload(Theme.activities).joinedload(Activity.options),
        )
    )


# Page views closer together than this are one visit (as web analytics count a session).
VISIT_GAP = timedelta(minutes=30)


def record_visit(user: User, workspace: Workspace, membership: Membership | None) -> Membership | None:
    """Count a member's visit; an open workspace makes a visitor a member on first visit.

    One person's pages often load at once (tabs, a double click): each step is safe against that.
    The membership is inserted if new (ON CONFLICT DO NOTHING) and read back; the count goes up in
    one conditional UPDATE that only the first of the racing requests matches (on PostgreSQL the
    others wait for its row lock and then find the visit counted); the day's visit row is inserted
    if new. A membership created here or a second count raised 500s or lost visits before.
    """
    if membership is None:
        if workspace.access is not WorkspaceAccess.ALL_USERS or user.role is not Role.PARTICIPANT:
            return None
        membership = _join(user, workspace)
    now = utcnow()
    last = membership.last_visit_at
    if last is not None and last.date() == now.date() and now - last < VISIT_GAP:
        # Still the same visit: no write on every page view (it made every GET a write transaction).
        return membership
    midnight = datetime.combine(now.date(), time(), tzinfo=UTC)
    counted = db.session.execute(
        update(Membership)
        .where(
            Membership.id == membership.id,
            or_(
                Membership.last_visit_at.is_(None),
                Membership.last_visit_at < midnight,
                Membership.last_visit_at <= now - VISIT_GAP,
            ),
        )
        .values(
            first_visit_at=func.coalesce(Membership.first_visit_at, now),
            last_visit_at=now,
            visit_count=Membership.visit_count + 1,
        )
        .returning(Membership.first_visit_at, Membership.visit_count)
        .execution_options(synchronize_session=False)
    ).first()
    if counted is None:  # another request of this person has just counted this visit
        return membership
    for name, value in (("first_visit_at", counted[0]), ("last_visit_at", now), ("visit_count", counted[1])):
        set_committed_value(membership, name, value)
    if last is None or last < midnight:
        visit = insert_if_new(Visit.__table__)
        db.session.execute(visit.values(membership_id=membership.id, day=now.date()).on_conflict_do_nothing())
    return membership


_INSERT_IF_NEW = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}


def insert_if_new(table):
    """An INSERT of this session's dialect, ready for `.on_conflict_do_nothing()`."""
    return _INSERT_IF_NEW[db.session.get_bind().dialect.name](table)


def _join(user: User, workspace: Workspace) -> Membership:
    """The person's membership of an open workspace, created unless a racing request did."""
    join = insert_if_new(Membership.__table__)
    db.session.execute(
        join.values(
            workspace_id=workspace.id, user_id=user.id, role=MemberRole.PARTICIPANT, visit_count=0
        ).on_conflict_do_nothing()
    )
    return db.session.scalars(
        select(Membership).where(Membership.workspace_id == workspace.id, Membership.user_id == user.id)
    ).one()


def record_contribution(user: User, workspace: Workspace, membership: Membership | None) -> None:
    """The first comment, answer, note, idea or support moves a member to "contributed".

    Only the day is kept: a time of day could be lined up with an anonymous contribution.
    """
    if membership is not None and membership.first_contribution_at is None:
        membership.first_contribution_at = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
