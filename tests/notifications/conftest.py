from ..outbox.conftest import mail_to, smtp_server  # noqa: F401  (the real SMTP server fixtures)
