"""A real SMTP server on loopback (aiosmtpd) that keeps what arrives, and helpers to read it."""

from __future__ import annotations

import re
import socket
from email import message_from_bytes, policy
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller

LINK_RE = re.compile(r"https?://\S+/signin/[A-Za-z0-9_-]+")


class Inbox:
    """aiosmtpd handler: refuses recipients whose address starts with "bounce", keeps the rest."""

    def __init__(self) -> None:
        self.messages = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address.lower().startswith("bounce"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address: str):
        found = [m for rcpt, m in self.messages if address in rcpt]
        assert len(found) == 1, (address, [r for r, _ in self.messages])
        return found[0]

    @property
    def recipients(self) -> list[str]:
        return sorted(r for rcpt, _ in self.messages for r in rcpt)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp(app):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    keys = ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_USERNAME")
    saved = {key: app.config.get(key) for key in keys}
    app.config.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_USE_TLS=False, MAIL_USERNAME=""
    )
    try:
        yield inbox
    finally:
        controller.stop()
        app.config.update(saved)


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def link_path(message) -> str:
    """The path of the personal sign-in link in a message."""
    links = LINK_RE.findall(text_of(message))
    assert len(set(links)) == 1, links
    return urlsplit(links[0]).path
