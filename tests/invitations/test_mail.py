"""The transports the outbox's worker sends through: a folder of .eml files, or one SMTP connection."""

from email import message_from_bytes, policy
from pathlib import Path

import pytest

from ideaspace import mail

from .conftest import free_port, html_of, text_of


def test_without_a_server_messages_are_written_to_the_folder(app, tmp_path, caplog):
    with app.app_context():
        caplog.set_level("INFO", logger="ideaspace.mail")
        transport = mail.transport({"MAIL_SERVER": "", "MAIL_FILE_DIR": str(tmp_path / "mail")})
        transport.send(mail.build("Anna@Karleby.fi", "Hej", "Text", "<p>HTML</p>", "sv"))
    files = list(Path(tmp_path / "mail").glob("*.eml"))
    assert len(files) == 1
    message = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert message["Subject"] == "Hej" and message["Content-Language"] == "sv"
    assert text_of(message).strip() == "Text" and "<p>HTML</p>" in html_of(message)
    assert "anna@karleby.fi" in caplog.text.lower()


def test_smtp_delivers_over_one_connection_and_refuses_for_good(app, smtp):
    with app.app_context():
        transport = mail.transport()
        transport.send(mail.build("maija@kokkola.fi", "Hei", "Teksti", "<p>Teksti</p>", "fi"))
        with pytest.raises(mail.Permanent, match="550"):
            transport.send(mail.build("bounce@kokkola.fi", "Hei", "Teksti", None, "fi"))
        transport.send(mail.build("pekka@kokkola.fi", "Hei", "Teksti", None, "fi"))  # the same connection
        connection = transport.smtp
        transport.close()
    assert connection is not None
    assert smtp.recipients == ["maija@kokkola.fi", "pekka@kokkola.fi"]
    message = smtp.to("maija@kokkola.fi")
    assert message["Subject"] == "Hei" and message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "multipart/alternative"


def test_an_unreachable_server_is_a_lost_connection(app):
    with app.app_context():
        config = {**app.config, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": free_port()}
        with pytest.raises(mail.ConnectionLost):
            mail.transport(config).send(mail.build("a@kokkola.fi", "S", "T"))
