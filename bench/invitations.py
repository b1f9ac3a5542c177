"""The invitations page with thousands of members (issue 18, 3): p50 and p95 of its GET, as a
moderator, for the first page, a later page, a search, a unit filter, and the list alone (htmx).

    .venv/bin/python bench/invitations.py                      # a new SQLite file under a temp folder
    .venv/bin/python bench/invitations.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/NAME

The database must be empty (it is migrated here). 3,000 people in 150 units under 10 departments,
every fourth name shared by four people (Anders Lindholm ×4), all invited and their 3,000
invitations sent (in the outbox), a tenth visited. The
requests go through the app in this process (Flask's test client: routing, session, permission,
queries, template), so the figures are the app's own, without a network or a server.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

FIRST = ["Anders", "Anna", "Bea", "Mikael", "Sari", "Juha", "Maria", "Pekka", "Liisa", "Johan"]
LAST = ["Lindholm", "Virtanen", "Korhonen", "Nyström", "Mäkinen", "Björk", "Heikkinen", "Koskinen"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--people", type=int, default=3000)
    parser.add_argument("--requests", type=int, default=200, help="requests per variant")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/invitations-bench.sqlite3"

    from flask_migrate import upgrade
    from sqlalchemy import insert, select, text

    from bench.sessions import start_sessions
    from ideaspace import create_app
    from ideaspace.extensions import db
    from ideaspace.models import MemberRole, Membership, OutboxMessage, Role, Unit, User, Workspace, utcnow

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        departments = [Unit(name={"fi": f"Toimiala {d}", "sv": f"Sektor {d}"}) for d in range(10)]
        db.session.add_all(departments)
        db.session.flush()
        units = [
            Unit(name={"fi": f"Yksikkö {u}", "sv": f"Enhet {u}"}, parent_id=departments[u % 10].id)
            for u in range(140)
        ]
        db.session.add_all(units)
        workspace = Workspace(slug="invitations-bench", title={"fi": "Henkilöstöohjelma"})
        moderator = User(email="hr@kokkola.fi", name="Helena HR", role=Role.MODERATOR)
        db.session.add_all([workspace, moderator])
        db.session.flush()
        db.session.add(Membership(workspace_id=workspace.id, user_id=moderator.id, role=MemberRole.MODERATOR))
        # Every fourth name repeats: n and n + 1, n + 2, n + 3 share it in different units.
        db.session.execute(
            insert(User),
            [
                {
                    "email": f"p{n}@kokkola.fi",
                    "name": f"{FIRST[(n // 4) % 10]} {LAST[(n // 40) % 8]} {n // 320 or ''}".strip(),
                    "role": Role.PARTICIPANT,
                    "unit_id": units[n % 140].id,
                }
                for n in range(args.people)
            ],
        )
        now = utcnow()
        people = db.session.scalars(select(User.id).where(User.role == Role.PARTICIPANT)).all()
        db.session.execute(
            insert(Membership),
            [
                {
                    "workspace_id": workspace.id,
                    "user_id": person,
                    "role": MemberRole.PARTICIPANT,
                    "invited_at": now,
                    "first_visit_at": now if n % 10 == 0 else None,
                    "visit_count": 1 if n % 10 == 0 else 0,
                }
                for n, person in enumerate(people)
            ],
        )
        # The invitations were mailed: 3,000 sent rows in the outbox, as the worker leaves them.
        db.session.execute(
            insert(OutboxMessage),
            [
                {
                    "kind": "invitation",
                    "user_id": person,
                    "language": "fi",
                    "about": {"workspace_id": workspace.id},
                    "workspace_id": workspace.id,
                    "created_at": now,
                    "not_before": now,
                    "attempts": 1,
                    "sent_at": now,
                }
                for person in people
            ],
        )
        db.session.commit()
        # Statistics for the planner, as a running server keeps them (this one runs without
        # autovacuum; bench/generate.py does the same).
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        token = start_sessions([moderator.id])[moderator.id]
        slug, unit_id, department_id = workspace.slug, units[7].id, departments[3].id

    client = app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = token
        sess["_fresh"] = True
    base = f"/w/{slug}/invitations"
    variants = {
        "first page": (base, {}),
        "page 40 of 61": (f"{base}?page=40", {}),
        "search 'lindholm'": (f"{base}?q=lindholm", {}),
        "department (10 units)": (f"{base}?unit={department_id}", {}),
        "unit + not visited": (f"{base}?unit={unit_id}&state=not_visited", {}),
        "the list alone (htmx), search": (f"{base}?q=anders", {"HX-Request": "true", "HX-Target": "roster"}),
    }
    engine = url.split(":", 1)[0]
    print(f"engine: {engine}; invited: {args.people}; load average {os.getloadavg()[0]:.1f}")
    print("| request | p50 wall ms | p95 wall ms | p95 CPU ms | bytes |")
    print("|---|---|---|---|---|")
    for label, (path, headers) in variants.items():
        for _warm in range(5):
            assert client.get(path, headers=headers).status_code == 200, path
        walls, cpus = [], []
        for _n in range(args.requests):
            started, cpu = time.perf_counter(), time.process_time()
            response = client.get(path, headers=headers)
            walls.append(1000 * (time.perf_counter() - started))
            cpus.append(1000 * (time.process_time() - cpu))
            assert response.status_code == 200, (path, response.status_code)
        walls.sort()
        cpus.sort()
        p95 = statistics.quantiles(walls, n=20)[-1]
        cpu95 = statistics.quantiles(cpus, n=20)[-1]
        print(
            f"| {label} | {statistics.median(walls):.1f} | {p95:.1f} | {cpu95:.1f} | {len(response.data):,} |"
        )


if __name__ == "__main__":
    main()
