"""Load-free cost of each benchmarked page: CPU and wall time per request, query count, size.

    .venv/bin/python bench/profile.py --database-url URL [--repeat 20] [--html DIR] [--only theme ...]

Requests go through the Flask test client, one at a time, signed in as the workspace's moderator
of bench/generate.py's data (as bench/load.py does). "answer a poll" is a POST (htmx, as the page
sends it): each repetition a participant answers a single-choice poll they had not answered, and
the request commits like any other, so it writes to the database given (use a copy). CPU time
(`time.process_time`) does not depend on what else the machine runs; wall time does. With
--html DIR a pyinstrument profile of each page is written there (pip install -e '.[bench]').
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SLUG = "bench-1"


def bench_workspace(session) -> tuple[int, str, list[int], list[int]]:
    """bench-1's id, a new session token of its moderator (a real session row, committed: the
    cookie's Flask-Login user id), its theme ids in order and its single-choice poll ids
    (bench/memory.py uses the same). Call inside an app context."""
    from bench.sessions import start_sessions

    ws_id, moderator_id = session.execute(
        sa.text(
            "SELECT w.id, m.user_id FROM workspace w JOIN membership m ON m.workspace_id = w.id "
            "WHERE w.slug = :s AND m.role = 'moderator' ORDER BY m.user_id LIMIT 1"
        ),
        {"s": SLUG},
    ).one()
    themes = session.scalars(
        sa.text("SELECT id FROM theme WHERE workspace_id = :w ORDER BY position"), {"w": ws_id}
    ).all()
    polls = session.scalars(
        sa.text(
            "SELECT a.id FROM activity a JOIN theme t ON t.id = a.theme_id "
            "WHERE t.workspace_id = :w AND a.kind = 'single_choice' ORDER BY a.id"
        ),
        {"w": ws_id},
    ).all()
    return ws_id, start_sessions([moderator_id])[moderator_id], themes, polls


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--html", type=Path, help="write a pyinstrument profile of each page here")
    parser.add_argument("--only", nargs="*")
    args = parser.parse_args(argv)

    os.environ.update(DATABASE_URL=args.database_url, SECRET_KEY="bench-secret-key")
    from bench.ceiling import create_app
    from bench.sessions import start_sessions
    from ideaspace.extensions import db

    app = create_app({"RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        ws_id, moderator_session_id, themes, polls = bench_workspace(db.session)
        # Participant and open poll pairs not answered yet, for "answer a poll" (one per request).
        unanswered = db.session.execute(
            sa.text(
                "SELECT m.user_id, a.id, MIN(o.id) FROM membership m "
                "JOIN theme t ON t.workspace_id = m.workspace_id "
                'JOIN activity a ON a.theme_id = t.id JOIN "option" o ON o.activity_id = a.id '
                "WHERE m.workspace_id = :w AND m.role = 'participant' AND a.kind = 'single_choice' "
                "AND a.status = 'open' AND NOT EXISTS (SELECT 1 FROM respondent r "
                "WHERE r.activity_id = a.id AND r.user_id = m.user_id) "
                "GROUP BY m.user_id, a.id ORDER BY m.user_id DESC, a.id"
            ),
            {"w": ws_id},
        ).all()
        db.session.remove()

    rng = random.Random(1)
    answers = iter(random.Random(2).sample(unanswered, len(unanswered)))

    def answer_a_poll():
        pair = next(answers, None)
        if pair is None:  # a small --scale: every member already answered every poll
            sys.exit(
                f"answer a poll: only {len(unanswered)} unanswered (participant, poll) pairs; "
                "use a larger --scale (0.3 has hundreds) or a smaller --repeat"
            )
        user_id, activity_id, option_id = pair
        with app.app_context():  # the participant signs in: a session row of their own (not timed)
            token = start_sessions([user_id])[user_id]
            db.session.remove()
        return f"/w/{SLUG}/activities/{activity_id}/answer", {"option": str(option_id)}, token

    pages = {
        "ceiling: text": lambda: "/_ceiling/text",
        "ceiling: page": lambda: "/_ceiling/page",
        "ceiling: insert": lambda: ("/_ceiling/insert", {}, None),
        "workspace": lambda: f"/w/{SLUG}/",
        "theme": lambda: f"/w/{SLUG}/themes/{rng.choice(themes)}",
        "idea barrel": lambda: f"/w/{SLUG}/ideas",
        "results (htmx)": lambda: f"/w/{SLUG}/activities/{rng.choice(polls)}/results",
        "statistics": lambda: f"/w/{SLUG}/statistics",
        "programme preview": lambda: f"/w/{SLUG}/programme/preview",
        "export.docx": lambda: f"/w/{SLUG}/export.docx",
        "export.xlsx": lambda: f"/w/{SLUG}/export.xlsx",
        "answer a poll": answer_a_poll,
    }
    if args.only:
        pages = {k: v for k, v in pages.items() if k in args.only}

    statements = []
    sa.event.listen(_engine(app, db), "before_cursor_execute", lambda *a: statements.append(1))
    client = app.test_client()

    def prepare(page):
        """The request to make, its session set: (url, form data or None for a GET).

        A page gives its URL (the moderator's GET), or (url, form data, whose session or None)."""
        target = page()
        url, data, session_id = target if isinstance(target, tuple) else (target, None, moderator_session_id)
        with client.session_transaction() as sess:
            sess.clear()
            if session_id is not None:  # None: signed out, as bench/load.py requests the ceiling
                sess["_user_id"] = session_id
                sess["_fresh"] = True
        return url, data

    def request(url, data, headers):
        if data is None:
            return client.get(url, headers=headers)
        return client.post(url, data=data, headers=headers)

    print(f"{'page':20} {'CPU ms':>8} {'wall ms':>8} {'queries':>8} {'KB':>7}")
    for name, page in pages.items():
        headers = {"HX-Request": "true"} if "htmx" in name or name == "answer a poll" else {}
        request(*prepare(page), headers)  # warm the caches and the connection pool
        cpu = wall = 0.0
        statements.clear()
        size = 0
        for _ in range(args.repeat):
            url, data = prepare(page)
            c0, w0 = time.process_time(), time.perf_counter()
            response = request(url, data, headers)
            cpu += time.process_time() - c0
            wall += time.perf_counter() - w0
            size = max(size, len(response.data))
            assert response.status_code == 200, (name, response.status_code)
        print(
            f"{name:20} {cpu / args.repeat * 1000:8.1f} {wall / args.repeat * 1000:8.1f} "
            f"{len(statements) / args.repeat:8.1f} {size / 1024:7.0f}"
        )
        if args.html:
            from pyinstrument import Profiler

            args.html.mkdir(parents=True, exist_ok=True)
            profiler = Profiler(interval=0.0005)
            with profiler:
                for _ in range(max(3, args.repeat // 4)):
                    request(*prepare(page), headers)
            (args.html / f"{name.replace(' ', '_').replace(':', '')}.html").write_text(profiler.output_html())
            (args.html / f"{name.replace(' ', '_').replace(':', '')}.txt").write_text(
                profiler.output_text(unicode=False, color=False, show_all=False)
            )


def _engine(app, db):
    with app.app_context():
        return db.engine


if __name__ == "__main__":
    main()
