"""Time workspace search (issue 14) on a bench database: the index rebuild, then each query's
search as the service runs it for one request (count, one ranked page, its items and excerpts).

    .venv/bin/python bench/generate.py --database-url sqlite:////tmp/bench.sqlite3
    .venv/bin/python bench/search.py --database-url sqlite:////tmp/bench.sqlite3 [--repeat 30]

The generated data is written with bulk inserts (no index rows), so the script first runs what
`ideaspace reindex` runs, timed (comments, notes and ideas, and since migration 0016 themes,
measures and quotes). It then searches the workspace with the most comments and notes
as its moderator and as a participant, every query --repeat times, and prints the wall and CPU
milliseconds (median and p95) per query. The generator's vocabulary is 24 Finnish words, so
most queries match thousands of items: the worst case for counting and ranking.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

QUERIES = (
    "perehdytys",  # in the vocabulary: thousands of matches
    "perehdytyksen kokeilua",  # inflected, two words: both must match
    "esihenkilöille",  # inflected, compound
    "työhyvinvoinnin osaaminen rohkeus",  # three words
    "arbetslagen",  # Swedish, no match in the data
    "ilmastonmuutos",  # no match
)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--skip-reindex", action="store_true")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("SECRET_KEY", "bench-search")

    from sqlalchemy import func, select

    from ideaspace import create_app
    from ideaspace.extensions import db
    from ideaspace.models import Comment, MemberRole, Membership, Note, Role, User, Workspace
    from ideaspace.text import analysers
    from ideaspace.text import search as service
    from ideaspace.text.index import reindex

    app = create_app()
    with app.test_request_context("/"):
        engine = db.engine.dialect.name
        print(f"engine {engine}, Finnish analyser {analysers.finnish_analyser()}")
        if not args.skip_reindex:
            started, cpu = time.perf_counter(), time.process_time()
            counts = reindex()
            db.session.commit()
            print(
                f"reindex: {counts} in {time.perf_counter() - started:.1f} s wall,"
                f" {time.process_time() - cpu:.1f} s CPU"
            )
        sizes: dict[int, int] = {}
        for model in (Comment, Note):
            for ws_id, n in db.session.execute(
                select(model.workspace_id, func.count()).group_by(model.workspace_id)
            ):
                sizes[ws_id] = sizes.get(ws_id, 0) + n
        ws = db.session.get(Workspace, max(sizes, key=sizes.get))
        total = sum(sizes.values())
        print(f"workspace {ws.slug}: {sizes[ws.id]} comments and notes (of {total} in all)")
        moderator = db.session.scalar(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.workspace_id == ws.id, Membership.role == MemberRole.MODERATOR)
        ) or db.session.scalar(select(User).where(User.role == Role.ADMIN))
        participant = db.session.scalar(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.workspace_id == ws.id, User.role == Role.PARTICIPANT)
        )
        every_wall, every_cpu = [], []
        print(f"{'query':40} {'who':12} {'results':>8} {'wall p50':>9} {'wall p95':>9} {'CPU p50':>8}")
        for query in QUERIES:
            for who, user in (("moderator", moderator), ("participant", participant)):
                walls, cpus = [], []
                for _ in range(args.repeat):
                    started, cpu = time.perf_counter(), time.process_time()
                    results = service.search(user, ws, query)
                    walls.append((time.perf_counter() - started) * 1000)
                    cpus.append((time.process_time() - cpu) * 1000)
                    db.session.rollback()
                every_wall += walls
                every_cpu += cpus
                print(
                    f"{query:40} {who:12} {results.total:>8} {statistics.median(walls):>8.1f}"
                    f" {percentile(walls, 0.95):>9.1f} {statistics.median(cpus):>8.1f}"
                )
        print(
            f"all searches: wall p50 {statistics.median(every_wall):.1f} ms,"
            f" p95 {percentile(every_wall, 0.95):.1f} ms;"
            f" CPU p50 {statistics.median(every_cpu):.1f} ms, p95 {percentile(every_cpu, 0.95):.1f} ms"
        )


if __name__ == "__main__":
    main()
