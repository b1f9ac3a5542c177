"""The demo programme's documents: render them to look at, and time them.

    .venv/bin/python bench/programme.py render [--out build/programme] [--lang fi sv en]
    .venv/bin/python bench/programme.py time [--repeat 10]

Both load the Kokkola demo into a scratch SQLite database of their own. `render` writes the Word
document and the PDF of each language, converts the Word document to PDF in LibreOffice (after
updating its fields and table of contents, as Word does on opening: bench/docx_to_pdf.py) and
every PDF to PNG pages with pdftoppm, into OUT/<lang>/{docx,pdf}/page-NN.png (`make
render-programme`; git-ignored). `time` measures what one download request does for each format
(the programme built from the database, then rendered: exports.service.export) in CPU time
(`time.process_time`), the first request of the process apart from the following ones.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SLUG = "henkilostoohjelma-2023-2025"
ORGANISATION = "Kokkolan kaupunki"


def demo_app(folder: Path):
    """The app on a scratch SQLite database with the demo loaded."""
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'programme.sqlite3'}"
    os.environ.setdefault("SECRET_KEY", "bench-programme")
    from flask_migrate import upgrade

    from ideaspace import create_app
    from ideaspace.demo.loader import load_demo
    from ideaspace.extensions import db

    app = create_app()
    with app.app_context():
        upgrade()
        load_demo()
        db.session.commit()
    return app


def workspace():
    from sqlalchemy import select

    from ideaspace.extensions import db
    from ideaspace.models import Workspace

    return db.session.scalar(select(Workspace).where(Workspace.slug == SLUG))


def render(app, out: Path, languages: list[str]) -> None:
    from ideaspace.exports import docx, pdf
    from ideaspace.programme.service import build_programme

    if out.exists():
        shutil.rmtree(out)
    for lang in languages:
        folder = out / lang
        folder.mkdir(parents=True)
        with app.test_request_context("/"):
            programme = build_programme(workspace(), lang)
            (folder / f"programme-{lang}.docx").write_bytes(docx.render(programme, organisation=ORGANISATION))
            (folder / f"programme-{lang}.pdf").write_bytes(pdf.render(programme, organisation=ORGANISATION))
        converted = folder / "from-word"
        subprocess.run(
            [
                "/usr/bin/python3",
                str(ROOT / "bench" / "docx_to_pdf.py"),
                str(converted),
                str(folder / f"programme-{lang}.docx"),
            ],
            check=True,
        )
        for kind, source in (
            ("docx", converted / f"programme-{lang}.pdf"),
            ("pdf", folder / f"programme-{lang}.pdf"),
        ):
            (folder / kind).mkdir()
            subprocess.run(
                ["pdftoppm", "-r", "60", "-png", str(source), str(folder / kind / "page")], check=True
            )
            pages = len(list((folder / kind).glob("*.png")))
            print(f"{lang} {kind}: {pages} pages in {folder / kind}")


def timing(app, repeat: int) -> None:
    from ideaspace.exports.service import export
    from ideaspace.extensions import db

    for fmt in ("docx", "pdf"):
        runs = []
        for _ in range(repeat + 1):
            with app.test_request_context("/"):
                ws = workspace()
                start = time.process_time()
                export(None, ws, fmt, "fi")
                runs.append((time.process_time() - start) * 1000)
                db.session.rollback()  # the audit entry
        rest = runs[1:]
        print(
            f"{fmt}: first request {runs[0]:.0f} CPU ms; then median {statistics.median(rest):.0f}, "
            f"max {max(rest):.0f} CPU ms over {len(rest)} requests"
        )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("render")
    r.add_argument("--out", type=Path, default=ROOT / "build" / "programme")
    r.add_argument("--lang", nargs="+", default=["fi", "sv", "en"], choices=["fi", "sv", "en"])
    t = sub.add_parser("time")
    t.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="programme-") as folder:
        app = demo_app(Path(folder))
        if args.command == "render":
            render(app, args.out, args.lang)
        else:
            timing(app, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
