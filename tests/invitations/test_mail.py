from email import message_from_bytes, policy
from pathlib import Path

from ideaspace import mail

from .conftest import free_port, html_of, text_of


def test_without_a_server_messages_are_written_to_the_outbox(app, tmp_path, caplog):
    with app.app_context():
        saved = app.config["MAIL_OUTBOX"], app.config["MAIL_SERVER"]
        app.config.update(MAIL_OUTBOX=str(tmp_path / "outbox"), MAIL_SERVER="")
        try:
            caplog.set_level("INFO", logger="ideaspace.mail")
            result = mail.send([mail.build("Anna@Karleby.fi", "Hej", "Text", "<p>HTML</p>", "sv")])
        finally:
            app.config["MAIL_OUTBOX"], app.config["MAIL_SERVER"] = saved
    assert result.sent == ["anna@karleby.fi"] and result.failed == {}
    files = list(Path(tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 1
    message = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert message["Subject"] == "Hej" and message["Content-Language"] == "sv"
    assert text_of(message).strip() == "Text" and "<p>HTML</p>" in html_of(message)
    assert "anna@karleby.fi" in caplog.text.lower()


def test_smtp_delivers_and_reports_refused_addresses(app, smtp):
    with app.app_context():
        result = mail.send(
            [
                mail.build("maija@kokkola.fi", "Hei", "Teksti", "<p>Teksti</p>", "fi"),
                mail.build("bounce@kokkola.fi", "Hei", "Teksti", None, "fi"),
            ]
        )
    assert result.sent == ["maija@kokkola.fi"]
    assert list(result.failed) == ["bounce@kokkola.fi"] and "550" in result.failed["bounce@kokkola.fi"]
    assert smtp.recipients == ["maija@kokkola.fi"]
    message = smtp.to("maija@kokkola.fi")
    assert message["Subject"] == "Hei" and message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "multipart/alternative"


def test_an_unreachable_server_fails_every_address(app):
    with app.app_context():
        saved = app.config["MAIL_SERVER"], app.config["MAIL_PORT"]
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())
        try:
            result = mail.send([mail.build("a@kokkola.fi", "S", "T"), mail.build("b@kokkola.fi", "S", "T")])
        finally:
            app.config["MAIL_SERVER"], app.config["MAIL_PORT"] = saved
    assert result.sent == [] and sorted(result.failed) == ["a@kokkola.fi", "b@kokkola.fi"]
