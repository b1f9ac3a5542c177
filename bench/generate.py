"""Build reproducible city-scale data: people, units, workspaces, themes, activities, answers,
comments, notes, ideas and supports.

    .venv/bin/python bench/generate.py --database-url sqlite:///$PWD/instance/bench.sqlite3 [--seed 1]

Everyone signs in with the password `bench-password` (hashed once, the same hash for all, so load
scripts can sign in). person1 is the admin; person2..person20 are moderators, person(2 + k % 19)
moderates workspace bench-(k+1); everyone else is a participant, invited to about a quarter of the
workspaces, and answers, comments, posts and supports only in workspaces they are a member of.

The database is migrated first (through Alembic, like any other). Rows go in with bulk Core inserts,
so the full scale loads in about a minute on SQLite. `--scale 0.01` makes a small copy for tests.
"""

from __future__ import annotations

import argparse
import random
import secrets
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

from ideaspace import create_app  # noqa: E402
from ideaspace.extensions import db  # noqa: E402
from ideaspace.models import (  # noqa: E402
    Activity,
    ActivityKind,
    Answer,
    AnswerChoice,
    Comment,
    Idea,
    IdeaSupport,
    Indicator,
    Measure,
    Membership,
    Note,
    Option,
    Respondent,
    Role,
    Theme,
    Unit,
    User,
    Visit,
    Workspace,
)


@dataclass(frozen=True)
class Scale:
    people: int = 3_000
    units: int = 150
    workspaces: int = 20
    themes: int = 300
    activities: int = 2_000
    answers: int = 150_000
    comments: int = 40_000
    notes: int = 60_000
    ideas: int = 8_000
    supports: int = 50_000

    def times(self, factor: float) -> Scale:
        return Scale(**{k: max(1, round(v * factor)) for k, v in self.__dict__.items()})


WORDS = (
    "työhyvinvointi osaaminen rekrytointi perehdytys kehityskeskustelu monimuotoisuus kokeilu "
    "avoimuus luottamus yhteistyö palaute johtaminen esihenkilö tiimi joustavuus turvallisuus "
    "välittäminen innostus uteliaisuus rohkeus kuunteleminen arvostus koulutus työkyky"
).split()
KINDS = [
    ActivityKind.SINGLE_CHOICE,
    ActivityKind.MULTIPLE_CHOICE,
    ActivityKind.SCALE,
    ActivityKind.NOTES,
    ActivityKind.DISCUSSION,
    ActivityKind.IDEAS,
]
PASSWORD = "bench-password"
PASSWORD_HASH = generate_password_hash(PASSWORD)  # hashed once: signing in costs what it does in production


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def chunks(rows: list[dict], size: int = 5_000):
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def bulk(model, rows: list[dict]) -> None:
    for part in chunks(rows):
        db.session.execute(insert(model), part)


def ids(model) -> list[int]:
    return list(db.session.scalars(select(model.id).order_by(model.id)))


