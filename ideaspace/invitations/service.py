"""Inviting people to a workspace and reminding them: plain operations that flush and audit.

The mail itself goes into the outbox in the same transaction (`ideaspace.outbox`): a rolled-back
invitation sends nothing, the page returns at once however many people are invited, and the
worker renders each message, with its sign-in link, when it sends it. What could not be
delivered is shown on the invitations page (`outbox.service.failures`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import contains_eager

from .. import audit, mail
from ..extensions import db
from ..models import MemberRole, Membership, Unit, User, Workspace, utcnow
from ..outbox import service as outbox
from ..workspaces.service import insert_if_new
from . import messages
from .messages import NOT_CONTRIBUTED, NOT_VISITED

AUDIENCES = (NOT_VISITED, NOT_CONTRIBUTED)


@dataclass
class Outcome:
    sent: list[User] = field(default_factory=list)  # in the outbox, sent by the worker
    already: list[User] = field(default_factory=list)  # invitations: invited before, not again


# --- who ------------------------------------------------------------------------------------


def unit_rows() -> list[tuple[Unit, int]]:
    """Every unit with its depth, in tree order (for choosing units)."""
    units = list(db.session.scalars(select(Unit)))
    children: dict[int | None, list[Unit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    for siblings in children.values():
        siblings.sort(key=lambda u: ((u.name or {}).get("fi") or "").casefold())
    rows: list[tuple[Unit, int]] = []
    seen: set[int] = set()

    def walk(parent_id: int | None, depth: int) -> None:
        for unit in children.get(parent_id, []):
            if unit.id not in seen:
                seen.add(unit.id)
                rows.append((unit, depth))
                walk(unit.id, depth + 1)

    walk(None, 0)
    return rows


def unit_and_descendant_ids(unit_ids: list[int], include_subunits: bool = True) -> set[int]:
    wanted = set(unit_ids)
    if not include_subunits:
        return wanted
    children: dict[int | None, list[int]] = {}
    for unit_id, parent_id in db.session.execute(select(Unit.id, Unit.parent_id)):
        children.setdefault(parent_id, []).append(unit_id)
    stack, found = list(wanted), set()
    while stack:
        current = stack.pop()
        if current not in found:
            found.add(current)
            stack.extend(children.get(current, []))
    return found


def find_unit(path: str) -> Unit | None:
    """A unit by its path of Finnish names, "Sivistyspalvelut / Varhaiskasvatus" (case-insensitive)."""
    parts = [part.strip().casefold() for part in path.split("/") if part.strip()]
    by_parent: dict[tuple[int | None, str], Unit] = {}
    for unit in db.session.scalars(select(Unit).order_by(Unit.id)):
        by_parent.setdefault((unit.parent_id, ((unit.name or {}).get("fi") or "").casefold()), unit)
    unit, parent_id = None, None
    for part in parts:
        unit = by_parent.get((parent_id, part))
        if unit is None:
            return None
        parent_id = unit.id
    return unit


def people_to_invite(
    unit_ids: list[int] | None = None, include_subunits: bool = True, emails: list[str] | None = None
) -> tuple[list[User], list[str]]:
    """Active people in the units (and sub-units) and with the emails; and the unknown emails."""
    conditions = []
    if unit_ids:
        conditions.append(User.unit_id.in_(unit_and_descendant_ids(unit_ids, include_subunits)))
    wanted = sorted({email.strip().lower() for email in emails or [] if email.strip()})
    if wanted:
        conditions.append(func.lower(User.email).in_(wanted))
    if not conditions:
        return [], []
    users = list(
        db.session.scalars(
            select(User)
            .where(or_(*conditions), User.is_active_account.is_(True), User.erased_at.is_(None))
            .order_by(User.name, User.id)
        )
    )
    known = {user.email.lower() for user in users}
    return users, [email for email in wanted if email not in known]


# --- inviting -------------------------------------------------------------------------------


def invite(
    actor: User | None, workspace: Workspace, users: list[User], now: datetime | None = None
) -> Outcome:
    """Make each person a member, invited now, and send them a personal sign-in link by email."""
    # The same people invited twice at once (a double click, two moderators) must not both find
    # them uninvited, nor both insert their membership (a 500): the workspace's row is locked
    # first (FOR NO KEY UPDATE on PostgreSQL, which leaves rows that only reference it alone;
    # SQLite lets one writer in at a time), so the second reads what the first committed.
    db.session.execute(
        select(Workspace.id).where(Workspace.id == workspace.id).with_for_update(key_share=True)
    )
    now = now or utcnow()
    outcome = Outcome()
    # Columns, not objects: thousands of loaded memberships cost more in the flush than the
    # statements themselves.
    invited_at = dict(
        db.session.execute(
            select(Membership.user_id, Membership.invited_at).where(Membership.workspace_id == workspace.id)
        ).all()
    )
    people: dict[int, User] = {}
    for user in users:
        if user.is_active:
            people.setdefault(user.id, user)
    created = _add_members(actor, workspace, {uid for uid in people if uid not in invited_at}, now)
    # Members who were never invited (a first visit of an open workspace made them members, maybe
    # a moment ago): invited now, in one UPDATE.
    uninvited = [uid for uid in people if uid not in created and invited_at.get(uid) is None]
    for chunk in _chunks(uninvited):
        db.session.execute(
            update(Membership)
            .where(
                Membership.workspace_id == workspace.id,
                Membership.user_id.in_(chunk),
                Membership.invited_at.is_(None),
            )
            .values(invited_at=now, invited_by_id=actor.id if actor is not None else None)
        )
    queued = []
    for user_id, user in people.items():
        if user_id in created or invited_at.get(user_id) is None:
            outcome.sent.append(user)
            queued.append(_mail_row(user, workspace, actor))
        else:
            outcome.already.append(user)
    db.session.flush()
    outbox.enqueue_many(messages.INVITATION, queued)
    audit.record(
        actor,
        "workspace.invite",
        workspace,
        workspace_id=workspace.id,
        invited=len(outcome.sent),
        already_invited=len(outcome.already),
    )
    return outcome


def _chunks(ids: list[int], size: int = 1000):
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _mail_row(user: User, workspace: Workspace, actor: User | None, **about) -> dict:
    """An outbox row for this person: ids only, the link is made when the mail is sent."""
    return {
        "user_id": user.id,
        "language": messages.language_for(user, workspace),
        "about": {
            "workspace_id": workspace.id,
            "inviter_id": actor.id if actor is not None else None,
            **about,
        },
        "workspace_id": workspace.id,
    }


def _add_members(actor: User | None, workspace: Workspace, user_ids: set[int], now: datetime) -> set[int]:
    """Make these people members, invited now; returns those this call added.

    INSERT ... ON CONFLICT DO NOTHING: a first visit of an open workspace may have made one of them
    a member a moment ago (workspaces.service.record_visit); they are then invited as members."""
    if not user_ids:
        return set()
    statement = insert_if_new(Membership.__table__).on_conflict_do_nothing().returning(Membership.user_id)
    row = {
        "workspace_id": workspace.id,
        "role": MemberRole.PARTICIPANT,
        "visit_count": 0,
        "invited_at": now,
        "invited_by_id": actor.id if actor is not None else None,
    }
    return set(db.session.scalars(statement, [{**row, "user_id": user_id} for user_id in sorted(user_ids)]))


# --- reminding ------------------------------------------------------------------------------


def _audience_query(workspace: Workspace, audience: str, now: datetime):
    if audience not in AUDIENCES:
        raise ValueError(audience)
    cutoff = now - timedelta(hours=current_app.config["REMINDER_INTERVAL_HOURS"])
    query = (
        select(Membership)
        .join(Membership.user)
        .where(
            Membership.workspace_id == workspace.id,
            Membership.role == MemberRole.PARTICIPANT,
            Membership.invited_at.is_not(None),
            or_(Membership.last_reminded_at.is_(None), Membership.last_reminded_at <= cutoff),
            User.is_active_account.is_(True),
            User.erased_at.is_(None),
        )
    )
    if audience == NOT_VISITED:
        return query.where(Membership.first_visit_at.is_(None))
    return query.where(Membership.first_visit_at.is_not(None), Membership.first_contribution_at.is_(None))


def reminder_audience(workspace: Workspace, audience: str, now: datetime | None = None) -> list[Membership]:
    """Who would get this reminder now: not reminded within REMINDER_INTERVAL_HOURS."""
    query = _audience_query(workspace, audience, now or utcnow())
    return list(
        db.session.scalars(
            query.options(contains_eager(Membership.user)).order_by(User.name, User.id)
        ).unique()
    )


def reminder_counts(workspace: Workspace, now: datetime | None = None) -> dict[str, int]:
    now = now or utcnow()
    return {
        audience: db.session.scalar(
            select(func.count()).select_from(_audience_query(workspace, audience, now).subquery())
        )
        for audience in AUDIENCES
    }


def languages_of(workspace: Workspace, memberships: list[Membership]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for membership in memberships:
        language = messages.language_for(membership.user, workspace)
        counts[language] = counts.get(language, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: -item[1]))


def reminder_preview(
    workspace: Workspace, audience: str, language: str, name: str, sender: User | None = None
) -> tuple[str, str]:
    """(subject, text) of the reminder as the recipients will read it, with a placeholder link."""
    link = mail.public_url("invitations.signin", token="TOKEN").replace("TOKEN", "…")
    subject, text, _html = messages.render(
        audience,
        name=name,
        workspace=workspace,
        link=link,
        language=language,
        inviter=sender.name if sender else None,
    )
    return subject, text


def send_reminders(
    actor: User | None, workspace: Workspace, audience: str, now: datetime | None = None
) -> Outcome:
    """Remind the audience, each in their language with a fresh sign-in link (made when sent)."""
    now = now or utcnow()
    outcome = Outcome()
    queued = []
    for membership in reminder_audience(workspace, audience, now):
        membership.last_reminded_at = now
        outcome.sent.append(membership.user)
        queued.append(_mail_row(membership.user, workspace, None, audience=audience))
    db.session.flush()
    outbox.enqueue_many("reminder", queued)
    audit.record(
        actor,
        "workspace.remind",
        workspace,
        workspace_id=workspace.id,
        audience=audience,
        reminded=len(outcome.sent),
    )
    return outcome


def preview(
    workspace: Workspace, kind: str, language: str, name: str, own_text: str | None = None
) -> tuple[str, str, str]:
    """(subject, text, html) of an invitation or reminder as sent, with a placeholder link; with
    `own_text`, as it would read with that text (not saved)."""
    link = mail.public_url("invitations.signin", token="TOKEN").replace("TOKEN", "…")
    return messages.render(
        kind, name=name, workspace=workspace, link=link, language=language, own_text=own_text
    )
