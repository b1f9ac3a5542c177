"""Write the audit log: every moderator and admin action, who, what, when, on what, why."""

from __future__ import annotations

from .extensions import db
from .models import AuditLog


def record(
    actor,
    action: str,
    obj=None,
    *,
    workspace_id: int | None = None,
    reason: str | None = None,
    **details,
) -> AuditLog:
    entry = AuditLog(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=type(obj).__tablename__ if obj is not None else "",
        object_id=getattr(obj, "id", None) if obj is not None else None,
        workspace_id=workspace_id,
        reason=reason,
        details={k: _jsonable(v) for k, v in details.items()},
    )
    db.session.add(entry)
    return entry


def _jsonable(value):
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)
