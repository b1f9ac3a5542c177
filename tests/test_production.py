"""Production serving: /healthz checks the database; ProxyFix only when PROXY_FIX says so."""

from __future__ import annotations

from flask import request

from ideaspace import create_app


def _app(tmp_path, **config):
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "RATELIMIT_ENABLED": False,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.sqlite3",
            **config,
        }
    )


def _seen(app):
    @app.get("/_seen")
    def seen():
        return f"{request.remote_addr} {request.scheme}"

    return (
        app.test_client()
        .get(
            "/_seen",
            headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"},
            environ_base={"REMOTE_ADDR": "127.0.0.1"},
        )
        .text
    )


def test_forwarded_headers_are_ignored_without_proxy_fix(tmp_path):
    assert _seen(_app(tmp_path)) == "127.0.0.1 http"


def test_proxy_fix_trusts_one_proxy(tmp_path):
    assert _seen(_app(tmp_path, PROXY_FIX=1)) == "203.0.113.7 https"


def test_proxy_fix_is_read_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("PROXY_FIX", "1")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert _app(tmp_path).config["PROXY_FIX"] == 1


def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}
