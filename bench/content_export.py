"""Time the content exports (issue 13: every comment, note and idea of a workspace as CSV and XLSX)
on a bench database, as one download request does them: CPU time per format, SQL statements and
the process's peak RSS.

    .venv/bin/python bench/generate.py --database-url sqlite:////tmp/bench.sqlite3 --scale 0.3
    .venv/bin/python bench/content_export.py --database-url sqlite:////tmp/bench.sqlite3 [--repeat 3]

The workspace is the one with the most comments, notes and ideas (or --slug). Each format is
timed with `time.process_time` as the best of --repeat runs; the statements are counted on the
first run of each.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--slug")
    parser.add_argument("--language", default="fi")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("SECRET_KEY", "bench-content-export")

    from sqlalchemy import event, func, select

    from ideaspace import create_app
    from ideaspace.exports import content
    from ideaspace.extensions import db
    from ideaspace.models import Workspace

    app = create_app()
    with app.test_request_context("/"):
        if args.slug:
            ws = db.session.scalar(select(Workspace).where(Workspace.slug == args.slug))
        else:
            from ideaspace.models import Comment, Idea, Note

            sizes: dict[int, int] = {}
            for model in (Comment, Note, Idea):
                for ws_id, n in db.session.execute(
                    select(model.workspace_id, func.count()).group_by(model.workspace_id)
                ):
                    sizes[ws_id] = sizes.get(ws_id, 0) + n
            ws = db.session.get(Workspace, max(sizes, key=sizes.get))
        statements = []
        event.listen(db.engine, "before_cursor_execute", lambda *a, **k: statements.append(1))
        jobs = {
            "rows": lambda: len(content.content_rows(ws, args.language)),
            "csv": lambda: sum(len(chunk) for chunk in content.render_csv(ws, args.language)),
            "xlsx": lambda: len(content.render_xlsx(ws, args.language)),
        }
        print(f"workspace {ws.slug}: {len(content.content_rows(ws, args.language))} rows")
        for name, job in jobs.items():
            best, counted = None, None
            for _ in range(args.repeat):
                db.session.expire_all()
                statements.clear()
                start = time.process_time()
                size = job()
                spent = time.process_time() - start
                counted = counted if counted is not None else len(statements)
                best = spent if best is None else min(best, spent)
            unit = "rows" if name == "rows" else "bytes"
            print(f"{name:5} {best:6.3f} s CPU  {counted:3d} statements  ({size} {unit})")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
