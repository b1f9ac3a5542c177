"""The mail outbox: every mail is written as an intent in the request's transaction and sent later
by a worker, which renders it (and issues its sign-in links) at send time.

    from ideaspace import outbox

    @outbox.kind("invitation")
    def render(message: OutboxMessage) -> outbox.Mail | None: ...

    outbox.service.enqueue("invitation", user=person, about={"workspace_id": ws.id}, workspace_id=ws.id)

A renderer returns None when there is nothing to send any more (the person lost access): the row
is marked skipped, not failed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

from ..models import OutboxMessage


@dataclass
class Mail:
    """What a renderer gives the worker: the recipient, the texts, and extra headers
    (List-Unsubscribe, ...); mail.build folds every header onto one line."""

    to: str
    subject: str
    text: str
    html: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


Renderer = Callable[[OutboxMessage], Mail | None]

KINDS: dict[str, Renderer] = {}


_REGISTERED: dict[str, Renderer] = {}


def kind(name: str) -> Callable[[Renderer], Renderer]:
    """Register the renderer of one kind of message (wrapped for one-click unsubscribe)."""

    def register(render: Renderer) -> Renderer:
        if _REGISTERED.get(name, render) is not render:
            raise ValueError(f"outbox kind {name!r} registered twice")
        _REGISTERED[name] = render
        KINDS[name] = _unsubscribable(render)
        return render

    return register


def _unsubscribable(render: Renderer) -> Renderer:
    """Every kind, in one place: nothing for a person who unsubscribed since the message was
    written, and the RFC 8058 headers on what is sent (ideaspace.notifications.unsubscribe)."""

    @functools.wraps(render)
    def rendered(message: OutboxMessage) -> Mail | None:
        from ..notifications import unsubscribe

        if unsubscribe.suppressed(message):
            return None
        content = render(message)
        if content is not None:
            content.headers = {**unsubscribe.headers_for(message), **content.headers}
        return content

    return rendered


def shared(key: tuple, compute: Callable[[], object]):
    """A value the renderers of one batch share (a workspace's own text, its introduction as
    text): computed once per batch by the worker, and every time outside a batch (previews)."""
    from flask import g

    cache = g.get("_outbox_batch")
    if cache is None:
        return compute()
    if key not in cache:
        cache[key] = compute()
    return cache[key]


from . import service  # noqa: E402  (service needs KINDS)
from .worker import drain  # noqa: E402

__all__ = ["KINDS", "Mail", "OutboxMessage", "drain", "kind", "service", "shared"]
