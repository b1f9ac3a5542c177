"""Two answers from one person at the same moment: exactly one is counted.

These tests commit for real through separate connections (no rolled-back test transaction), so
they build their own data and delete it afterwards.
"""

from __future__ import annotations

import threading
import uuid

import pytest
import sqlalchemy as sa

from ideaspace.extensions import db
from ideaspace.models import (
    Activity,
    ActivityKind,
    Answer,
    Membership,
    Option,
    Respondent,
    Role,
    Theme,
    User,
    Workspace,
    WorkspaceStatus,
)
from ideaspace.polls import service

from ..conftest import sign_in


@pytest.fixture
def committed(app):
    """A workspace with an open poll and one member, committed; removed after the test."""
    tag = uuid.uuid4().hex[:8]
    with app.app_context():
        ws = Workspace(slug=f"race-{tag}", title={"fi": "Kilpa"}, status=WorkspaceStatus.OPEN)
        user = User(email=f"race-{tag}@example.fi", name="Racer", role=Role.PARTICIPANT, locale="en")
        db.session.add_all([ws, user])
        db.session.flush()
        theme = Theme(workspace_id=ws.id, title={"fi": "Teema"})
        db.session.add(theme)
        db.session.flush()
        activity = Activity(
            theme_id=theme.id,
            kind=ActivityKind.SINGLE_CHOICE,
            title={"fi": "Kysely"},
            answers_changeable=False,
        )
        db.session.add(activity)
        db.session.flush()
        db.session.add_all(
            [Option(activity_id=activity.id, position=i, label={"fi": f"V{i}"}) for i in range(2)]
        )
        db.session.add(Membership(workspace_id=ws.id, user_id=user.id))
        db.session.commit()
        ids = {
            "workspace": ws.id,
            "slug": ws.slug,
            "user": user.id,
            "activity": activity.id,
            "options": [o.id for o in activity.options],
        }
        db.session.remove()
    yield ids
    with app.app_context():
        for statement in (
            sa.delete(Respondent).where(Respondent.activity_id == ids["activity"]),
            sa.delete(Answer).where(Answer.activity_id == ids["activity"]),
            sa.delete(Workspace).where(Workspace.id == ids["workspace"]),
            sa.delete(User).where(User.id == ids["user"]),
        ):
            db.session.execute(statement)
        db.session.commit()
        db.session.remove()


def _counts(app, activity_id):
    with app.app_context():
        answers = db.session.scalar(sa.select(sa.func.count()).where(Answer.activity_id == activity_id))
        respondents = db.session.scalar(
            sa.select(sa.func.count()).where(Respondent.activity_id == activity_id)
        )
        db.session.remove()
    return answers, respondents


def _post_together(app, committed, option_ids):
    """Two signed-in clients of the same person post at once; returns their status codes."""
    with app.app_context():
        user = db.session.get(User, committed["user"])
        clients = []
        for _ in range(2):
            client = app.test_client()
            sign_in(client, user)
            clients.append(client)
        db.session.remove()
    start = threading.Barrier(2, timeout=30)
    statuses: list[int] = []
    errors: list[BaseException] = []
    url = f"/w/{committed['slug']}/activities/{committed['activity']}/answer"

    def post(client, option_id):
        try:
            start.wait()
            response = client.post(url, data={"option": str(option_id)})
            statuses.append(response.status_code)
            if response.status_code == 422:
                assert "You have already answered" in response.text
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=post, args=(c, o)) for c, o in zip(clients, option_ids, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    return sorted(statuses)


def _race_after_the_check(monkeypatch) -> None:
    """Hold both requests after their "has this person answered?" check and before their insert, so
    both really race for the respondent row and the primary key decides (PostgreSQL only: on SQLite
    the second request waits at BEGIN IMMEDIATE)."""
    both_checked = threading.Barrier(2, timeout=30)
    original = service._unit_to_record

    def wait_for_the_other(user, workspace):
        both_checked.wait()
        return original(user, workspace)

    monkeypatch.setattr(service, "_unit_to_record", wait_for_the_other)


def test_two_requests_at_once_count_exactly_one(app, committed, engine_name, monkeypatch):
    if engine_name == "postgresql":
        _race_after_the_check(monkeypatch)
    # (On SQLite, BEGIN IMMEDIATE makes the second request wait for the first to commit; it then
    # finds the respondent row. Holding both mid-request is impossible there, so they just start
    # together.)
    statuses = _post_together(app, committed, committed["options"])
    assert statuses == [302, 422]
    assert _counts(app, committed["activity"]) == (1, 1)


def test_two_requests_at_once_on_a_changeable_poll_count_exactly_one(
    app, committed, engine_name, monkeypatch
):
    """A named, changeable answer is written before its respondent row (which points at it): the
    request that loses the race takes its answer back, and says the person has answered."""
    with app.app_context():
        db.session.execute(
            sa.update(Activity).where(Activity.id == committed["activity"]).values(answers_changeable=True)
        )
        db.session.commit()
        db.session.remove()
    if engine_name == "postgresql":
        _race_after_the_check(monkeypatch)
    statuses = _post_together(app, committed, committed["options"])
    # PostgreSQL: both checked before either wrote, so the second finds the row only on writing it.
    # SQLite: the second waits for the first to commit, finds its answer and changes it.
    assert statuses == ([302, 422] if engine_name == "postgresql" else [302, 302])
    assert _counts(app, committed["activity"]) == (1, 1)
    with app.app_context():
        linked = db.session.scalar(
            sa.select(Respondent.answer_key).where(Respondent.activity_id == committed["activity"])
        )
        db.session.remove()
    assert linked is not None  # the answer kept is the one the respondent row points at


def test_the_database_refuses_a_second_respondent_row_from_another_connection(app, committed, engine_name):
    """The constraint itself, below the application: a second row for the same person fails."""
    with app.app_context():
        engine = db.engine
    today = sa.func.current_date()
    row = {"activity_id": committed["activity"], "user_id": committed["user"]}
    with engine.begin() as first:
        first.execute(sa.insert(Respondent).values(**row, answered_on=today))
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as second:
        second.execute(sa.insert(Respondent).values(**row, answered_on=today))
    assert _counts(app, committed["activity"]) == (0, 1)
