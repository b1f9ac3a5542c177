"""A person's own pending contributions, known only to their browser: a signed cookie of ids.

The database never learns whose a ballot is; the author's browser keeps the random pending ids it
was given, with their user id, signed so they cannot be forged (the cookie never reaches the
database: sessions are stored server-side, this cookie is not). A published ballot's id
simply finds nothing any more and drops out of the cookie.
"""

from __future__ import annotations

from flask import after_this_request, current_app, request
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer

from . import service

COOKIE = "ideaspace_ballots"
MAX_KEPT = 50


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="ideaspace.ballot.own")


def _reader() -> int | None:
    return current_user.id if getattr(current_user, "is_authenticated", False) else None


def _read() -> list[str]:
    """The pending ids this browser keeps for the person signed in now (a shared computer's next
    user sees none of them)."""
    raw = request.cookies.get(COOKIE)
    if not raw or _reader() is None:
        return []
    try:
        kept = _serializer().loads(raw)
    except BadSignature:
        return []
    if not isinstance(kept, dict) or kept.get("u") != _reader() or not isinstance(kept.get("ids"), list):
        return []
    return [i for i in kept["ids"] if isinstance(i, str)]


def _write(ids: list[str]) -> None:
    @after_this_request
    def store(response):
        if ids:
            response.set_cookie(
                COOKIE,
                _serializer().dumps({"u": _reader(), "ids": ids[-MAX_KEPT:]}),
                max_age=60 * 60 * 24 * 365,
                secure=request.is_secure,
                httponly=True,
                samesite="Lax",
            )
        else:
            response.delete_cookie(COOKIE)
        return response


def remember(pending: service.Pending) -> None:
    """Keep a just-sealed contribution's id in the author's cookie."""
    _write([*_read(), pending.id])


def own_pending() -> list:
    """This browser's contributions still waiting in the ballot box (published ones drop out)."""
    ids = _read()
    if not ids:
        return []
    entries = service.pending_entries(ids)
    if len(entries) != len(ids):
        _write([b.id for b in entries])
    return entries


class OwnBallots:
    """The reader's own pending contributions by scope, read from their cookie on first use (one
    query per request, none without the cookie)."""

    def __init__(self) -> None:
        self._by_scope: dict[int | None, list] | None = None

    def for_scope(self, activity_id: int | None) -> list:
        if self._by_scope is None:
            self._by_scope = {}
            for entry in own_pending():
                self._by_scope.setdefault(entry.activity_id, []).append(entry)
        return self._by_scope.get(activity_id, [])


class HeldPools:
    """How many contributions wait in each pool of a workspace (counts only), read once per
    request on first use: the partials of one page share a single query."""

    def __init__(self) -> None:
        self._by_workspace: dict[int, dict] = {}

    def __call__(self, workspace, activity_id: int | None) -> service.Pool:
        if workspace.id not in self._by_workspace:
            self._by_workspace[workspace.id] = service.workspace_pools(workspace)
        return self._by_workspace[workspace.id].get(activity_id, service.Pool())


def template_context() -> dict:
    """For the partials that show what waits in the ballot box: the reader's own contributions
    (`own_ballots`), every pool's counts (`held_pool`) and k (`ballot_k`)."""
    return {"own_ballots": OwnBallots(), "held_pool": HeldPools(), "ballot_k": service.group_size}
