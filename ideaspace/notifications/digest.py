"""The daily or weekly digest: what is new in my workspaces since my last digest or visit.

`ideaspace digest --frequency daily|weekly` (cron, docs/deploy.md) writes one outbox row per person
whose digest is due, and stamps digest_sent_at in the same transaction, so two runs at once or a
rerun enqueue nothing twice. The worker renders it at send time, in the person's language, from
what they may still see: nothing for a person with no access left, and nothing when nothing is new
(the row is skipped)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select

from .. import mail, outbox
from ..extensions import db
from ..i18n import localize
from ..models import (
    Activity,
    ActivityStatus,
    Comment,
    Idea,
    Membership,
    Notification,
    NotificationSetting,
    OutboxMessage,
    ProgrammeSnapshot,
    Theme,
    User,
    Workspace,
    utcnow,
)
from ..models.notification import DAILY, WEEKLY
from ..permissions import can_read_programme, can_view_workspace

DIGEST = "digest"
PERIODS = {DAILY: timedelta(days=1), WEEKLY: timedelta(days=7)}
CLOSING_SOON = timedelta(days=7)


def enqueue_digests(frequency: str, now: datetime | None = None) -> int:
    """Put a digest into the outbox for each person whose `frequency` digest is due; how many."""
    if frequency not in PERIODS:
        raise ValueError(f"unknown digest frequency {frequency!r}")
    now = now or utcnow()
    period = PERIODS[frequency]
    # Half an hour's slack: a cron run a little early still finds yesterday's digest due.
    due_before = now - period + timedelta(minutes=30)
    chosen = func.coalesce(NotificationSetting.digest, WEEKLY)
    rows = db.session.execute(
        select(User.id, User.locale, NotificationSetting.digest_sent_at)
        .outerjoin(NotificationSetting, NotificationSetting.user_id == User.id)
        .where(
            chosen == frequency,
            NotificationSetting.mail_off_at.is_(None),
            or_(
                NotificationSetting.digest_sent_at.is_(None), NotificationSetting.digest_sent_at < due_before
            ),
            User.is_active_account.is_(True),
            User.erased_at.is_(None),
            User.email.is_not(None),
            select(Membership.id).where(Membership.user_id == User.id).exists(),
        )
        .order_by(User.id)
    ).all()
    if not rows:
        return 0
    outbox.service.enqueue_many(
        DIGEST,
        [
            {
                "user_id": user_id,
                "language": locale,
                "about": {"since": (sent_at or now - period).isoformat(), "until": now.isoformat()},
            }
            for user_id, locale, sent_at in rows
        ],
    )
    ids = [user_id for user_id, _locale, _sent in rows]
    existing = set(
        db.session.scalars(select(NotificationSetting.user_id).where(NotificationSetting.user_id.in_(ids)))
    )
    for user_id in ids:
        if user_id not in existing:
            db.session.add(
                NotificationSetting(
                    user_id=user_id, reply="now", idea_comment="now", idea_decision="now", digest=WEEKLY
                )
            )
    db.session.flush()
    db.session.execute(
        NotificationSetting.__table__.update()
        .where(NotificationSetting.user_id.in_(ids))
        .values(digest_sent_at=now)
    )
    return len(ids)


@dataclass
class WorkspaceNews:
    title: str
    url: str
    comments: int = 0
    ideas: int = 0
    closes_on: str = ""
    results_url: str = ""
    replies: int = 0
    idea_comments: int = 0
    decisions: int = 0
    themes: list[str] = field(default_factory=list)
    opened: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (
            self.comments or self.ideas or self.closes_on or self.results_url or self.replies
        ) and not (self.idea_comments or self.decisions or self.themes or self.opened)


@dataclass
class Digest:
    workspaces: list[WorkspaceNews] = field(default_factory=list)
    visible_ids: list[int] = field(default_factory=list)


def collect(user: User, since: datetime, until: datetime, language: str) -> Digest:
    """What is new for the person in each workspace they may still see."""
    memberships = list(
        db.session.execute(
            select(Workspace, Membership.last_visit_at)
            .join(Membership, Membership.workspace_id == Workspace.id)
            .where(Membership.user_id == user.id)
            .order_by(Workspace.id)
        )
    )
    visible = [(ws, visit) for ws, visit in memberships if can_view_workspace(user, ws)]
    ids = [ws.id for ws, _visit in visible]
    if not ids:
        return Digest()
    # Unread: since the later of the last digest and the last visit, so what was seen is not news.
    after = {ws.id: max(since, visit) if visit else since for ws, visit in visible}

    def counted(model, extra=()):
        return {
            workspace_id: n
            for workspace_id, n in db.session.execute(
                select(model.workspace_id, func.count())
                .where(
                    or_(*(and_(model.workspace_id == wid, model.created_at > after[wid]) for wid in ids)),
                    model.created_at <= until,
                    model.hidden_at.is_(None),
                    *extra,
                )
                .group_by(model.workspace_id)
            )
        }

    comments = counted(
        Comment,
        (Comment.withdrawn_at.is_(None), or_(Comment.author_id.is_(None), Comment.author_id != user.id)),
    )
    ideas = counted(Idea, (or_(Idea.author_id.is_(None), Idea.author_id != user.id),))
    published = dict(
        db.session.execute(
            select(ProgrammeSnapshot.workspace_id, func.max(ProgrammeSnapshot.version))
            .where(
                ProgrammeSnapshot.workspace_id.in_(ids),
                ProgrammeSnapshot.published_at > since,
                ProgrammeSnapshot.published_at <= until,
            )
            .group_by(ProgrammeSnapshot.workspace_id)
        ).all()
    )
    themes: dict[int, list[str]] = {}
    for wid, title, primary in db.session.execute(
        select(Theme.workspace_id, Theme.title, Workspace.primary_language)
        .join(Workspace, Workspace.id == Theme.workspace_id)
        .where(
            or_(*(and_(Theme.workspace_id == wid, Theme.created_at > after[wid]) for wid in ids)),
            Theme.created_at <= until,
        )
        .order_by(Theme.workspace_id, Theme.position)
    ):
        themes.setdefault(wid, []).append(localize(title, primary, language))
    opened: dict[int, list[str]] = {}
    for wid, title, primary in db.session.execute(
        select(Theme.workspace_id, Activity.title, Workspace.primary_language)
        .join(Theme, Theme.id == Activity.theme_id)
        .join(Workspace, Workspace.id == Theme.workspace_id)
        .where(
            or_(*(and_(Theme.workspace_id == wid, Activity.opened_at > after[wid]) for wid in ids)),
            Activity.opened_at <= until,
            Activity.status == ActivityStatus.OPEN,
        )
        .order_by(Theme.workspace_id, Theme.position, Activity.position)
    ):
        opened.setdefault(wid, []).append(localize(title, primary, language))
    mine: dict[tuple[int, str], int] = {}
    for item in pending(user.id, ids):
        mine[(item.workspace_id, item.kind)] = mine.get((item.workspace_id, item.kind), 0) + 1
    today = until.date()
    digest = Digest(visible_ids=ids)
    for ws, _visit in visible:
        closes = ""
        if ws.closes_on and today <= ws.closes_on <= today + CLOSING_SOON and ws.status.value == "open":
            closes = format_date(ws.closes_on, "long")
        news = WorkspaceNews(
            title=localize(ws.title, ws.primary_language, language),
            url=mail.public_url("workspaces.workspace", slug=ws.slug),
            comments=comments.get(ws.id, 0),
            ideas=ideas.get(ws.id, 0),
            closes_on=closes,
            results_url=mail.public_url("programme.published", slug=ws.slug, number=published[ws.id])
            if ws.id in published and can_read_programme(user, ws)
            else "",
            replies=mine.get((ws.id, "reply"), 0),
            idea_comments=mine.get((ws.id, "idea_comment"), 0),
            decisions=mine.get((ws.id, "idea_decision"), 0),
            themes=themes.get(ws.id, []),
            opened=opened.get(ws.id, []),
        )
        if not news.empty:
            digest.workspaces.append(news)
    return digest


def pending(user_id: int, workspace_ids: list[int]) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(
                Notification.user_id == user_id,
                Notification.workspace_id.in_(workspace_ids),
                Notification.digested_at.is_(None),
            )
        )
    )


@outbox.kind(DIGEST)
def render_digest(message: OutboxMessage) -> outbox.Mail | None:
    """The digest; None (skipped) when the person is gone, sees no workspace, or nothing is new."""
    user = db.session.get(User, message.user_id or 0)
    if user is None or not user.is_active_account or user.erased_at is not None or not user.email:
        return None
    about = message.about or {}
    try:
        since = datetime.fromisoformat(about["since"])
        until = datetime.fromisoformat(about["until"])
    except (KeyError, TypeError, ValueError):
        return None
    news = collect(user, since, until, message.language)
    if not news.workspaces:
        return None
    # The items told now are done; the worker commits this before the mail leaves.
    db.session.execute(
        Notification.__table__.update()
        .where(
            Notification.user_id == user.id,
            Notification.workspace_id.in_(news.visible_ids),
            Notification.digested_at.is_(None),
        )
        .values(digested_at=utcnow())
    )
    subject = _("What is new in your workspaces")
    context = {
        "language": message.language,
        "subject": subject,
        "name": user.name,
        "workspaces": news.workspaces,
        "settings_url": mail.public_url("account.settings") + "#notifications",
    }
    env = current_app.jinja_env
    text = env.get_template("mail/digest.txt").render(**context)
    html = env.get_template("mail/digest.html").render(**context)
    return outbox.Mail(to=user.email, subject=subject, text=text, html=html)
