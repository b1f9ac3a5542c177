"""IdeaSpace: participatory ideation and voting for drafting a programme together."""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

from flask import Flask, request

from .config import Settings, engine_options
from .extensions import babel, csrf, db, htmx, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent

# Each feature package has a `views.py` exposing `bp`.
BLUEPRINTS = (
    "auth",
    "workspaces",
    "admin",
    "pages",
    "stats",
    "ideas",
    "polls",
    "discussion",
    "preview",
    "notes",
    "people",
    "invitations",
    "notifications",
    "programme",
    "quotes",
    "account",
    "moderation",
    "exports",
    "followup",
    "privacy",
    "settings",
    "transfer",
    "sso",
    "text",
    "insight",
    "workshops",
    "images",
    "design",
)


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(Settings.from_environ(app.instance_path).as_flask_config())
    if test_config:
        app.config.update(test_config)
    app.config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    )
    if app.config.get("PROXY_FIX"):
        # Behind N trusted proxies: rate limits see the real client, url_for and Secure see https.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["PROXY_FIX"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)

    from .i18n import select_locale

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    htmx.init_app(app)
    limiter.init_app(app)

    from . import auth, inputs  # noqa: F401  (auth registers the user loader)
    from .web import init_web

    inputs.init_app(app)  # the id converter must be in place before the blueprints add their rules

    for name in BLUEPRINTS:
        app.register_blueprint(import_module(f".{name}.views", __name__).bp)
    init_web(app)

    from .cli import register_commands

    register_commands(app)

    from .web import DATABASE_DOWN, database_unavailable

    for error in DATABASE_DOWN:
        app.register_error_handler(error, database_unavailable)

    if app.config.get("OUTBOX_WORKER") == "inline":
        from .outbox.worker import start_inline

        start_inline(app)  # `make run`: the outbox is sent by this process, no second command

    @app.get("/healthz")
    def healthz():
        db.session.execute(db.text("SELECT 1"))
        return {"status": "ok"}

    @app.context_processor
    def _current_path():
        return {"current_path": request.full_path.rstrip("?")}

    return app
