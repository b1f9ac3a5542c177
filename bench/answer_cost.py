"""CPU per request of answering a poll, named and anonymous, on a small database of its own.

    .venv/bin/python bench/answer_cost.py --database-url URL [--repeat 200]

Written to compare two versions of the code (run it from each checkout, e.g. a worktree of an older
commit, on a fresh database each): it migrates the database given, makes an open workspace with a
named and an anonymous single-choice poll and `--repeat` members, then each member answers each
poll once through the test client (htmx POST, as the page sends it; the request commits, and an
anonymous answer that fills the ballot box publishes it after the commit, so every k-th request
carries a publication). CPU (`time.process_time`) per request, median and mean, and wall time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args(argv)
    os.environ.update(DATABASE_URL=args.database_url, SECRET_KEY="bench-secret-key")
    from flask_migrate import upgrade

    from ideaspace import create_app
    from ideaspace.extensions import db
    from ideaspace.models import (
        Activity,
        ActivityKind,
        Membership,
        Option,
        Theme,
        Unit,
        User,
        Workspace,
        WorkspaceStatus,
    )

    app = create_app({"RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        upgrade()
        tag = uuid.uuid4().hex[:8]
        units = [Unit(name={"fi": f"Yksikkö {u}-{tag}"}) for u in range(8)]
        ws = Workspace(slug=f"answer-bench-{tag}", title={"fi": "Vastaukset"}, status=WorkspaceStatus.OPEN)
        db.session.add_all([*units, ws])
        db.session.flush()
        theme = Theme(workspace_id=ws.id, title={"fi": "Teema"})
        db.session.add(theme)
        db.session.flush()
        polls = {
            name: Activity(
                theme_id=theme.id,
                kind=ActivityKind.SINGLE_CHOICE,
                title={"fi": name},
                is_anonymous=name == "anonymous",
                answers_changeable=False,
            )
            for name in ("named", "anonymous")
        }
        db.session.add_all(polls.values())
        db.session.flush()
        options = {
            name: [Option(activity_id=a.id, label={"fi": f"V{i}"}, position=i) for i in range(4)]
            for name, a in polls.items()
        }
        people = [
            User(email=f"ab{i}-{tag}@example.fi", name=f"A{i}", unit_id=units[i % 8].id, locale="fi")
            for i in range(args.repeat + 1)
        ]
        db.session.add_all([*options["named"], *options["anonymous"], *people])
        db.session.flush()
        db.session.add_all([Membership(workspace_id=ws.id, user_id=p.id) for p in people])
        db.session.commit()
        targets = {name: (a.id, [o.id for o in options[name]]) for name, a in polls.items()}
        try:  # server-side sessions (issue 11): a session row per person
            from bench.sessions import start_sessions

            cookies = start_sessions([p.id for p in people])
        except ImportError:  # before them: Flask-Login's id and nonce in the signed cookie
            cookies = {p.id: f"{p.id}:{p.session_nonce}" for p in people}
        ids = [p.id for p in people]
        slug = ws.slug
        db.session.remove()

    client = app.test_client()
    print(f"{args.database_url.split(':')[0]}: answering a single-choice poll ({args.repeat} people)")
    print(f"{'poll':10} {'CPU ms median':>14} {'CPU ms mean':>12} {'wall ms median':>15}")
    for name, (activity_id, option_ids) in targets.items():
        url = f"/w/{slug}/activities/{activity_id}/answer"
        cpu, wall = [], []
        for i, user_id in enumerate(ids):
            with client.session_transaction() as sess:
                sess.clear()
                sess["_user_id"] = cookies[user_id]
                sess["_fresh"] = True
            c0, w0 = time.process_time(), time.perf_counter()
            response = client.post(
                url, data={"option": str(option_ids[i % 4])}, headers={"HX-Request": "true"}
            )
            c1, w1 = time.process_time(), time.perf_counter()
            assert response.status_code == 200, (name, response.status_code)
            if i:  # the first request warms the caches
                cpu.append(c1 - c0)
                wall.append(w1 - w0)
        print(
            f"{name:10} {statistics.median(cpu) * 1000:14.2f} {statistics.mean(cpu) * 1000:12.2f} "
            f"{statistics.median(wall) * 1000:15.2f}"
        )


if __name__ == "__main__":
    main()
