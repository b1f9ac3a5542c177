"""How mail leaves: build a message, and send it over one SMTP connection or into a folder.

With MAIL_SERVER set, messages go out over SMTP (STARTTLS when MAIL_USE_TLS, implicit TLS on port
465, a login when MAIL_USERNAME is set). Without it (development), each message is written as an
`.eml` file under MAIL_FILE_DIR and logged, so nothing leaves the machine by accident.

Nothing here decides *when* mail is sent: that is the outbox (`ideaspace.outbox`), whose worker
opens one transport per batch. A transport's `send` raises `Transient` (try again later: a 4xx, an
unreachable or slow server; `ConnectionLost` when the connection is gone) or `Permanent` (a 5xx:
the address or the message is refused for good).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app

from .sanitize import clean_line

log = logging.getLogger(__name__)


class Transient(Exception):
    """The message was not accepted now; it may be later."""


class ConnectionLost(Transient):
    """The connection is gone (or never came): nothing more can be sent over it."""


class Permanent(Exception):
    """The server refused the message for good (5xx)."""


def build(
    to: str, subject: str, text: str, html: str | None = None, language: str | None = None
) -> EmailMessage:
    """A message from the configured sender: plain text, with an HTML alternative when given."""
    message = EmailMessage()
    sender = current_app.config["MAIL_SENDER"]
    # A header with a line break raises (and would inject headers): titles typed before they had to be
    # one line, or an imported name, are folded here, the one place mail headers are written.
    message["Subject"] = clean_line(subject)
    message["From"] = sender
    message["To"] = clean_line(to)
    message["Date"] = formatdate(localtime=False)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    # Keeps out-of-office replies away from the no-reply sender (RFC 3834).
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    if language:
        # After the body: setting content clears the Content-* headers.
        message["Content-Language"] = language
    return message


def recipient(message: EmailMessage) -> str:
    return parseaddr(str(message["To"]))[1].lower()


def public_url(endpoint: str, **values) -> str:
    """An absolute address on PUBLIC_URL, for links in mail (works without a request, e.g. the CLI)."""
    base = urlsplit(current_app.config["PUBLIC_URL"].rstrip("/"))
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)


class SMTPTransport:
    """One SMTP connection, opened on the first message and kept for the batch."""

    def __init__(self, config) -> None:
        self.config = config
        self.smtp: smtplib.SMTP | None = None

    def send(self, message: EmailMessage) -> None:
        if self.smtp is None:
            try:
                self.smtp = _connect(self.config)
            except (OSError, smtplib.SMTPException) as error:
                raise ConnectionLost(_describe(error)) from error
        try:
            refused = self.smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            code, reason = next(iter(error.recipients.values()), (550, b"refused"))
            raise _by_code(code, _reason((code, reason))) from error
        except smtplib.SMTPResponseException as error:  # sender or data refused, 421 closing
            self._drop()  # the conversation is in an unknown state: start the next one afresh
            raise _by_code(error.smtp_code, _reason((error.smtp_code, error.smtp_error))) from error
        except (OSError, smtplib.SMTPException) as error:  # disconnected, timed out
            self._drop()
            raise ConnectionLost(_describe(error)) from error
        if refused:
            code, reason = next(iter(refused.values()))
            raise _by_code(code, _reason((code, reason)))

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()
            self.smtp = None

    def _drop(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.close()
            finally:
                self.smtp = None


class FileTransport:
    """Development: each message an `.eml` file in MAIL_FILE_DIR, logged."""

    def __init__(self, folder: str) -> None:
        self.folder = Path(folder)

    def send(self, message: EmailMessage) -> None:
        path = self.folder / f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:12]}.eml"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            path.write_bytes(message.as_bytes())
        except OSError as error:
            raise Transient(_describe(error)) from error
        log.info("Mail to %s (%s) written to %s", recipient(message), message["Subject"], path)

    def close(self) -> None:
        pass


def transport(config=None) -> SMTPTransport | FileTransport:
    """SMTP when MAIL_SERVER is set, else the development folder."""
    config = config if config is not None else current_app.config
    if config.get("MAIL_SERVER"):
        return SMTPTransport(config)
    return FileTransport(config["MAIL_FILE_DIR"])


def _connect(config) -> smtplib.SMTP:
    server, port = config["MAIL_SERVER"], int(config["MAIL_PORT"])
    timeout = float(config.get("MAIL_TIMEOUT") or 30)
    if port == 465:
        context = ssl.create_default_context()
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(server, port, timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(server, port, timeout=timeout)
        if config.get("MAIL_USE_TLS"):
            smtp.starttls(context=ssl.create_default_context())
    if config.get("MAIL_USERNAME"):
        smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD", ""))
    return smtp


def _by_code(code: int, reason: str) -> Exception:
    return Permanent(reason) if 500 <= int(code) < 600 else Transient(reason)


def _describe(error: BaseException) -> str:
    return str(error) or type(error).__name__


def _reason(value) -> str:
    if isinstance(value, tuple) and len(value) == 2:
        code, text = value
        return f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
    return str(value or "")
