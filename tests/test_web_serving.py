"""Serving in production: gunicorn.conf.py, an app that can be built before the fork, and a deploy
guide that names every environment variable the code reads."""

from __future__ import annotations

import ast
import os
import re
import runpy
from pathlib import Path

import pytest
import sqlalchemy as sa

from ideaspace import create_app

ROOT = Path(__file__).resolve().parents[1]
ENV_HELPERS = ("env_str", "env_int", "env_bool")  # ideaspace/config.py


def environment_reads(path: Path) -> set[str]:
    """The names of the environment variables a module reads: env_str/env_int/env_bool(NAME),
    os.getenv(NAME), os.environ.get(NAME), os.environ[NAME]. Only config.py's env_* helpers may read
    a name they are given; anywhere else a computed name fails."""
    tree = ast.parse(path.read_text())
    in_helpers = {
        id(node)
        for helper in ast.walk(tree)
        if isinstance(helper, ast.FunctionDef) and helper.name in ENV_HELPERS
        for node in ast.walk(helper)
    }
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            if ast.unparse(node.func) not in (*ENV_HELPERS, "os.getenv", "os.environ.get"):
                continue
            argument = node.args[0]
        elif isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
            argument = node.slice
        else:
            continue
        if isinstance(argument, ast.Constant):
            names.add(argument.value)
        else:
            assert id(node) in in_helpers, f"{path.name}: {ast.unparse(node)} reads a computed name"
    return names


def test_deploy_guide_names_every_environment_variable_the_code_reads():
    guide = (ROOT / "docs" / "deploy.md").read_text()
    read = set().union(
        *(environment_reads(ROOT / name) for name in ("ideaspace/config.py", "gunicorn.conf.py", "gunicorn.events.conf.py"))
    )
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "PROXY_FIX", "WEB_CONCURRENCY", "BIND"} <= read
    assert not {name for name in read if f"`{name}`" not in guide}, "add them to docs/deploy.md"
    # ...and its table lists nothing the code no longer reads.
    table = guide.split("## Every environment variable", 1)[1]
    listed = set(re.findall(r"^\| `([A-Z0-9_]+)` \|", table, flags=re.M))
    assert listed == read


def test_every_module_reads_the_environment_only_through_config():
    for path in (ROOT / "ideaspace").rglob("*.py"):
        if path.name != "config.py":
            assert not environment_reads(path), f"{path}: read settings in ideaspace/config.py"


def test_gunicorn_conf_holds_the_production_settings(monkeypatch):
    for name in ("WEB_CONCURRENCY", "GUNICORN_THREADS", "BIND", "FORWARDED_ALLOW_IPS"):
        monkeypatch.delenv(name, raising=False)
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert (conf["workers"], conf["threads"], conf["bind"]) == (2, 4, "127.0.0.1:8000")
    assert conf["forwarded_allow_ips"] == "127.0.0.1"
    assert (conf["timeout"], conf["graceful_timeout"], conf["keepalive"]) == (60, 30, 5)
    assert (conf["max_requests"], conf["max_requests_jitter"]) == (2000, 200)
    assert conf["worker_tmp_dir"] == "/dev/shm" and conf["accesslog"] == "-"
    assert conf["preload_app"] is True and callable(conf["when_ready"])

    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("GUNICORN_THREADS", "8")
    monkeypatch.setenv("BIND", "0.0.0.0:9000")
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "10.0.0.1")
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert (conf["workers"], conf["threads"], conf["bind"], conf["forwarded_allow_ips"]) == (
        3,
        8,
        "0.0.0.0:9000",
        "10.0.0.1",
    )


DATABASES = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


@pytest.mark.parametrize("engine", DATABASES)
def test_building_the_app_opens_no_database_connection(engine, tmp_path, monkeypatch):
    """gunicorn.conf.py preloads the app in the master and forks the workers from it: a connection
    opened there would be shared by every worker."""
    url = os.environ["TEST_DATABASE_URL"] if engine == "postgresql" else f"sqlite:///{tmp_path}/p.sqlite3"
    monkeypatch.delenv("DATABASE_URL", raising=False)
    opened = []

    def count(*_args):
        opened.append(1)

    sa.event.listen(sa.engine.Engine, "connect", count)
    try:
        create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": url})
    finally:
        sa.event.remove(sa.engine.Engine, "connect", count)
    assert opened == []