def generate(scale: Scale, seed: int) -> dict[str, int]:
    rng = random.Random(seed)
    now = datetime(2026, 10, 1, tzinfo=UTC)
    day0 = date(2026, 9, 1)

    # Units: 10 departments, the rest under them.
    departments = max(1, min(10, scale.units // 10))
    bulk(
        Unit,
        [
            {"name": {"fi": f"Toimiala {i + 1}", "sv": f"Sektor {i + 1}"}, "created_at": now}
            for i in range(departments)
        ],
    )
    dept_ids = ids(Unit)
    bulk(
        Unit,
        [
            {
                "name": {"fi": f"Yksikkö {i + 1}", "sv": f"Enhet {i + 1}"},
                "parent_id": rng.choice(dept_ids),
                "created_at": now,
            }
            for i in range(scale.units - departments)
        ],
    )
    unit_ids = ids(Unit)

    bulk(
        User,
        [
            {
                "email": f"person{i + 1}@bench.example.fi",
                "name": f"Henkilö {i + 1}",
                "password_hash": PASSWORD_HASH,
                "role": Role.ADMIN if i == 0 else (Role.MODERATOR if i < 20 else Role.PARTICIPANT),
                "unit_id": rng.choice(unit_ids),
                "created_at": now,
                "is_active_account": True,
                "consents_to_named_quotes": False,
            }
            for i in range(scale.people)
        ],
    )
    user_ids = ids(User)
    participants = user_ids[20:] or user_ids
    moderators = user_ids[1:20] or user_ids

    bulk(
        Workspace,
        [
            {
                "slug": f"bench-{i + 1}",
                "title": {"fi": f"Työtila {i + 1}", "sv": f"Arbetsrum {i + 1}"},
                "introduction": {"fi": f"<p>{sentence(rng, 30)}</p>"},
                "strategy": {},
                "status": "open",
                "access": "invited",
                "primary_language": "fi",
                "opens_on": day0,
                "closes_on": day0 + timedelta(days=60),
                "min_group_size": 5,
                "created_at": now,
            }
            for i in range(scale.workspaces)
        ],
    )
    ws_ids = ids(Workspace)

    # Every participant is invited to a few workspaces; most visit, some contribute.
    memberships = []
    for k, ws_id in enumerate(ws_ids):
        moderator = moderators[k % len(moderators)]
        memberships.append(
            {
                "workspace_id": ws_id,
                "user_id": moderator,
                "role": "moderator",
                "invited_at": now - timedelta(days=30),
                "first_visit_at": now - timedelta(days=29),
                "last_visit_at": now,
                "visit_count": 20,
                "first_contribution_at": None,
            }
        )
        pool = [u for u in participants if u != moderator]
        members = rng.sample(pool, min(len(pool), max(1, len(pool) // 4)))
        for user_id in members:
            visited = rng.random() < 0.55
            memberships.append(
                {
                    "workspace_id": ws_id,
                    "user_id": user_id,
                    "role": "participant",
                    "invited_at": now - timedelta(days=30),
                    "first_visit_at": now - timedelta(days=rng.randint(1, 29)) if visited else None,
                    "last_visit_at": now if visited else None,
                    "visit_count": rng.randint(1, 9) if visited else 0,
                    "first_contribution_at": now - timedelta(days=1)
                    if visited and rng.random() < 0.25
                    else None,
                }
            )
    bulk(Membership, memberships)
    visited_memberships = list(
        db.session.scalars(select(Membership.id).where(Membership.first_visit_at.is_not(None)))
    )
    bulk(
        Visit,
        [
            {"membership_id": m, "day": day0 + timedelta(days=d)}
            for m in visited_memberships
            for d in rng.sample(range(60), 2)
        ],
    )
    members_of = {ws: [] for ws in ws_ids}
    for row in memberships:
        if row["role"] == "participant":
            members_of[row["workspace_id"]].append(row["user_id"])

    bulk(
        Theme,
        [
            {
                "workspace_id": ws_ids[i % len(ws_ids)],
                "position": i // len(ws_ids),
                "title": {"fi": f"Teema {i + 1}", "sv": f"Tema {i + 1}"},
                "introduction": {"fi": f"<p>{sentence(rng, 40)}</p>"},
            }
            for i in range(scale.themes)
        ],
    )
    themes = list(db.session.execute(select(Theme.id, Theme.workspace_id).order_by(Theme.id)))
    theme_ws = dict(themes)
    theme_ids = [t for t, _ in themes]
    themes_of: dict[int, list[int]] = {ws: [] for ws in ws_ids}
    for theme_id, ws_id in themes:
        themes_of[ws_id].append(theme_id)
    for ws_id in ws_ids:  # an idea names one of the workspace's first two themes (or none)
        themes_of[ws_id] = (themes_of[ws_id] or [None]) * 2

    bulk(
        Measure,
        [
            {
                "theme_id": theme_id,
                "position": k,
                "goal": {"fi": sentence(rng, 5)},
                "text": {"fi": sentence(rng, 10)},
                "schedule": {"fi": "2026–2028"},
                "responsible": {"fi": "Henkilöstöpalvelut"},
                "status": "in_programme",
            }
            for theme_id in theme_ids
            for k in range(4)
        ],
    )
    measure_ids = ids(Measure)
    bulk(
        Indicator,
        [
            {
                "measure_id": m,
                "position": 0,
                "description": {"fi": sentence(rng, 4)},
                "unit_of_measure": {"fi": "kpl"},
                "baseline_year": 2025,
                "baseline_value": rng.randint(1, 80),
                "baseline_source": {},
                "comparator": ">",
                "target_value": 100,
                "target_text": {},
            }
            for m in measure_ids
        ],
    )

    def kind_of(i: int) -> ActivityKind:
        """Every theme gets a mix of kinds (the i-th activity of theme t is the (t + i)-th kind)."""
        return KINDS[(i + i // len(theme_ids)) % len(KINDS)]

    bulk(
        Activity,
        [
            {
                "theme_id": theme_ids[i % len(theme_ids)],
                "position": i // len(theme_ids),
                "kind": kind_of(i),
                "status": "open",
                "title": {"fi": f"Aktiviteetti {i + 1}"},
                "prompt": {"fi": f"<p>{sentence(rng, 12)}</p>"},
                "is_anonymous": i % 3 == 0,
                "results_visibility": "always",
                "answers_changeable": i % 3 != 0,
                "max_selections": 3 if kind_of(i) is ActivityKind.MULTIPLE_CHOICE else None,
                # The first poll of every theme is chosen for the programme draft (preview and exports).
                "in_programme": i // len(theme_ids) == 0 and kind_of(i).is_poll,
                "programme_position": 0,
            }
            for i in range(scale.activities)
        ],
    )
    activities = list(
        db.session.execute(select(Activity.id, Activity.kind, Activity.theme_id).order_by(Activity.id))
    )
    polls = [(a, k, t) for a, k, t in activities if k.is_poll]
    bulk(
        Option,
        [
            {"activity_id": a, "position": p, "label": {"fi": f"Vaihtoehto {p + 1}"}}
            for a, _, _ in polls
            for p in range(5)
        ],
    )
    options_of: dict[int, list[int]] = {}
    for option_id, activity_id in db.session.execute(
        select(Option.id, Option.activity_id).order_by(Option.id)
    ):
        options_of.setdefault(activity_id, []).append(option_id)

    answered = [(a, k, t) for a, k, t in activities if k.is_answered]
    per_activity, extra = divmod(scale.answers, max(1, len(answered)))
    answers, choices, respondents = [], [], []
    for n, (activity_id, kind, theme_id) in enumerate(answered):
        pool = members_of[theme_ws[theme_id]]
        for user_id in rng.sample(pool, min(len(pool), per_activity + (n < extra))):
            key = secrets.token_hex(16)
            day = day0 + timedelta(days=rng.randint(0, 59))
            answers.append(
                {
                    "key": key,
                    "activity_id": activity_id,
                    "answered_on": day,
                    "unit_id": None,
                    "scale_value": rng.randint(0, 10) if kind is ActivityKind.SCALE else None,
                }
            )
            respondents.append(
                {"activity_id": activity_id, "user_id": user_id, "answered_on": day, "answer_key": None}
            )
            if kind.is_poll:
                picks = rng.sample(
                    options_of[activity_id], 1 if kind is ActivityKind.SINGLE_CHOICE else rng.randint(1, 3)
                )
                choices.extend({"answer_key": key, "option_id": o} for o in picks)
    bulk(Answer, answers)
    bulk(AnswerChoice, choices)
    bulk(Respondent, respondents)

    discussions = [(a, t) for a, k, t in activities if k is ActivityKind.DISCUSSION]
    comments = []
    for i in range(scale.comments):
        activity_id, theme_id = discussions[i % len(discussions)]
        ws_id = theme_ws[theme_id]
        comments.append(
            {
                "workspace_id": ws_id,
                "activity_id": activity_id,
                "author_id": rng.choice(members_of[ws_id]),
                "body": f"<p>{sentence(rng, rng.randint(8, 40))}</p>",
                "created_at": now - timedelta(minutes=i),
                "on_behalf_of_unit": False,
            }
        )
    bulk(Comment, comments)

    walls = [(a, t) for a, k, t in activities if k is ActivityKind.NOTES]
    bulk(
        Note,
        [
            {
                "workspace_id": theme_ws[walls[i % len(walls)][1]],
                "activity_id": walls[i % len(walls)][0],
                "author_id": None,
                "text": sentence(rng, rng.randint(2, 8)),
                "created_at": now - timedelta(minutes=i),
            }
            for i in range(scale.notes)
        ],
    )

    bulk(
        Idea,
        [
            {
                "workspace_id": ws_ids[i % len(ws_ids)],
                "theme_id": themes_of[ws_ids[i % len(ws_ids)]][i % 2] if i % 3 else None,
                "title": sentence(rng, 4)[:200],
                "body": f"<p>{sentence(rng, 30)}</p>",
                "author_id": rng.choice(members_of[ws_ids[i % len(ws_ids)]]),
                "status": "new",
                "created_at": now - timedelta(minutes=i),
            }
            for i in range(scale.ideas)
        ],
    )
    idea_rows = list(db.session.execute(select(Idea.id, Idea.workspace_id).order_by(Idea.id)))
    supports, seen = [], set()
    # At most every member of an idea's workspace once (a small --scale has fewer members than 20).
    possible = sum(min(20, len(members_of[ws_id])) for _idea_id, ws_id in idea_rows)
    while len(supports) < min(scale.supports, possible):
        idea_id, ws_id = rng.choice(idea_rows)
        user_id = rng.choice(members_of[ws_id])
        if (idea_id, user_id) not in seen:
            seen.add((idea_id, user_id))
            supports.append({"idea_id": idea_id, "user_id": user_id, "created_at": now})
    bulk(IdeaSupport, supports)
    db.session.commit()
    return {
        "units": len(unit_ids),
        "people": len(user_ids),
        "workspaces": len(ws_ids),
        "themes": len(theme_ids),
        "activities": len(activities),
        "answers": len(answers),
        "comments": len(comments),
        "notes": scale.notes,
        "ideas": len(idea_rows),
        "supports": len(supports),
    }


def analyze() -> None:
    """Give PostgreSQL's planner its statistics, as autovacuum would in production: the CI machine's
    server runs with autovacuum off, and without statistics the plans guess 1 row where there are
    thousands. SQLite is left as the app leaves it (no ANALYZE: it made some plans worse)."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args(argv)
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url, "SECRET_KEY": "bench"})
    started = time.perf_counter()
    with app.app_context():
        upgrade()
        counts = generate(Scale().times(args.scale), args.seed)
        analyze()
    print(counts)
    print(f"generated in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
