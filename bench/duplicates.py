"""Duplicate suggestions (issue 14): their quality on the labelled pairs, and their speed with
10,000 ideas in one workspace.

    .venv/bin/python bench/duplicates.py quality
    .venv/bin/python bench/duplicates.py speed --database-url sqlite:////tmp/dup.sqlite3 [--ideas 10000]
    .venv/bin/python bench/duplicates.py speed --database-url postgresql+psycopg://postgres@127.0.0.1:5432/dup

`quality` scores every pair of tests/data/duplicates_{fi,sv}.jsonl with the shipped scoring
(ideaspace.text.similar.score) and prints precision and recall at the shipped THRESHOLD and a
sweep of thresholds around it, per language and together, with the Finnish analyser in use.

`speed` creates a fresh database (migrated), one open workspace with an idea collection and
--ideas ideas written from the pairs' sentences recombined (so that drafts have many candidates
sharing words), indexes them, then times `similar_ideas` for the drafts (the pairs' first ideas)
as a participant would type them: wall and CPU milliseconds, median and p95 (after one warm-up
pass, as a running worker has its analyser cache warm).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DATA = ROOT / "tests" / "data"
SWEEP = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7)


def pairs(lang: str) -> list[dict]:
    path = DATA / f"duplicates_{lang}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def scored(items: list[dict], fallback: str) -> list[tuple[float, bool]]:
    from ideaspace.text.similar import profile, score

    return [
        (
            score(
                profile(p["a"]["title"], p["a"]["body"], fallback),
                profile(p["b"]["title"], p["b"]["body"], fallback),
            ),
            p["duplicate"],
        )
        for p in items
    ]


def precision_recall(results: list[tuple[float, bool]], threshold: float) -> tuple[float, float]:
    tp = sum(1 for s, d in results if s >= threshold and d)
    fp = sum(1 for s, d in results if s >= threshold and not d)
    fn = sum(1 for s, d in results if s < threshold and d)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall


def quality() -> None:
    from ideaspace.text import analysers
    from ideaspace.text.similar import THRESHOLD

    print(f"Finnish analyser: {analysers.finnish_analyser()}")
    results = {lang: scored(pairs(lang), lang) for lang in ("fi", "sv")}
    results["all"] = results["fi"] + results["sv"]
    for lang, values in results.items():
        dup = sum(1 for _s, d in values if d)
        print(f"{lang}: {len(values)} pairs, {dup} duplicates")
    print()
    print("| threshold | " + " | ".join(f"{lang} P / R" for lang in results) + " |")
    print("|---|" + "---|" * len(results))
    for threshold in sorted({*SWEEP, THRESHOLD}):
        cells = []
        for values in results.values():
            p, r = precision_recall(values, threshold)
            cells.append(f"{p:.2f} / {r:.2f}")
        mark = " (shipped)" if threshold == THRESHOLD else ""
        print(f"| {threshold:.2f}{mark} | " + " | ".join(cells) + " |")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def speed(database_url: str, count: int, repeat: int) -> None:
    os.environ["DATABASE_URL"] = database_url
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from ideaspace import create_app
    from ideaspace.extensions import db
    from ideaspace.models import (
        Activity,
        ActivityKind,
        ActivityStatus,
        Idea,
        Role,
        Theme,
        User,
        Workspace,
        WorkspaceStatus,
    )
    from ideaspace.text import analysers
    from ideaspace.text.index import reindex
    from ideaspace.text.similar import similar_ideas

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": False})
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            path = database_url.split("///", 1)[1]
            for suffix in ("", "-wal", "-shm"):
                Path(path + suffix).unlink(missing_ok=True)
            db.engine.dispose()
        else:
            with engine.connect() as connection:
                connection.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
                connection.commit()
        upgrade(directory=str(ROOT / "migrations"))
        texts = [p[side] for lang in ("fi", "sv") for p in pairs(lang) for side in ("a", "b")]
        rng = random.Random(14)
        user = User(name="Bench", email="bench@example.org", role=Role.PARTICIPANT)
        workspace = Workspace(slug="dup", title={"fi": "Bench"}, status=WorkspaceStatus.OPEN)
        db.session.add_all([user, workspace])
        db.session.flush()
        theme = Theme(workspace_id=workspace.id, title={"fi": "Teema"}, position=0)
        db.session.add(theme)
        db.session.flush()
        db.session.add(
            Activity(
                theme_id=theme.id,
                kind=ActivityKind.IDEAS,
                status=ActivityStatus.OPEN,
                position=0,
                title={"fi": "Ideat"},
            )
        )
        rows = []
        for _n in range(count):
            first, second = rng.choice(texts), rng.choice(texts)
            rows.append(
                {
                    "workspace_id": workspace.id,
                    "title": first["title"][:200],
                    "body": f"<p>{first['body']} {second['body']}</p>",
                    "author_id": user.id,
                }
            )
        db.session.execute(sa.insert(Idea), rows)
        started = time.perf_counter()
        reindex(workspace)
        db.session.commit()
        if engine.dialect.name == "postgresql":  # as autovacuum would, soon after such a load
            with engine.connect() as connection:
                connection.execute(sa.text("ANALYZE"))
                connection.commit()
        print(f"{engine.dialect.name}: {count} ideas indexed in {time.perf_counter() - started:.1f} s")
        print(f"Finnish analyser: {analysers.finnish_analyser()}; load average {os.getloadavg()}")
        drafts = [p["a"] for lang in ("fi", "sv") for p in pairs(lang)]
        for draft in drafts:  # warm-up: the analyser's cache, the database's pages
            similar_ideas(user, workspace, draft["title"], draft["body"])
        walls, cpus, found = [], [], 0
        for _ in range(repeat):
            for draft in drafts:
                wall, cpu = time.perf_counter(), time.process_time()
                result = similar_ideas(user, workspace, draft["title"], draft["body"])
                walls.append((time.perf_counter() - wall) * 1000)
                cpus.append((time.process_time() - cpu) * 1000)
                found += bool(result)
                db.session.rollback()
        print(
            f"{len(walls)} suggestions ({found} found): wall median {statistics.median(walls):.1f} ms, "
            f"p95 {percentile(walls, 0.95):.1f} ms; CPU median {statistics.median(cpus):.1f} ms, "
            f"p95 {percentile(cpus, 0.95):.1f} ms; load average {os.getloadavg()}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("quality")
    timing = sub.add_parser("speed")
    timing.add_argument("--database-url", required=True)
    timing.add_argument("--ideas", type=int, default=10_000)
    timing.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    if args.command == "quality":
        quality()
    else:
        speed(args.database_url, args.ideas, args.repeat)


if __name__ == "__main__":
    main()
