"""The demo's theme pages' heights at 390 and 1280 px (issue 17: theme pages on phones are long).

    .venv/bin/python bench/theme_page_heights.py [--screenshots docs/screenshots]

A fresh SQLite app with the Kokkola demo, served on loopback; a supervisor who has not answered
yet (esihenkilo4, the screenshot tests' supervisor) opens each theme in Chromium, and the page's
full height (`document.documentElement.scrollHeight`, CSS px) is printed per theme and width.
Results are recorded in docs/design.md. With `--screenshots DIR`, theme 2's whole page at each
width is also saved as DIR/after-theme-<width>.png (256 colours, as docs/screenshots/ keeps them).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_migrate import upgrade  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from sqlalchemy import select  # noqa: E402

from ideaspace import create_app  # noqa: E402
from ideaspace.extensions import db  # noqa: E402
from ideaspace.models import Theme, Workspace  # noqa: E402
from tests.browser.conftest import CHROMIUM_ARGS, LiveServer  # noqa: E402

SLUG = "henkilostoohjelma-2023-2025"
WIDTHS = {390: 844, 1280: 900}


def main(screenshots: Path | None = None) -> None:
    tmp = Path(tempfile.mkdtemp())
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'demo.sqlite3'}",
            "SECRET_KEY": "heights",
            "RATELIMIT_ENABLED": False,
            "MAIL_FILE_DIR": str(tmp / "mail"),
        }
    )
    with app.app_context():
        upgrade()
        from ideaspace.demo.loader import PASSWORD, load_demo

        load_demo()
        db.session.commit()
        ws = db.session.scalar(select(Workspace).where(Workspace.slug == SLUG))
        themes = [
            (t.position + 1, f"/w/{SLUG}/themes/{t.id}")
            for t in db.session.scalars(
                select(Theme).where(Theme.workspace_id == ws.id).order_by(Theme.position, Theme.id)
            )
        ]
    server = LiveServer(app)
    server.start()
    heights: dict[int, dict[int, int]] = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=shutil.which("chromium"), headless=True, args=CHROMIUM_ARGS
            )
            for width, height in WIDTHS.items():
                context = browser.new_context(locale="fi-FI", viewport={"width": width, "height": height})
                page = context.new_page()
                page.goto(f"{server.url}/login")
                page.fill("#email", "esihenkilo4@demo.ideaspace.fi")
                page.fill("#password", PASSWORD)
                page.locator("main form button[type=submit]").click()
                page.wait_for_load_state()
                for number, path in themes:
                    page.goto(server.url + path)
                    heights.setdefault(number, {})[width] = page.evaluate(
                        "document.documentElement.scrollHeight"
                    )
                    if screenshots and number == 2:
                        _save(page.screenshot(full_page=True, animations="disabled"), screenshots, width)
                context.close()
            browser.close()
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print("| theme | 390 px | 1280 px |")
    print("|---|---|---|")
    for number, by_width in sorted(heights.items()):
        print(f"| {number} | {by_width[390]:,} | {by_width[1280]:,} |".replace(",", "\u202f"))


def _save(png: bytes, directory: Path, width: int) -> None:
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB").quantize(256)
    image.save(directory / f"after-theme-{width}.png", optimize=True)


if __name__ == "__main__":
    main(Path(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[1] == "--screenshots" else None)
