"""Memory per benchmarked page: a worker's RSS before and after N requests, each page in a fresh process.

    .venv/bin/python bench/memory.py --database-url URL [--requests 5] [--only export.json ...]

For each page a new Python process builds the app (as a gunicorn worker does), makes one request to
warm imports, caches and the connection pool, then measures its RSS (psutil), makes N more requests
through the Flask test client (signed in as bench-1's moderator, as bench/profile.py does) and
measures again. It prints the RSS at the start, after the first request, after the N requests, the
peak (VmHWM) above the start, and the mean CPU ms of the N requests. The body of each response is
read in full, in chunks for a streamed response, as a client would. Read-only pages only (use a copy
of the benchmark database all the same).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SLUG = "bench-1"
PAGES = [
    "workspace",
    "theme",
    "idea barrel",
    "results",
    "statistics",
    "programme preview",
    "export.docx",
    "export.xlsx",
    "export.json",
]


def _peak_kb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def child(database_url: str, page: str, requests: int) -> dict:
    sys.path.insert(0, str(ROOT))
    os.environ.update(DATABASE_URL=database_url, SECRET_KEY="bench-secret-key")
    import psutil

    from bench.profile import bench_workspace
    from ideaspace import create_app
    from ideaspace.extensions import db

    process = psutil.Process()
    app = create_app({"RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        _, session_id, themes, polls = bench_workspace(db.session)
        theme, poll = themes[0], polls[0]
        db.session.remove()
    urls = {
        "workspace": f"/w/{SLUG}/",
        "theme": f"/w/{SLUG}/themes/{theme}",
        "idea barrel": f"/w/{SLUG}/ideas",
        "results": f"/w/{SLUG}/activities/{poll}/results",
        "statistics": f"/w/{SLUG}/statistics",
        "programme preview": f"/w/{SLUG}/programme/preview",
        "export.docx": f"/w/{SLUG}/export.docx",
        "export.xlsx": f"/w/{SLUG}/export.xlsx",
        "export.json": f"/w/{SLUG}/export.json",
    }
    headers = {"HX-Request": "true"} if page == "results" else {}
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = session_id
        sess["_fresh"] = True

    def get() -> int:
        response = client.get(urls[page], headers=headers, buffered=False)
        size = sum(len(chunk) for chunk in response.response)
        response.close()
        assert response.status_code == 200, (page, response.status_code)
        return size

    start = process.memory_info().rss
    start_peak = _peak_kb()
    size = get()
    first = process.memory_info().rss
    cpu = 0.0
    for _ in range(requests):
        c0 = time.process_time()
        get()
        cpu += time.process_time() - c0
    after = process.memory_info().rss
    return {
        "page": page,
        "start_mb": start / 2**20,
        "first_mb": first / 2**20,
        "after_mb": after / 2**20,
        "peak_over_start_mb": (_peak_kb() - start_peak) / 1024 if _peak_kb() > start_peak else 0.0,
        "cpu_ms": cpu / max(requests, 1) * 1000,
        "kb": size / 1024,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--requests", type=int, default=5)
    parser.add_argument("--only", nargs="*", choices=PAGES)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.database_url, args.child, args.requests)))
        return
    print(
        f"{'page':18} {'start MB':>9} {'+1st':>7} {'+N more':>8} {'peak+':>7} {'CPU ms':>8} {'KB':>7}"
        f"   (N = {args.requests})"
    )
    for page in args.only or PAGES:
        output = subprocess.run(
            [
                sys.executable,
                __file__,
                "--database-url",
                args.database_url,
                "--requests",
                str(args.requests),
                "--child",
                page,
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        r = json.loads(output.strip().splitlines()[-1])
        print(
            f"{r['page']:18} {r['start_mb']:9.1f} {r['first_mb'] - r['start_mb']:+7.1f} "
            f"{r['after_mb'] - r['first_mb']:+8.1f} {r['peak_over_start_mb']:+7.1f} "
            f"{r['cpu_ms']:8.1f} {r['kb']:7.0f}"
        )


if __name__ == "__main__":
    main()
