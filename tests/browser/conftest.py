"""Browser tests: the app served on loopback by a real server thread, driven by Playwright in
Debian's Chromium, checked with axe-core.

Where Chromium is missing these tests are skipped with the command to install it, except in CI
(CI=true), where a missing browser is an error: nothing may be skipped there.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from flask_migrate import upgrade
from werkzeug.serving import make_server

from ideaspace import create_app
from ideaspace.extensions import db

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
INSTALL_HINT = "Chromium is not installed; install it with: sudo apt-get install -y chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)
            # One worker runs all browser tests, sharing one server and one browser.
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.fixture(scope="session")
def browser_executable():
    path = chromium_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(INSTALL_HINT + " (CI must run every browser test)")
        pytest.skip(INSTALL_HINT)
    return path


class LiveServer:
    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.server.shutdown()


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    """An app on its own SQLite file, migrated, with the Kokkola demo and the browser seed loaded."""
    path = tmp_path_factory.mktemp("live") / "live.sqlite3"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "SECRET_KEY": "browser-test-secret",
            "RATELIMIT_ENABLED": False,
            "MAIL_FILE_DIR": str(tmp_path_factory.mktemp("outbox")),
        }
    )
    with app.app_context():
        upgrade()
        from ideaspace.demo.loader import load_demo

        from . import seed

        load_demo()
        seed.load(app)
        db.session.commit()
    return app


@pytest.fixture(scope="session")
def live_server(live_app):
    server = LiveServer(live_app)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance, browser_executable):
    browser = playwright_instance.chromium.launch(
        executable_path=browser_executable, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def _new_page(browser, request, locale="fi-FI", java_script_enabled=True):
    context = browser.new_context(
        locale=locale, java_script_enabled=java_script_enabled, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: errors.append(msg.text)
        if msg.type == "error" and "Content Security Policy" in msg.text
        else None,
    )
    page.js_errors = errors
    return context, page


@pytest.fixture
def page(browser, request):
    """A fresh browser context per test (Finnish by default); a screenshot is saved on failure."""
    context, page = _new_page(browser, request)
    yield page
    _finish(request, page)
    context.close()


@pytest.fixture
def new_page(browser, request):
    """Open more pages with their own locale or with JavaScript disabled."""
    opened = []

    def _open(locale="fi-FI", java_script_enabled=True):
        context, page = _new_page(browser, request, locale, java_script_enabled)
        opened.append((context, page))
        return page

    yield _open
    for context, page in opened:
        _finish(request, page)
        context.close()


def _finish(request, page):
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = request.node.nodeid.replace("/", "_").replace("::", "__").replace("[", "_").replace("]", "")
        try:
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        except Exception:  # noqa: BLE001 - a failed screenshot must not hide the real failure
            pass


@pytest.fixture(scope="session")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def assert_accessible(axe):
    """Zero axe violations of the WCAG 2.1 A and AA rules on the page as it is now."""

    def _check(page, context: str = ""):
        results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
        violations = results.response["violations"]
        details = "\n".join(
            f"- {v['id']} ({v['impact']}): {v['help']} → "
            + "; ".join(", ".join(n["target"]) for n in v["nodes"][:5])
            for v in violations
        )
        assert not violations, f"axe violations on {page.url} {context}:\n{details}"

    return _check


@pytest.fixture
def sign_in(live_server):
    def _sign_in(page, email: str, password: str):
        page.goto(f"{live_server.url}/login")
        page.fill("#email", email)
        page.fill("#password", password)
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()

    return _sign_in
