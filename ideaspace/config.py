"""Settings read from the environment, in one typed place."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    """What the app reads from the environment; `as_flask_config()` maps it onto Flask keys."""

    secret_key: str
    database_url: str
    redis_url: str
    secure_cookies: bool
    mail_server: str
    mail_port: int
    mail_username: str
    mail_password: str
    mail_use_tls: bool
    mail_sender: str
    mail_file_dir: str
    public_url: str
    min_group_size: int
    comment_edit_minutes: int
    workshop_hours: int
    signin_link_hours: int
    reminder_interval_hours: int
    accessibility_contact: str
    proxy_fix: int = 0
    session_idle_minutes: int = 120
    session_max_hours: int = 12
    sudo_minutes: int = 10
    mail_timeout: int = 30
    outbox_worker: str = ""
    outbox_batch: int = 50
    outbox_lease_seconds: int = 300
    outbox_retry_seconds: int = 60
    outbox_max_attempts: int = 8
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_scopes: str = "openid email profile"
    oidc_logout: bool = True
    oidc_required_claims: str = "email"
    oidc_unit_claim: str = ""
    oidc_role_claim: str = ""
    oidc_role_map: str = ""
    oidc_clock_skew: int = 60
    # Live workshops (docs/workshops.md); None: not set, the app's own default applies.
    workshop_events_redis: str | None = None
    workshop_events_channel: str = ""
    workshop_max_guests: int = 500
    workshop_stream_seconds: str = ""

    @classmethod
    def from_environ(cls, instance_path: str) -> Settings:
        secret = env_str("SECRET_KEY")
        if not secret:
            # A development default that is stable across restarts of the same instance folder.
            key_file = Path(instance_path) / "secret_key"
            key_file.parent.mkdir(parents=True, exist_ok=True)
            if not key_file.exists():
                key_file.write_text(secrets.token_hex(32))
                key_file.chmod(0o600)
            secret = key_file.read_text().strip()
        default_db = "sqlite:///" + str(Path(instance_path) / "ideaspace.sqlite3")
        return cls(
            secret_key=secret,
            database_url=env_str("DATABASE_URL") or default_db,
            redis_url=env_str("REDIS_URL"),
            secure_cookies=env_bool("SECURE_COOKIES", default=False),
            mail_server=env_str("MAIL_SERVER"),
            mail_port=env_int("MAIL_PORT", 25),
            mail_username=env_str("MAIL_USERNAME"),
            mail_password=env_str("MAIL_PASSWORD"),
            mail_use_tls=env_bool("MAIL_USE_TLS"),
            mail_sender=env_str("MAIL_SENDER", "IdeaSpace <no-reply@localhost>"),
            # Development mail as .eml files; MAIL_OUTBOX is its former name ("outbox" is the table now).
            mail_file_dir=env_str("MAIL_FILE_DIR")
            or env_str("MAIL_OUTBOX")
            or str(Path(instance_path) / "mail"),
            public_url=env_str("PUBLIC_URL", "http://127.0.0.1:5000"),
            min_group_size=env_int("MIN_GROUP_SIZE", 5),
            comment_edit_minutes=env_int("COMMENT_EDIT_MINUTES", 30),
            workshop_hours=env_int("WORKSHOP_HOURS", 4),
            signin_link_hours=env_int("SIGNIN_LINK_HOURS", 72),
            reminder_interval_hours=env_int("REMINDER_INTERVAL_HOURS", 72),
            accessibility_contact=env_str("ACCESSIBILITY_CONTACT", "saavutettavuus@example.fi"),
            # How many reverse proxies in front of the app set X-Forwarded-For/-Proto/-Host (0: none).
            proxy_fix=env_int("PROXY_FIX", 0),
            # A session ends after this long without a request, and this long after sign-in.
            session_idle_minutes=env_int("SESSION_IDLE_MINUTES", 120),
            session_max_hours=env_int("SESSION_MAX_HOURS", 12),
            # Sudo mode: how long a re-authenticated admin may change roles and instance settings.
            sudo_minutes=env_int("SUDO_MINUTES", 10),
            mail_timeout=env_int("MAIL_TIMEOUT", 30),
            # "inline": the app sends the outbox from a thread of its own (`make run`); else run
            # `ideaspace worker` beside it.
            outbox_worker=env_str("OUTBOX_WORKER"),
            outbox_batch=env_int("OUTBOX_BATCH", 50),
            outbox_lease_seconds=env_int("OUTBOX_LEASE_SECONDS", 300),
            outbox_retry_seconds=env_int("OUTBOX_RETRY_SECONDS", 60),
            outbox_max_attempts=env_int("OUTBOX_MAX_ATTEMPTS", 8),
            # OpenID Connect single sign-on (docs/sso.md): off without an issuer.
            oidc_issuer=env_str("OIDC_ISSUER"),
            oidc_client_id=env_str("OIDC_CLIENT_ID"),
            oidc_client_secret=env_str("OIDC_CLIENT_SECRET"),
            oidc_scopes=env_str("OIDC_SCOPES") or "openid email profile",
            oidc_logout=env_bool("OIDC_LOGOUT", default=True),
            oidc_required_claims=env_str("OIDC_REQUIRED_CLAIMS", "email"),
            oidc_unit_claim=env_str("OIDC_UNIT_CLAIM"),
            oidc_role_claim=env_str("OIDC_ROLE_CLAIM"),
            oidc_role_map=env_str("OIDC_ROLE_MAP"),
            oidc_clock_skew=env_int("OIDC_CLOCK_SKEW", 60),
            # The Redis whose pub/sub carries workshop changes between processes: unset, REDIS_URL's;
            # set but empty, none (each process wakes only its own streams).
            workshop_events_redis=os.environ.get("WORKSHOP_EVENTS_REDIS"),
            workshop_events_channel=env_str("WORKSHOP_EVENTS_CHANNEL"),
            workshop_max_guests=env_int("WORKSHOP_MAX_GUESTS", 500),
            # How long an event stream is held open: unset, chosen by the server (gevent 50 s).
            workshop_stream_seconds=env_str("WORKSHOP_STREAM_SECONDS"),
        )

    def as_flask_config(self) -> dict:
        return {
            "SECRET_KEY": self.secret_key,
            "SQLALCHEMY_DATABASE_URI": normalise_database_url(self.database_url),
            "RATELIMIT_STORAGE_URI": self.redis_url or "memory://",
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": self.secure_cookies,
            "REMEMBER_COOKIE_HTTPONLY": True,
            "REMEMBER_COOKIE_SAMESITE": "Lax",
            "REMEMBER_COOKIE_SECURE": self.secure_cookies,
            "PREFERRED_URL_SCHEME": "https" if self.secure_cookies else "http",
            "MAIL_SERVER": self.mail_server,
            "MAIL_PORT": self.mail_port,
            "MAIL_USERNAME": self.mail_username,
            "MAIL_PASSWORD": self.mail_password,
            "MAIL_USE_TLS": self.mail_use_tls,
            "MAIL_SENDER": self.mail_sender,
            "MAIL_FILE_DIR": self.mail_file_dir,
            "MAIL_TIMEOUT": self.mail_timeout,
            "OUTBOX_WORKER": self.outbox_worker,
            "OUTBOX_BATCH": self.outbox_batch,
            "OUTBOX_LEASE_SECONDS": self.outbox_lease_seconds,
            "OUTBOX_RETRY_SECONDS": self.outbox_retry_seconds,
            "OUTBOX_MAX_ATTEMPTS": self.outbox_max_attempts,
            "OIDC_ISSUER": self.oidc_issuer,
            "OIDC_CLIENT_ID": self.oidc_client_id,
            "OIDC_CLIENT_SECRET": self.oidc_client_secret,
            "OIDC_SCOPES": self.oidc_scopes,
            "OIDC_LOGOUT": self.oidc_logout,
            "OIDC_REQUIRED_CLAIMS": self.oidc_required_claims,
            "OIDC_UNIT_CLAIM": self.oidc_unit_claim,
            "OIDC_ROLE_CLAIM": self.oidc_role_claim,
            "OIDC_ROLE_MAP": self.oidc_role_map,
            "OIDC_CLOCK_SKEW": self.oidc_clock_skew,
            "PUBLIC_URL": self.public_url,
            "MIN_GROUP_SIZE": self.min_group_size,
            "COMMENT_EDIT_MINUTES": self.comment_edit_minutes,
            "WORKSHOP_HOURS": self.workshop_hours,
            "WORKSHOP_MAX_GUESTS": self.workshop_max_guests,
            "WORKSHOP_EVENTS_CHANNEL": self.workshop_events_channel,
            **(
                {}
                if self.workshop_events_redis is None
                else {"WORKSHOP_EVENTS_REDIS": self.workshop_events_redis}
            ),
            **(
                {"WORKSHOP_STREAM_SECONDS": float(self.workshop_stream_seconds)}
                if self.workshop_stream_seconds.strip()
                else {}
            ),
            "SIGNIN_LINK_HOURS": self.signin_link_hours,
            "REMINDER_INTERVAL_HOURS": self.reminder_interval_hours,
            # The people import carries the checked CSV (at most 2 MB) from preview to confirmation
            # in one signed form field; the whole request stays capped by MAX_CONTENT_LENGTH.
            "MAX_FORM_MEMORY_SIZE": 3 * 1024 * 1024,
            "ACCESSIBILITY_CONTACT": self.accessibility_contact,
            "PROXY_FIX": self.proxy_fix,
            "MAX_CONTENT_LENGTH": 5 * 1024 * 1024,
            "BABEL_DEFAULT_LOCALE": "fi",
            "BABEL_TRANSLATION_DIRECTORIES": "translations",
            "SESSION_IDLE_MINUTES": self.session_idle_minutes,
            "SESSION_MAX_HOURS": self.session_max_hours,
            "SUDO_MINUTES": self.sudo_minutes,
            # A form's CSRF token lives as long as the longest session could.
            "WTF_CSRF_TIME_LIMIT": self.session_max_hours * 3600,
        }


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for every PostgreSQL URL."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def engine_options(url: str) -> dict:
    if url.startswith("sqlite"):
        # WAL and the busy timeout are set per connection in extensions.py.
        return {"connect_args": {"timeout": 15}}
    return {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 10}
