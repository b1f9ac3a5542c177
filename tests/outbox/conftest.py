"""A real SMTP server on loopback (aiosmtpd) that can be stopped, slowed down, and made to refuse."""

from __future__ import annotations

import asyncio
import threading
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from ..invitations.conftest import free_port


class Server:
    """aiosmtpd handler: "bounce…" refused for good (550), "later…" for now (451); `delay` seconds
    before answering MAIL FROM (a slow server); `on_data` runs before a message is accepted."""

    def __init__(self) -> None:
        self.messages = []
        self.sessions = 0
        self.delay = 0.0
        self.on_data = None
        self.lock = threading.Lock()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
        with self.lock:
            self.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802
        if self.delay:
            await asyncio.sleep(self.delay)
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address.lower().startswith("bounce"):
            return "550 5.1.1 No such user here"
        if address.lower().startswith("later"):
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.on_data is not None and self.on_data(envelope) is False:
            return "451 4.3.0 Not now"
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    @property
    def recipients(self) -> list[str]:
        return sorted(r for rcpt, _ in self.messages for r in rcpt)

    def to(self, address: str):
        found = [m for rcpt, m in self.messages if address in rcpt]
        assert len(found) == 1, (address, self.recipients)
        return found[0]


class SMTPServer:
    def __init__(self) -> None:
        self.handler = Server()
        self.port = free_port()
        self.controller = None

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server():
    server = SMTPServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def mail_to(app, smtp_server):
    """The app sends to the test server, with short timeouts and waits."""
    keys = ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_USERNAME", "MAIL_TIMEOUT")
    saved = {key: app.config.get(key) for key in keys}
    app.config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_server.port,
        MAIL_USE_TLS=False,
        MAIL_USERNAME="",
        MAIL_TIMEOUT=1,
    )
    try:
        yield smtp_server.handler
    finally:
        app.config.update(saved)
