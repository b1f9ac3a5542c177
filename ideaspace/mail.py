"""Outgoing mail: build messages (text with an HTML alternative) and send them.

With MAIL_SERVER set, messages go out over SMTP (STARTTLS when MAIL_USE_TLS, implicit TLS on port
465, a login when MAIL_USERNAME is set). Without it (development), each message is written as an
`.eml` file under MAIL_OUTBOX and logged, so nothing leaves the machine by accident.

`send()` never raises for a refused address or an unreachable server: it returns which addresses
were accepted and which failed, so callers can leave the failed ones unmarked.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app

from .sanitize import clean_line

log = logging.getLogger(__name__)


@dataclass
class SendResult:
    """Addresses the server (or the outbox) accepted, and those that failed with the reason."""

    sent: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


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


def send(messages: list[EmailMessage]) -> SendResult:
    """Send every message; returns the recipients that were accepted and those that failed."""
    if not messages:
        return SendResult()
    if current_app.config.get("MAIL_SERVER"):
        return _send_smtp(messages)
    return _write_outbox(messages)


def recipient(message: EmailMessage) -> str:
    return parseaddr(str(message["To"]))[1].lower()


def public_url(endpoint: str, **values) -> str:
    """An absolute address on PUBLIC_URL, for links in mail (works without a request, e.g. the CLI)."""
    base = urlsplit(current_app.config["PUBLIC_URL"].rstrip("/"))
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)


def _send_smtp(messages: list[EmailMessage]) -> SendResult:
    config = current_app.config
    result = SendResult()
    try:
        smtp = _connect(config)
    except (OSError, smtplib.SMTPException) as error:
        log.error("Mail server %s unreachable: %s", config["MAIL_SERVER"], error)
        for message in messages:
            result.failed[recipient(message)] = str(error) or type(error).__name__
        return result
    try:
        for index, message in enumerate(messages):
            address = recipient(message)
            try:
                refused = smtp.send_message(message)
            except smtplib.SMTPRecipientsRefused as error:
                result.failed[address] = _reason(error.recipients.get(address)) or "refused"
            except smtplib.SMTPServerDisconnected as error:
                # The connection is gone: nothing after this point was sent.
                for rest in messages[index:]:
                    result.failed[recipient(rest)] = str(error) or "disconnected"
                break
            except (OSError, smtplib.SMTPException) as error:
                result.failed[address] = str(error) or type(error).__name__
            else:
                if address in refused:
                    result.failed[address] = _reason(refused[address])
                else:
                    result.sent.append(address)
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
    if result.failed:
        log.warning("Mail: %d sent, %d failed", len(result.sent), len(result.failed))
    return result


def _connect(config) -> smtplib.SMTP:
    server, port = config["MAIL_SERVER"], int(config["MAIL_PORT"])
    if port == 465:
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(server, port, timeout=30, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(server, port, timeout=30)
        if config.get("MAIL_USE_TLS"):
            smtp.starttls(context=ssl.create_default_context())
    if config.get("MAIL_USERNAME"):
        smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD", ""))
    return smtp


def _reason(value) -> str:
    if isinstance(value, tuple) and len(value) == 2:
        code, text = value
        return f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
    return str(value or "")


def _write_outbox(messages: list[EmailMessage]) -> SendResult:
    outbox = Path(current_app.config["MAIL_OUTBOX"])
    result = SendResult()
    try:
        outbox.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        for message in messages:
            result.failed[recipient(message)] = str(error)
        return result
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    for message in messages:
        address = recipient(message)
        path = outbox / f"{stamp}-{uuid.uuid4().hex[:12]}.eml"
        try:
            path.write_bytes(message.as_bytes())
        except OSError as error:
            result.failed[address] = str(error)
            continue
        log.info("Mail to %s (%s) written to %s", address, message["Subject"], path)
        result.sent.append(address)
    return result
