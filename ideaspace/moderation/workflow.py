"""The idea workflow on top of the idea barrel's `change_status`: decisions emailed to the author,
merging duplicates, and promoting an accepted idea to a measure of a theme."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, delete, exists, func, literal, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased

from .. import audit, mail, outbox
from ..extensions import db
from ..i18n import localize
from ..ideas import service as ideas
from ..invitations.messages import language_for
from ..labels import label
from ..models import (
    Comment,
    Idea,
    IdeaStatus,
    IdeaStatusChange,
    IdeaSupport,
    Measure,
    MeasureStatus,
    OutboxMessage,
    Theme,
    User,
    Workspace,
)
from ..notifications import service as notifications
from ..sanitize import html_to_text
from ..workspaces import measures as measures_service
from ..workspaces.manage import Refused
from .service import ModerationError, open_report_of

PROMOTE_STATUSES = (MeasureStatus.PROPOSED, MeasureStatus.IN_PROGRAMME)


# --- deciding ----------------------------------------------------------------------------------


def decide(actor: User, idea: Idea, status: IdeaStatus, reason: str | None) -> IdeaStatusChange:
    """Move the idea to under review, accepted or not taken forward (merging has its own step)."""
    if IdeaStatus(status) is IdeaStatus.MERGED:
        raise ideas.IdeaError(_l("Merge an idea with the merge form: choose the idea to keep."), "status")
    return ideas.change_status(actor, idea, IdeaStatus(status), reason)


def _lock(*idea_ids: int) -> dict[int, Idea]:
    """Lock the ideas' rows in id order (no deadlock between two merges) and reload them."""
    rows = db.session.scalars(
        select(Idea)
        .where(Idea.id.in_(sorted(idea_ids)))
        .order_by(Idea.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {idea.id: idea for idea in rows}


def merge_candidates(idea: Idea) -> list[Idea]:
    """The ideas this one can be merged into: same workspace, not itself, not merged, not hidden."""
    return list(
        db.session.scalars(
            select(Idea)
            .where(
                Idea.workspace_id == idea.workspace_id,
                Idea.id != idea.id,
                Idea.status != IdeaStatus.MERGED,
                Idea.hidden_at.is_(None),
            )
            .order_by(Idea.id.desc())
        )
    )


@dataclass
class MergeResult:
    change: IdeaStatusChange
    supporters_moved: int
    supporters_already_there: int
    comments_moved: int


def merge(actor: User, idea: Idea, kept: Idea | None, reason: str | None) -> MergeResult:
    """Merge a duplicate into the kept idea in one transaction: its supporters join the kept idea
    (someone who supported both counts once), its comments move there, and it points at the kept idea.

    Both rows are locked first (FOR UPDATE on PostgreSQL; SQLite's write lock is already held), and the
    rules are checked again on the locked rows, so two merges at once cannot cross or chain."""
    if kept is None or kept.workspace_id != idea.workspace_id or kept.id == idea.id:
        raise ideas.IdeaError(_l("Choose another idea of this workspace to merge into."), "merged_into")
    locked = _lock(idea.id, kept.id)
    idea, kept = locked[idea.id], locked[kept.id]
    change = ideas.change_status(actor, idea, IdeaStatus.MERGED, reason, merged_into=kept)

    before = db.session.scalar(select(func.count()).where(IdeaSupport.idea_id == idea.id)) or 0
    moved = _move_supports(idea.id, kept.id)
    db.session.execute(delete(IdeaSupport).where(IdeaSupport.idea_id == idea.id))
    comments = (
        db.session.execute(
            update(Comment)
            .where(Comment.idea_id == idea.id)
            .values(idea_id=kept.id)
            .execution_options(synchronize_session=False)
        ).rowcount
        or 0
    )
    result = MergeResult(change, moved, before - moved, comments)
    audit.record(
        actor,
        "idea.merged",
        idea,
        workspace_id=idea.workspace_id,
        reason=change.reason,
        kept_idea=kept.id,
        supporters_moved=moved,
        supporters_already_there=before - moved,
        comments_moved=comments,
    )
    db.session.flush()
    return result


def _move_supports(from_id: int, to_id: int) -> int:
    """Copy the supports to the kept idea unless that person supports it already; count them."""
    source = aliased(IdeaSupport)
    already = exists().where(IdeaSupport.idea_id == to_id, IdeaSupport.user_id == source.user_id)
    rows = select(literal(to_id, Integer), source.user_id, source.created_at).where(
        source.idea_id == from_id, ~already
    )
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(IdeaSupport)
        .from_select(["idea_id", "user_id", "created_at"], rows)
        .on_conflict_do_nothing()  # a support given to the kept idea at this very moment still counts once
    )
    count = select(func.count()).where(IdeaSupport.idea_id == to_id)
    before = db.session.scalar(count) or 0
    db.session.execute(statement)  # (rowcount of INSERT … SELECT is not reliable on every driver)
    return (db.session.scalar(count) or 0) - before


# --- promoting ---------------------------------------------------------------------------------


def measures_from(idea: Idea) -> list[Measure]:
    return list(
        db.session.scalars(select(Measure).where(Measure.origin_idea_id == idea.id).order_by(Measure.id))
    )


def promote(actor: User, workspace: Workspace, idea: Idea, theme: Theme | None, **values) -> Measure:
    """Make an accepted idea a measure of a theme of the same workspace, remembering where it came from."""
    if theme is None or theme.workspace_id != workspace.id or idea.workspace_id != workspace.id:
        raise ModerationError(_l("Choose one of this workspace's themes."), "theme_id")
    idea = _lock(idea.id)[idea.id]
    if idea.status is not IdeaStatus.ACCEPTED or idea.hidden_at is not None:
        raise ModerationError(_l("Only an accepted idea that is not hidden can become a measure."))
    if measures_from(idea):
        raise ModerationError(_l("This idea has already become a measure."))
    status = MeasureStatus(values.pop("status", MeasureStatus.PROPOSED))
    if status not in PROMOTE_STATUSES:
        raise ModerationError(_l("A new measure is proposed or in the programme."), "status")
    try:
        measure = measures_service.create_measure(
            actor, theme, origin_idea_id=idea.id, status=status, **values
        )
    except Refused as error:
        raise ModerationError(str(error), "text") from None
    audit.record(actor, "idea.promoted", idea, workspace_id=workspace.id, measure=measure.id, theme=theme.id)
    db.session.flush()
    return measure


def promote_defaults(idea: Idea, workspace: Workspace) -> dict:
    """The promote form's starting values: the idea's title as the measure, its text as the goal."""
    body = " ".join(html_to_text(idea.body).split())
    return {
        "text": {workspace.primary_language: idea.title},
        "goal": {workspace.primary_language: body[:1000]},
    }


# --- telling the author ------------------------------------------------------------------------


def author_to_notify(idea: Idea) -> User | None:
    """The author to email: nobody for an anonymous idea, or an erased or deactivated account."""
    author = idea.author
    if author is None or author.erased_at is not None or not author.is_active_account or not author.email:
        return None
    return author


def decision_message(idea: Idea, workspace: Workspace, kept: Idea | None = None) -> outbox.Mail | None:
    """The email telling the author what was decided about their idea, in the author's language."""
    author = author_to_notify(idea)
    if author is None:
        return None
    language = language_for(author, workspace)
    env = current_app.jinja_env
    with force_locale(language):
        workspace_title = localize(workspace.title, workspace.primary_language, language)
        status = label(idea.status)
        subject = _("Your idea “%(title)s”: %(status)s", title=idea.title, status=status)
        context = {
            "name": author.name,
            "idea_title": idea.title,
            "status": status,
            "status_value": idea.status.value,
            "reason": idea.status_reason or "",
            "workspace_title": workspace_title,
            "idea_url": mail.public_url("ideas.idea", slug=workspace.slug, idea_id=idea.id),
            "kept_title": kept.title if kept else "",
            "kept_url": mail.public_url("ideas.idea", slug=workspace.slug, idea_id=kept.id) if kept else "",
            "language": language,
            "subject": subject,
        }
        text = env.get_template("mail/idea_status.txt").render(**context)
        html = env.get_template("mail/idea_status.html").render(**context)
    return outbox.Mail(to=author.email, subject=subject, text=text, html=html)


@outbox.kind("idea_decision")
def render_decision(message: OutboxMessage) -> outbox.Mail | None:
    """The decision mail, rendered when sent; nothing when a later decision replaced this one (it has
    a mail of its own), or the idea or its author is gone."""
    about = message.about or {}
    idea = db.session.get(Idea, about.get("idea_id") or 0)
    if idea is None or idea.status.value != about.get("status"):
        return None
    kept = db.session.get(Idea, about["kept_id"]) if about.get("kept_id") else None
    return decision_message(idea, db.session.get(Workspace, idea.workspace_id), kept)


def notify_author(idea: Idea, workspace: Workspace, kept: Idea | None = None) -> bool | None:
    """Put the decision mail into the outbox; None when there is nobody to email.

    The outbox row is part of the decision's transaction: a rolled-back decision mails nothing."""
    author = author_to_notify(idea)
    if author is None:
        return None
    mode = notifications.mode_for(author, "idea_decision")
    if mode != notifications.NOW:
        # In the digest, or not at all, as the author chose (issue 16).
        if mode == notifications.DIGEST:
            notifications.add_to_digest(author, workspace, "idea_decision", {"idea_id": idea.id})
            return True
        return False
    outbox.service.enqueue(
        "idea_decision",
        user=author,
        language=language_for(author, workspace),
        about={"idea_id": idea.id, "status": idea.status.value, "kept_id": kept.id if kept else None},
        workspace_id=workspace.id,
    )
    return True


# --- the idea page's moderation panel ----------------------------------------------------------


@dataclass
class IdeaPanel:
    """What the idea page shows about moderation: measures made from it, the reader's own report,
    and for moderators the ideas it can be merged into."""

    measures: list[Measure] = field(default_factory=list)
    reported: bool = False
    candidates: list[Idea] = field(default_factory=list)
    notifies: bool = False
    decide_form: object | None = None
    merge_form: object | None = None
    duplicates: list = field(default_factory=list)  # likely duplicates (ideaspace.text.similar)


def idea_panel(user, workspace: Workspace, idea: Idea) -> IdeaPanel:
    from ..permissions import can_change_idea_status, can_report

    panel = IdeaPanel(measures=measures_from(idea), notifies=author_to_notify(idea) is not None)
    if can_report(user, workspace):
        panel.reported = open_report_of(user, idea) is not None
    if can_change_idea_status(user, workspace) and IdeaStatus.MERGED in ideas.allowed_statuses(idea):
        panel.candidates = merge_candidates(idea)
    return panel
