"""Extensions, created once and bound to the app in `create_app`."""

from __future__ import annotations

from flask_babel import Babel
from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from werkzeug.utils import cached_property

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()


class _Babel(Babel):
    """Flask-Babel, the request's language and catalogue resolved once (`ideaspace.i18n.resolved`)."""

    def init_app(self, app, *args, **kwargs):
        super().init_app(app, *args, **kwargs)
        from .i18n import install_template_gettext

        install_template_gettext(app.jinja_env)

    @cached_property
    def domain_instance(self):
        from .i18n import RequestDomain

        return RequestDomain(domain=self.domain)


babel = _Babel()
htmx = HTMX()


def user_or_address() -> str:
    """Rate limits count per person when signed in (a whole office may share one address), per
    address otherwise."""
    from flask_login import current_user

    if current_user and getattr(current_user, "is_authenticated", False):
        return f"user:{current_user.id}"
    return get_remote_address()


limiter = Limiter(key_func=user_or_address, default_limits=[])


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL lets readers work beside one writer; foreign keys are off in SQLite unless asked for."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Deleted rows are overwritten, not left in free pages: a published ballot's sealed content
    # (ideaspace/ballot) must not linger beside the rows that recorded who took part.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()
