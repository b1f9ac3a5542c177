"""Moderate several queue items at once: hide them, dismiss their reports, or mark them reviewed.

One reason for the batch; every item gets its own audit entry, as if moderated one at a time. The
batch is checked whole before anything changes: an empty, malformed, oversized selection or an item
that is not in this workspace changes nothing.

"Reviewed" is an audit entry (`content.reviewed`) on the item, like the queue's watermark: the queue
no longer counts the item as new; a reported item stays until it is hidden or its reports dismissed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import audit
from ..extensions import db
from ..inputs import parse_id
from ..models import AuditLog, User, Workspace
from ..sanitize import clean_text
from . import service
from .service import KINDS, MODELS, REASON_MAX, REVIEWED, ModerationError

ACTIONS = ("hide", "dismiss", "review")
BULK_MAX = 100  # five queue pages; a longer list is refused before any row is read


@dataclass
class BulkResult:
    action: str
    done: list = field(default_factory=list)
    skipped: list = field(default_factory=list)


def parse_keys(values) -> list[tuple[str, int]]:
    """("comment", 12) for every "comment-12"; duplicates once, in the order given."""
    values = list(values or [])
    if not values:
        raise ModerationError(_l("Select at least one item. Nothing was changed."), "items")
    if len(values) > BULK_MAX:
        raise ModerationError(
            gettext("Select at most %(n)d items at a time. Nothing was changed.", n=BULK_MAX), "items"
        )
    keys: list[tuple[str, int]] = []
    for value in values:
        kind, _, number = str(value).partition("-")
        item_id = parse_id(number) if kind in KINDS else None
        if item_id is None:
            raise ModerationError(_l("The selection is not valid. Nothing was changed."), "items")
        if (kind, item_id) not in keys:
            keys.append((kind, item_id))
    return keys


def load(workspace: Workspace, keys: list[tuple[str, int]]) -> list:
    """The selected items of this workspace, locked, in the order given; ModerationError if any is
    missing or belongs elsewhere (one message for both: it says nothing about other workspaces)."""
    found: dict[tuple[str, int], object] = {}
    for kind in KINDS:
        ids = [i for k, i in keys if k == kind]
        if not ids:
            continue
        model = MODELS[kind]
        rows = db.session.scalars(
            select(model)
            .where(model.id.in_(ids), model.workspace_id == workspace.id)
            .order_by(model.id)
            .with_for_update()
        )
        found.update(((kind, row.id), row) for row in rows)
    if len(found) != len(keys):
        raise ModerationError(
            _l("Some of the selected items are not in this workspace any more. Nothing was changed."), "items"
        )
    return [found[key] for key in keys]


def _reviewed(workspace: Workspace, items) -> set[tuple[str, int]]:
    """Which of these items already have a `content.reviewed` entry (one query)."""
    ids = {service.kind_of(i): [] for i in items}
    for item in items:
        ids[service.kind_of(item)].append(item.id)
    rows = db.session.execute(
        select(AuditLog.object_type, AuditLog.object_id).where(
            AuditLog.workspace_id == workspace.id,
            AuditLog.action == REVIEWED,
            AuditLog.object_type.in_(list(ids)),
            AuditLog.object_id.in_([i for group in ids.values() for i in group]),
        )
    )
    return {(kind, item_id) for kind, item_id in rows}


def _optional_reason(reason: str | None) -> str | None:
    text = clean_text(reason)
    if len(text) > REASON_MAX:
        raise ModerationError(
            gettext("The reason can be at most %(n)d characters long.", n=REASON_MAX), "reason"
        )
    return text or None


def apply(actor: User, workspace: Workspace, action: str, values, reason: str | None) -> BulkResult:
    """Hide, dismiss or mark reviewed every selected item; items already so are skipped, not errors."""
    if action not in ACTIONS:
        raise ModerationError(_l("Choose what to do with the selected items."), "action")
    reason = service.clean_reason(reason) if action == "hide" else _optional_reason(reason)
    items = load(workspace, parse_keys(values))
    result = BulkResult(action)
    if action == "hide":
        for item in items:
            if item.hidden_at is not None:
                result.skipped.append(item)
                continue
            service.hide(actor, item, reason)
            result.done.append(item)
    elif action == "dismiss":
        for item in items:
            try:
                service.dismiss_reports(actor, item, reason)
            except ModerationError:  # no open reports: nothing to dismiss
                result.skipped.append(item)
            else:
                result.done.append(item)
    else:
        mark = service.watermark(workspace)
        already = _reviewed(workspace, items)
        for item in items:
            kind = service.kind_of(item)
            if item.id <= mark.of(kind) or (kind, item.id) in already:
                result.skipped.append(item)
                continue
            audit.record(actor, REVIEWED, item, workspace_id=workspace.id, reason=reason)
            result.done.append(item)
        db.session.flush()
    return result
