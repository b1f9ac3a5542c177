"""Time the ballot box's publication: one batch of 50 sealed contributions, written and committed.

    .venv/bin/python bench/ballot.py --database-url URL [--batch 50] [--repeat 20]

The database given is migrated to the head revision and gets a workspace of its own ("ballot-bench-…",
left in place; use a scratch database). Each repetition seals `--batch` anonymous contributions of
as many people (of 12 units under 3 departments, so the cell rule has work to do) into one scope
and times `ballot.publish` plus its commit: CPU (`time.process_time`) and wall time. Kinds: an
anonymous single-choice poll's answers, a notes wall's notes, a discussion's comments, the idea
barrel's ideas.
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
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    os.environ.update(DATABASE_URL=args.database_url, SECRET_KEY="bench-secret-key")
    from flask_migrate import upgrade

    from ideaspace import create_app
    from ideaspace.ballot import service as ballot
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
    from ideaspace.models.ballot import BallotKind

    app = create_app({"RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        tag = uuid.uuid4().hex[:8]
        departments = [Unit(name={"fi": f"Osasto {d}"}) for d in range(3)]
        db.session.add_all(departments)
        db.session.flush()
        units = [Unit(name={"fi": f"Yksikkö {u}"}, parent_id=departments[u % 3].id) for u in range(12)]
        ws = Workspace(slug=f"ballot-bench-{tag}", title={"fi": "Vaaliuurna"}, status=WorkspaceStatus.OPEN)
        db.session.add_all([*units, ws])
        db.session.flush()
        theme = Theme(workspace_id=ws.id, title={"fi": "Teema"})
        db.session.add(theme)
        db.session.flush()
        scopes = {
            kind: Activity(theme_id=theme.id, kind=kind, title={"fi": kind.value}, is_anonymous=True)
            for kind in (ActivityKind.SINGLE_CHOICE, ActivityKind.NOTES, ActivityKind.DISCUSSION)
        }
        db.session.add_all(scopes.values())
        db.session.flush()
        options = [
            Option(activity_id=scopes[ActivityKind.SINGLE_CHOICE].id, label={"fi": f"V{i}"}) for i in range(4)
        ]
        people = [
            User(email=f"bb{i}-{tag}@example.fi", name=f"B{i}", unit_id=units[i % 12 if i % 7 else i % 3].id)
            for i in range(args.batch * args.repeat)
        ]
        db.session.add_all([*options, *people])
        db.session.flush()
        db.session.add_all([Membership(workspace_id=ws.id, user_id=p.id) for p in people])
        db.session.commit()

        body = "<p>" + "Ajatus on tämä, ja se on hyvä. " * 8 + "</p>"
        payloads = {
            "answers": (
                scopes[ActivityKind.SINGLE_CHOICE].id,
                BallotKind.ANSWER,
                lambda i: {"options": [options[i % 4].id], "scale": None},
            ),
            "notes": (
                scopes[ActivityKind.NOTES].id,
                BallotKind.NOTE,
                lambda i: {"text": f"Muistiinpano {i}"},
            ),
            "comments": (
                scopes[ActivityKind.DISCUSSION].id,
                BallotKind.COMMENT,
                lambda i: {
                    "target": "activity",
                    "target_id": scopes[ActivityKind.DISCUSSION].id,
                    "parent": None,
                    "body": body,
                    "on_behalf": False,
                },
            ),
            "ideas": (
                None,
                BallotKind.IDEA,
                lambda i: {"title": f"Idea {i}", "body": body, "theme": theme.id},
            ),
        }
        print(f"{args.database_url.split(':')[0]}: publishing a batch of {args.batch} ({args.repeat} times)")
        print(f"{'kind':10} {'CPU ms':>8} {'wall ms':>8} {'max wall':>9}")
        for name, (activity_id, kind, payload) in payloads.items():
            cpu, wall = [], []
            for r in range(args.repeat):
                batch = people[r * args.batch : (r + 1) * args.batch]
                for i, person in enumerate(batch):
                    ballot.seal(person, ws, activity_id, kind, payload(i))
                db.session.commit()
                ballot.touched_scopes()
                c0, w0 = time.process_time(), time.perf_counter()
                published = ballot.publish(ws, activity_id)
                db.session.commit()
                cpu.append(time.process_time() - c0)
                wall.append(time.perf_counter() - w0)
                assert published == args.batch, published
            print(
                f"{name:10} {statistics.median(cpu) * 1000:8.1f} {statistics.median(wall) * 1000:8.1f} "
                f"{max(wall) * 1000:9.1f}"
            )
        db.session.remove()


if __name__ == "__main__":
    main()
