"""Markdown tables for bench/RESULTS.md from bench/load.py's JSON reports.

    .venv/bin/python bench/report.py bench/results-postgresql.json [--before OLD.json]

One row per endpoint of every run: requests, failures, req/s, p50/p95/p99 (ms) and the load average
before and after the run. With --before, the req/s and p95 of the older report are shown beside the
new ones, so a change is recorded with its before and after figures.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def rows(report: dict) -> dict[tuple[str, str], dict]:
    return {
        (run, name): {**entry, "load": f"{result['load_before']} → {result['load_after']}"}
        for run, result in report["runs"].items()
        for name, entry in result["endpoints"].items()
        if entry["requests"]
    }


def table(report: dict, before: dict | None = None) -> str:
    old = rows(before) if before else {}
    head = "| run | endpoint | requests | failures | req/s | p50 ms | p95 ms | p99 ms | load avg |"
    rule = "|---|---|---:|---:|---:|---:|---:|---:|---|"
    if before:
        head = head.replace("| req/s |", "| req/s before → after |").replace(
            "| p95 ms |", "| p95 before → after |"
        )
    lines = [head, rule]
    for (run, name), e in rows(report).items():
        rps, p95 = f"{e['rps']:.1f}", f"{e['p95']:.0f}"
        if before:
            was = old.get((run, name))
            rps = f"{was['rps']:.1f} → {rps}" if was else f"– → {rps}"
            p95 = f"{was['p95']:.0f} → {p95}" if was else f"– → {p95}"
        lines.append(
            f"| {run} | {name} | {e['requests']} | {e['failures']} | {rps} | {e['p50']:.0f} | {p95} "
            f"| {e['p99']:.0f} | {e['load']} |"
        )
    lines.append("")
    lines.append(f"Worker peak RSS (MB, every worker process seen): {report.get('worker_peak_rss_mb')}")
    if report.get("worker_peak_uss_mb"):
        lines.append(f"Worker peak USS (MB, each worker's own memory): {report['worker_peak_uss_mb']}")
    errors = [
        f"- {n} × {error}" for result in report["runs"].values() for error, n in result["errors"].items()
    ]
    if errors:
        lines += ["", "Errors:", *errors]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("report", type=Path)
    parser.add_argument("--before", type=Path)
    args = parser.parse_args(argv)
    before = json.loads(args.before.read_text()) if args.before else None
    print(table(json.loads(args.report.read_text()), before))


if __name__ == "__main__":
    main()
