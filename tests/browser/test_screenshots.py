"""Screenshot tests (issue 17): the front page, a theme page and the results at 390 and 1280 px,
compared with the references in tests/browser/screenshots/ with a tolerance, so that a layout
that breaks is caught.

The references are updated on purpose, never by a failing run: look at the new pictures first, then

    UPDATE_SCREENSHOTS=1 .venv/bin/python -m pytest tests/browser/test_screenshots.py

The pages come from an app of their own with a freshly loaded demo, so what other browser tests
write (answers, comments) never shows here. The one thing that changes by the day, the date of
the last visit, is masked.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from flask_migrate import upgrade
from PIL import Image, ImageChops
from sqlalchemy import select

from ideaspace import create_app
from ideaspace.extensions import db
from ideaspace.models import Theme, Workspace

from .conftest import ARTIFACTS, LiveServer

REFERENCES = Path(__file__).parent / "screenshots"
UPDATE = os.environ.get("UPDATE_SCREENSHOTS") == "1"
DEMO_PASSWORD = "demo-password-2023"
SLUG = "henkilostoohjelma-2023-2025"
# A pixel differs when a channel moves by more than THRESHOLD; a picture may have SHARE of them.
THRESHOLD = 48
SHARE = 0.01
HEIGHTS = {390: 844, 1280: 900}


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """A server with nothing but the demo, and the paths of its themes in order."""
    path = tmp_path_factory.mktemp("screenshots") / "demo.sqlite3"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "SECRET_KEY": "screenshot-secret",
            "RATELIMIT_ENABLED": False,
            "MAIL_FILE_DIR": str(tmp_path_factory.mktemp("mail")),
        }
    )
    with app.app_context():
        upgrade()
        from ideaspace.demo.loader import load_demo

        load_demo()
        db.session.commit()
        ws = db.session.scalar(select(Workspace).where(Workspace.slug == SLUG))
        themes = db.session.scalars(
            select(Theme).where(Theme.workspace_id == ws.id).order_by(Theme.position, Theme.id)
        ).all()
        paths = [f"/w/{SLUG}/themes/{theme.id}" for theme in themes]
    server = LiveServer(app)
    server.start()
    yield server.url, paths
    server.stop()


def differing_share(actual: Image.Image, reference: Image.Image) -> float:
    """The share of pixels in which some channel differs by more than THRESHOLD."""
    diff = ImageChops.difference(actual.convert("RGB"), reference.convert("RGB"))
    red, green, blue = diff.split()
    largest = ImageChops.lighter(ImageChops.lighter(red, green), blue)
    differing = largest.point(lambda v: 255 if v > THRESHOLD else 0).histogram()[255]
    return differing / (actual.width * actual.height)


def compare(name: str, png: bytes) -> None:
    reference_path = REFERENCES / f"{name}.png"
    actual = Image.open(io.BytesIO(png))
    if UPDATE or not reference_path.exists():
        if not UPDATE:
            pytest.fail(f"no reference {reference_path.name}: run with UPDATE_SCREENSHOTS=1, then look at it")
        REFERENCES.mkdir(exist_ok=True)
        # 256 colours: the references stay small in the repository; the tolerance absorbs it.
        actual.convert("RGB").quantize(256).save(reference_path, optimize=True)
        return
    reference = Image.open(reference_path)
    ARTIFACTS.mkdir(exist_ok=True)
    if actual.size != reference.size:
        actual.save(ARTIFACTS / f"screenshot-{name}-actual.png")
        pytest.fail(
            f"{name}: {actual.size} instead of {reference.size} (the layout changed); see test-artifacts/"
        )
    share = differing_share(actual, reference.convert("RGB"))
    if share > SHARE:
        actual.save(ARTIFACTS / f"screenshot-{name}-actual.png")
        ImageChops.difference(actual.convert("RGB"), reference.convert("RGB")).save(
            ARTIFACTS / f"screenshot-{name}-diff.png"
        )
        pytest.fail(f"{name}: {share:.2%} of the pixels differ (at most {SHARE:.0%}); see test-artifacts/")


def _signed_in(browser, base, email, width):
    context = browser.new_context(
        locale="fi-FI", viewport={"width": width, "height": HEIGHTS[width]}, reduced_motion="reduce"
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    return context, page


def test_front_page_and_theme_page_look_as_designed(browser, fresh):
    """A supervisor who has not visited yet: the cards with nothing done, then a theme's first screen."""
    base, themes = fresh
    for width in (390, 1280):
        context, page = _signed_in(browser, base, "esihenkilo4@demo.ideaspace.fi", width)
        try:
            page.goto(f"{base}/w/{SLUG}/")
            compare(
                f"front-{width}",
                page.screenshot(mask=[page.locator(".overview__news")], animations="disabled"),
            )
            page.goto(base + themes[1])
            compare(f"theme-{width}", page.screenshot(animations="disabled"))
        finally:
            context.close()


def test_results_look_as_designed(browser, fresh):
    """HR sees the measures poll's bars and the eNPS gauge."""
    base, themes = fresh
    for width in (390, 1280):
        context, page = _signed_in(browser, base, "hr@demo.ideaspace.fi", width)
        try:
            page.goto(base + themes[1])
            compare(f"results-{width}", page.locator(".activity--single_choice .results").screenshot())
            page.goto(base + themes[4])
            compare(f"enps-{width}", page.locator(".activity--scale .results").screenshot())
        finally:
            context.close()
