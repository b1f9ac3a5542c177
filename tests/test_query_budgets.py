"""Query budgets: every page runs the same number of queries with 10 items as with 1,000.

Each size gets its own workspace, filled with bulk inserts (members, answers, comments with replies
and likes, notes, ideas and supports, visits); the page is requested once to warm the caches that
do not depend on the data (the signed-in user), then counted. A page whose count grows with the data
has a query in a loop or in a template.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from sqlalchemy import insert, select

from ideaspace.models import (
    Activity,
    ActivityKind,
    Answer,
    AnswerChoice,
    Comment,
    CommentLike,
    Idea,
    IdeaSupport,
    MemberRole,
    Membership,
    Note,
    Option,
    Respondent,
    Role,
    User,
    Visit,
    utcnow,
)

SMALL, LARGE = 10, 1_000
_batch = itertools.count(1)


class World:
    """One workspace with `n` of everything that can grow."""

    def __init__(self, make, session, n: int):
        batch = next(_batch)
        now = utcnow()
        unit = make.unit()
        self.workspace = ws = make.workspace()
        self.theme = theme = make.theme(ws)
        make.indicator(make.measure(theme))
        self.poll = make.activity(theme, ActivityKind.SINGLE_CHOICE, options=5, in_programme=True)
        self.scale = make.activity(theme, ActivityKind.SCALE, is_anonymous=True)
        self.discussion = make.activity(theme, ActivityKind.DISCUSSION)
        self.wall = make.activity(theme, ActivityKind.NOTES)
        self.collection = make.activity(theme, ActivityKind.IDEAS)
        self.moderator = make.user(Role.MODERATOR, unit=unit)
        make.member(ws, self.moderator, MemberRole.MODERATOR)

        session.execute(
            insert(User),
            [
                {
                    "email": f"budget{batch}-{i}@example.fi",
                    "name": f"Budget {batch}-{i}",
                    "unit_id": unit.id,
                    "role": Role.PARTICIPANT,
                    "created_at": now,
                }
                for i in range(n)
            ],
        )
        users = list(
            session.scalars(select(User.id).where(User.email.like(f"budget{batch}-%")).order_by(User.id))
        )
        session.execute(
            insert(Membership),
            [
                {
                    "workspace_id": ws.id,
                    "user_id": u,
                    "role": MemberRole.PARTICIPANT,
                    "invited_at": now,
                    "first_visit_at": now,
                    "last_visit_at": now,
                    "visit_count": 1,
                    "first_contribution_at": now if i % 2 else None,
                }
                for i, u in enumerate(users)
            ],
        )
        memberships = list(session.scalars(select(Membership.id).where(Membership.workspace_id == ws.id)))
        session.execute(
            insert(Visit),
            [
                {"membership_id": m, "day": date.today() - timedelta(days=i % 7)}
                for i, m in enumerate(memberships)
            ],
        )

        options = [o.id for o in self.poll.options]
        answers, choices, respondents = [], [], []
        for i, u in enumerate(users):
            key = f"{batch:04d}{i:028d}"
            answers.append(
                {"key": key, "activity_id": self.poll.id, "answered_on": date.today(), "unit_id": None}
            )
            choices.append({"answer_key": key, "option_id": options[i % len(options)]})
            respondents.append({"activity_id": self.poll.id, "user_id": u, "answered_on": date.today()})
            scale_key = f"s{batch:03d}{i:028d}"
            answers.append(
                {
                    "key": scale_key,
                    "activity_id": self.scale.id,
                    "answered_on": date.today(),
                    "scale_value": i % 11,
                }
            )
            respondents.append({"activity_id": self.scale.id, "user_id": u, "answered_on": date.today()})
        session.execute(insert(Answer), answers)
        session.execute(insert(AnswerChoice), choices)
        session.execute(insert(Respondent), respondents)

        # Comments: on the theme and on the discussion activity, every fifth a reply; liked.
        comments = [
            {
                "workspace_id": ws.id,
                "author_id": u,
                "unit_id": unit.id,
                "body": f"<p>Kommentti {i}</p>",
                "created_at": now - timedelta(minutes=n - i),
                "on_behalf_of_unit": False,
                **({"theme_id": theme.id} if i % 2 else {"activity_id": self.discussion.id}),
            }
            for i, u in enumerate(users)
        ]
        session.execute(insert(Comment), comments)
        comment_ids = list(session.scalars(select(Comment.id).where(Comment.workspace_id == ws.id)))
        session.execute(
            insert(Comment),
            [
                {
                    "workspace_id": ws.id,
                    "author_id": users[0],
                    "body": "<p>Vastaus</p>",
                    "created_at": now,
                    "on_behalf_of_unit": False,
                    "parent_id": c,
                    "theme_id": theme.id,
                }
                for c in comment_ids[1::10]
            ],
        )
        session.execute(
            insert(CommentLike),
            [{"comment_id": c, "user_id": users[0], "created_at": now} for c in comment_ids],
        )

        session.execute(
            insert(Note),
            [
                {
                    "workspace_id": ws.id,
                    "activity_id": self.wall.id,
                    "author_id": u,
                    "unit_id": unit.id,
                    "text": f"Muistiinpano numero {i} työhyvinvointi",
                    "created_at": now - timedelta(minutes=i),
                }
                for i, u in enumerate(users)
            ],
        )
        session.execute(
            insert(Idea),
            [
                {
                    "workspace_id": ws.id,
                    "theme_id": theme.id if i % 2 else None,
                    "title": f"Idea {i}",
                    "body": f"<p>Idea {i}</p>",
                    "author_id": u,
                    "unit_id": unit.id,
                    "status": "new",
                    "created_at": now - timedelta(minutes=i),
                }
                for i, u in enumerate(users)
            ],
        )
        ideas = list(session.scalars(select(Idea.id).where(Idea.workspace_id == ws.id)))
        session.execute(
            insert(IdeaSupport),
            [
                {"idea_id": ideas[i % len(ideas)], "user_id": u, "created_at": now}
                for i, u in enumerate(users)
            ],
        )
        session.commit()


PAGES = {
    "workspace": lambda w: f"/w/{w.workspace.slug}/",
    "theme": lambda w: f"/w/{w.workspace.slug}/themes/{w.theme.id}",
    "idea barrel": lambda w: f"/w/{w.workspace.slug}/ideas",
    "results page": lambda w: f"/w/{w.workspace.slug}/activities/{w.poll.id}/results",
    "statistics": lambda w: f"/w/{w.workspace.slug}/statistics",
    "programme preview": lambda w: f"/w/{w.workspace.slug}/programme/preview",
    "notes wall": lambda w: f"/w/{w.workspace.slug}/activities/{w.wall.id}/notes",
}


def _count(client, login, session, count_queries, world, path, headers=None) -> int:
    login(world.moderator)
    first = client.get(path, headers=headers)
    assert first.status_code == 200, path
    session.expire_all()
    with count_queries() as statements:
        response = client.get(path, headers=headers)
    assert response.status_code == 200, path
    return len(statements)


@pytest.fixture
def worlds(make, session):
    return World(make, session, SMALL), World(make, session, LARGE)


@pytest.mark.parametrize("page", PAGES)
def test_page_takes_the_same_queries_for_10_and_1000_items(
    client, login, session, count_queries, worlds, page
):
    small, large = (
        _count(client, login, session, count_queries, world, PAGES[page](world)) for world in worlds
    )
    assert small == large, f"{page}: {small} queries with {SMALL} items, {large} with {LARGE}"


def test_results_fragment_takes_the_same_queries_for_10_and_1000_answers(
    client, login, session, count_queries, worlds
):
    htmx = {"HX-Request": "true"}
    small, large = (
        _count(client, login, session, count_queries, w, PAGES["results page"](w), headers=htmx)
        for w in worlds
    )
    assert small == large


def test_answering_takes_the_same_queries_for_10_and_1000_answers(
    client, login, session, count_queries, worlds
):
    counts = []
    for world in worlds:
        login(world.moderator)
        client.get(PAGES["theme"](world))  # the day's visit is recorded on page views, not here
        session.expire_all()
        url = f"/w/{world.workspace.slug}/activities/{world.poll.id}/answer"
        with count_queries() as statements:
            response = client.post(
                url, data={"option": str(world.poll.options[0].id)}, headers={"HX-Request": "true"}
            )
        assert response.status_code == 200, response.text
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


def test_the_large_world_has_what_it_claims(session, worlds):
    """The budgets above mean something only if the data is really there."""
    _small, large = worlds
    assert session.scalar(select(Respondent.user_id).where(Respondent.activity_id == large.poll.id).limit(1))
    counts = {
        model: session.query(model).filter(model.workspace_id == large.workspace.id).count()
        for model in (Comment, Note, Idea, Membership)
    }
    assert counts[Note] == LARGE and counts[Idea] == LARGE and counts[Membership] == LARGE + 1
    assert counts[Comment] >= LARGE
    assert session.query(Option).filter(Option.activity_id == large.poll.id).count() == 5
    assert session.query(Activity).filter(Activity.theme_id == large.theme.id).count() == 5


def test_page_views_within_a_visit_write_nothing(client, login, make, session, count_queries):
    """A page view is a read: only the first view of a visit (30 min apart) updates the membership."""
    ws = make.workspace()
    member = make.user()
    membership = make.member(ws, member)
    login(member)
    assert client.get(f"/w/{ws.slug}/").status_code == 200
    session.refresh(membership)
    assert membership.visit_count == 1 and membership.last_visit_at is not None
    with count_queries() as statements:
        assert client.get(f"/w/{ws.slug}/").status_code == 200
    assert not [s for s in statements if s.lstrip().upper().startswith(("UPDATE", "INSERT"))], statements
    session.refresh(membership)
    assert membership.visit_count == 1
    membership.last_visit_at -= timedelta(minutes=31)
    session.commit()
    client.get(f"/w/{ws.slug}/")
    session.refresh(membership)
    assert membership.visit_count == 2
