"""The ballot box: sealing, publication timing, the cell rule, pending items, crashes and races."""

from __future__ import annotations

import threading
import uuid
from datetime import date

import pytest
import sqlalchemy as sa

from ideaspace.ballot import service as ballot
from ideaspace.ballot.cells import cell_labels
from ideaspace.extensions import db
from ideaspace.models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    Answer,
    Comment,
    Membership,
    Respondent,
    Role,
    Theme,
    User,
    Workspace,
    WorkspaceStatus,
)
from ideaspace.models.ballot import Ballot
from ideaspace.polls import service as polls
from tests.crowd import crowd

from ..conftest import sign_in

K = 5


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


@pytest.fixture
def poll(make, session):
    ws = make.workspace()
    theme = make.theme(ws)
    activity = make.activity(theme, ActivityKind.SCALE, is_anonymous=True)
    session.commit()
    return ws, activity


def answer(people, ws, activity, value=5):
    for person in people:
        polls.answer(person, ws, activity, None, scale_value=value)


# --- the cell rule ------------------------------------------------------------------------------


def test_a_unit_with_k_people_is_shown_and_the_rest_too_if_they_are_k():
    units = {f"a{i}": 1 for i in range(5)} | {f"b{i}": None for i in range(5)}
    labels = cell_labels(units, {1: None}, K)
    assert {labels[f"a{i}"] for i in range(5)} == {1} and {labels[f"b{i}"] for i in range(5)} == {None}


def test_a_remainder_below_k_takes_every_label_away():
    units = {f"a{i}": 1 for i in range(5)} | {"alone": 2}
    assert set(cell_labels(units, {1: None, 2: None}, K).values()) == {None}


def test_small_units_are_shown_as_their_department_when_it_has_k_of_them():
    # Department 10 has units 1 (3 people) and 2 (2 people); unit 3 (5 people) is in department 20.
    parents = {1: 10, 2: 10, 3: 20, 10: None, 20: None}
    units = {f"x{i}": 1 for i in range(3)} | {f"y{i}": 2 for i in range(2)} | {f"z{i}": 3 for i in range(5)}
    labels = cell_labels(units, parents, K)
    assert {labels[p] for p in units if p[0] in "xy"} == {10}
    assert {labels[p] for p in units if p[0] == "z"} == {3}  # the lowest unit with k people


def test_every_group_of_a_batch_has_k_people_whatever_the_units():
    import random

    rng = random.Random(12)
    parents = {u: (100 + u // 4 if u < 100 else None) for u in range(16)} | {100 + d: None for d in range(4)}
    for _ in range(200):
        units = {f"p{i}": rng.choice([*range(16), None]) for i in range(rng.randint(5, 40))}
        labels = cell_labels(units, parents, K)
        groups: dict = {}
        for person, label in labels.items():
            groups.setdefault(label, set()).add(person)
        assert all(len(people) >= K for people in groups.values()), groups


# --- sealing and publication timing --------------------------------------------------------------


def test_sealing_writes_no_answer_and_publishing_needs_k_people(poll, make, session):
    ws, activity = poll
    people = crowd(make, ws, K + 1)
    answer(people[: K - 1], ws, activity)
    assert ballot.publish(ws, activity.id) == 0  # k - 1 people: nothing is published
    assert count(Answer) == 0 and count(Ballot) == K - 1 and count(Respondent) == K - 1
    answer(people[K - 1 : K], ws, activity)
    assert ballot.publish(ws, activity.id) == K  # the k-th person publishes the whole pool
    assert count(Answer) == K and count(Ballot) == 0
    answer(people[K:], ws, activity)  # the next one waits for k more
    assert ballot.publish(ws, activity.id) == 0 and count(Answer) == K and count(Ballot) == 1


def test_k_plus_one_people_in_the_pool_are_published_together(poll, make, session):
    ws, activity = poll
    answer(crowd(make, ws, K + 1), ws, activity, value=7)
    assert ballot.publish(ws, activity.id) == K + 1
    answers = session.execute(sa.select(Answer.answered_on, Answer.scale_value)).all()
    assert len(answers) == K + 1 and len({a.answered_on for a in answers}) == 1
    assert {a.scale_value for a in answers} == {7}


def test_one_person_many_notes_counts_once(make, session):
    ws = make.workspace()
    wall = make.activity(make.theme(ws), ActivityKind.NOTES, is_anonymous=True)
    from ideaspace.notes import service as notes

    writer, *others = crowd(make, ws, K)
    for _ in range(K):
        notes.post_note(writer, ws, wall, "Taas minä")
    assert ballot.publish(ws, wall.id) == 0  # five notes, one person
    for person in others:
        notes.post_note(person, ws, wall, "Minä myös")
    assert ballot.publish(ws, wall.id) == 2 * K - 1


def test_a_request_that_fills_the_pool_publishes_it_after_its_commit(poll, make, client, login, session):
    ws, activity = poll
    url = f"/w/{ws.slug}/activities/{activity.id}/answer"
    people = crowd(make, ws, K)
    session.commit()
    for i, person in enumerate(people):
        login(person)
        response = client.post(url, data={"value": str(i)})
        assert response.status_code == 302
        assert count(Answer) == (K if i == K - 1 else 0)
    assert count(Ballot) == 0
    # Published with the publication's day, in a transaction of their own: nothing from the
    # requests' own rows (their respondents) shares it.
    assert sorted(session.scalars(sa.select(Answer.scale_value))) == list(range(K))


def test_a_pool_below_k_stays_pending_when_its_activity_closes(poll, make, session):
    ws, activity = poll
    answer(crowd(make, ws, K - 1), ws, activity)
    activity.status = ActivityStatus.CLOSED
    ws.status = WorkspaceStatus.CLOSED
    session.flush()
    # Publishing the few alone, or with an earlier batch, would show what they said as the
    # difference between the results before and after: they are held.
    assert ballot.publish(ws, activity.id) == 0
    assert ballot.pools(ws, [activity.id])[activity.id] == ballot.Pool(entries=K - 1, people=K - 1)
    assert count(Answer) == 0


def test_the_pseudonym_counts_people_without_naming_them(poll, make, app):
    ws, activity = poll
    person = crowd(make, ws, 1)[0]
    answer([person], ws, activity)
    stored = db.session.scalar(sa.select(Ballot))
    assert stored.contributor == ballot.pseudonym(person, (ws.id, activity.id))
    assert person.email not in str(stored.payload) and "user" not in str(stored.payload)
    assert ballot.pseudonym(person, (ws.id, activity.id)) != ballot.pseudonym(person, (ws.id, None))
    columns = {c.name for c in Ballot.__table__.columns}
    assert columns == {"id", "workspace_id", "activity_id", "kind", "contributor", "payload"}  # no time


# --- pending items are not public ----------------------------------------------------------------


def test_a_pending_comment_has_no_address_to_reply_like_report_quote_or_hide(make, client, login, session):
    ws = make.workspace()
    talk = make.activity(make.theme(ws), ActivityKind.DISCUSSION, is_anonymous=True)
    author, moderator = crowd(make, ws, 2)
    moderator.role = Role.ADMIN
    session.commit()
    login(author)
    client.post(f"/w/{ws.slug}/comments/activity/{talk.id}", data={"body": "Odottaa"})
    pending = db.session.scalar(sa.select(Ballot.id))
    assert pending and count(Comment) == 0
    login(moderator)
    for path in (
        f"/w/{ws.slug}/comments/{pending}/like",
        f"/w/{ws.slug}/moderation/comment/{pending}/hide",
        f"/w/{ws.slug}/report/comment/{pending}",
    ):
        assert client.post(path).status_code == 404, path
    # Nor can a reply name it: a parent must be a published comment.
    reply = client.post(
        f"/w/{ws.slug}/comments/activity/{talk.id}", data={"body": "Vastaus", "parent_id": pending}
    )
    assert reply.status_code in (404, 422)
    # The moderator does not see its text anywhere on the discussion.
    assert "Odottaa" not in client.get(f"/w/{ws.slug}/comments/activity/{talk.id}").text


# --- crashes and races ---------------------------------------------------------------------------


def test_a_crash_between_accepting_and_publishing_loses_nothing(
    poll, make, client, login, session, monkeypatch
):
    ws, activity = poll
    url = f"/w/{ws.slug}/activities/{activity.id}/answer"
    people = crowd(make, ws, K)
    session.commit()

    def crash(*args):
        raise RuntimeError("the process died while publishing")

    monkeypatch.setitem(ballot._WRITERS, ballot.BallotKind.ANSWER, crash)
    for person in people:
        login(person)
        assert client.post(url, data={"value": "3"}).status_code == 302  # accepted all the same
    assert count(Answer) == 0 and count(Ballot) == K and count(Respondent) == K
    monkeypatch.undo()
    from ideaspace.ballot.cli import publish_command

    result = client.application.test_cli_runner().invoke(publish_command)
    assert result.exit_code == 0 and f"Published {K}" in result.output
    assert count(Answer) == K and count(Ballot) == 0


@pytest.fixture
def committed(app):
    """An anonymous scale and 2k members, committed through real connections; removed afterwards."""
    tag = uuid.uuid4().hex[:8]
    with app.app_context():
        ws = Workspace(slug=f"ballot-{tag}", title={"fi": "Vaali"}, status=WorkspaceStatus.OPEN)
        db.session.add(ws)
        db.session.flush()
        theme = Theme(workspace_id=ws.id, title={"fi": "Teema"})
        db.session.add(theme)
        db.session.flush()
        activity = Activity(theme_id=theme.id, kind=ActivityKind.SCALE, title={"fi": "A"}, is_anonymous=True)
        people = [
            User(email=f"b{i}-{tag}@example.fi", name=f"B{i}", role=Role.PARTICIPANT, locale="en")
            for i in range(2 * K)
        ]
        db.session.add_all([activity, *people])
        db.session.flush()
        db.session.add_all([Membership(workspace_id=ws.id, user_id=p.id) for p in people])
        db.session.commit()
        ids = {"ws": ws.id, "slug": ws.slug, "activity": activity.id, "people": [p.id for p in people]}
        db.session.remove()
    yield ids
    with app.app_context():
        db.session.execute(sa.delete(Workspace).where(Workspace.id == ids["ws"]))
        db.session.execute(sa.delete(User).where(User.id.in_(ids["people"])))
        db.session.commit()
        db.session.remove()


def _together(n, work):
    start = threading.Barrier(n, timeout=30)
    errors = []

    def run(i):
        try:
            start.wait()
            work(i)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors


def _tally(app, activity_id):
    with app.app_context():
        found = (
            db.session.scalar(sa.select(sa.func.count()).where(Answer.activity_id == activity_id)),
            db.session.scalar(sa.select(sa.func.count()).where(Ballot.activity_id == activity_id)),
            db.session.scalar(sa.select(sa.func.count()).where(Respondent.activity_id == activity_id)),
        )
        db.session.remove()
    return found


def test_parallel_answers_lose_and_double_nothing(app, committed):
    url = f"/w/{committed['slug']}/activities/{committed['activity']}/answer"
    clients = []
    with app.app_context():
        for person_id in committed["people"]:
            client = app.test_client()
            sign_in(client, db.session.get(User, person_id))
            clients.append(client)
        db.session.remove()
    statuses = []
    _together(
        len(clients), lambda i: statuses.append(clients[i].post(url, data={"value": str(i % 11)}).status_code)
    )
    assert statuses == [302] * 2 * K
    answers, pending, respondents = _tally(app, committed["activity"])
    # Every answer is either published or still waiting (fewer than k after the last batch).
    assert respondents == 2 * K and answers + pending == 2 * K and answers >= K and pending < K


def test_parallel_publishers_publish_each_ballot_once(app, committed):
    with app.app_context():
        ws = db.session.get(Workspace, committed["ws"])
        activity = db.session.get(Activity, committed["activity"])
        for person_id in committed["people"][: K + 2]:
            polls.answer(db.session.get(User, person_id), ws, activity, None, scale_value=4)
        db.session.commit()
        db.session.remove()
    published = []

    def publish(_i):
        with app.app_context():
            published.append(ballot.publish_scopes([(committed["ws"], committed["activity"])]))
            db.session.remove()

    _together(4, publish)
    assert sorted(published) == [0, 0, 0, K + 2]
    assert _tally(app, committed["activity"]) == (K + 2, 0, K + 2)


def test_published_rows_share_nothing_with_the_requests_that_recorded_participation(app, committed):
    """xmin on PostgreSQL, rowid order on SQLite: what a dump shows links no answer to a person."""
    with app.app_context():
        ws = db.session.get(Workspace, committed["ws"])
        activity = db.session.get(Activity, committed["activity"])
        # Ten people answer 0..9 in this order, each in a transaction of their own (a request).
        for value, person_id in enumerate(committed["people"]):
            polls.answer(db.session.get(User, person_id), ws, activity, None, scale_value=value)
            db.session.commit()
        assert ballot.publish_scopes([(ws.id, activity.id)]) == 2 * K
        conn = db.session.connection()
        if conn.dialect.name == "postgresql":
            answer_xmins = set(
                conn.execute(
                    sa.text("SELECT xmin::text FROM answer WHERE activity_id = :a"), {"a": activity.id}
                ).scalars()
            )
            respondent_xmins = set(
                conn.execute(
                    sa.text("SELECT xmin::text FROM respondent WHERE activity_id = :a"), {"a": activity.id}
                ).scalars()
            )
            assert len(answer_xmins) == 1 and not answer_xmins & respondent_xmins
            physical = "ctid"
        else:
            physical = "rowid"
        in_storage = list(
            conn.execute(
                sa.text(f"SELECT scale_value FROM answer WHERE activity_id = :a ORDER BY {physical}"),
                {"a": activity.id},
            ).scalars()
        )
        # Shuffled at publication: the physical order is not the order people answered in (a
        # 1 in 10! chance that a fair shuffle gives it back).
        assert sorted(in_storage) == list(range(2 * K)) and in_storage != list(range(2 * K))
        db.session.commit()
        db.session.remove()


# --- what pages say ------------------------------------------------------------------------------


def test_results_say_how_many_answers_are_needed_and_then_show_them(poll, make, client, login, session):
    ws, activity = poll
    activity.results_visibility = "always"
    people = crowd(make, ws, K + 1)
    for person in people:
        person.locale = "en"
    session.commit()
    url = f"/w/{ws.slug}/activities/{activity.id}/answer"
    for person in people[:2]:
        login(person)
        client.post(url, data={"value": "8"})
    page = client.get(f"/w/{ws.slug}/themes/{activity.theme_id}").text
    assert f"2 of {K} answers needed" in page and "enps__value" not in page
    for person in people[2:]:
        login(person)
        client.post(url, data={"value": "9"})
    page = client.get(f"/w/{ws.slug}/themes/{activity.theme_id}").text
    assert "answers needed" not in page and "enps__value" in page
    assert f"1 more answer is held in the ballot box until at least {K} people" in page
    # Closed below k: no distribution, and it says why.
    activity.status = ActivityStatus.CLOSED
    db.session.execute(sa.delete(Answer))
    session.commit()
    page = client.get(f"/w/{ws.slug}/themes/{activity.theme_id}").text
    assert f"Fewer than {K} people answered" in page


def test_moderators_see_how_many_are_held_never_what(make, client, login, session):
    ws = make.workspace()
    wall = make.activity(make.theme(ws), ActivityKind.NOTES, is_anonymous=True)
    writers = crowd(make, ws, 2)
    moderator = make.user(Role.ADMIN, locale="en")
    session.commit()
    for person in writers:
        login(person)
        client.post(f"/w/{ws.slug}/activities/{wall.id}/notes", data={"text": "Salaisuus"})
    login(moderator)
    page = client.get(f"/w/{ws.slug}/activities/{wall.id}/notes").text
    assert f"2 anonymous contributions are held in the ballot box until at least {K} people" in page
    assert "Salaisuus" not in page


def test_an_old_anonymous_idea_address_leads_to_the_barrel(make, client, login, session):
    from ideaspace.models.ballot import RetiredIdea

    ws = make.workspace()
    make.activity(make.theme(ws), ActivityKind.IDEAS, is_anonymous=True)
    member = crowd(make, ws, 1)[0]
    outsider = make.user()
    session.add(RetiredIdea(id=987654, workspace_id=ws.id))
    session.commit()
    login(member)
    response = client.get(f"/w/{ws.slug}/ideas/987654", follow_redirects=True)
    assert response.status_code == 200 and "published again, together and under new numbers" in response.text
    assert client.get(f"/w/{ws.slug}/ideas/987655").status_code == 404  # never an idea: still 404
    login(outsider)
    assert client.get(f"/w/{ws.slug}/ideas/987654").status_code == 403
    other = make.workspace()
    session.commit()
    login(member)
    assert client.get(f"/w/{other.slug}/ideas/987654").status_code in (403, 404)


def test_an_import_publishes_its_anonymous_content_again(make, session):
    """The importer writes a document's anonymous rows beside its respondents: it publishes them
    again as the ballot box would (new keys, one day, a unit only for k people)."""
    from ideaspace.transfer import export_workspace, import_workspace

    ws = make.workspace()
    poll_ = make.activity(make.theme(ws), ActivityKind.SCALE, is_anonymous=True)
    unit = make.unit()
    for day in range(1, 7):
        session.add(
            Answer(activity_id=poll_.id, answered_on=date(2026, 1, day), scale_value=day, unit_id=unit.id)
        )
    session.flush()
    document = export_workspace(ws)
    document["workspace"]["slug"] = "tuotu"
    imported = import_workspace(document)
    copy = db.session.scalar(sa.select(Activity).join(Theme).where(Theme.workspace_id == imported.id))
    rows = session.execute(sa.select(Answer).where(Answer.activity_id == copy.id)).scalars().all()
    assert len(rows) == 6 and {a.answered_on for a in rows} == {date(2026, 1, 6)}
    assert {a.unit_id for a in rows} == {unit.id}  # six of one unit: a group of k


def test_published_notes_comments_and_ideas_get_ids_in_shuffled_order(make, session):
    from ideaspace.discussion import service as discussion
    from ideaspace.ideas import service as ideas
    from ideaspace.models import Idea, Note
    from ideaspace.notes import service as notes

    ws = make.workspace()
    theme = make.theme(ws)
    wall = make.activity(theme, ActivityKind.NOTES, is_anonymous=True)
    talk = make.activity(theme, ActivityKind.DISCUSSION, is_anonymous=True)
    make.activity(theme, ActivityKind.IDEAS, is_anonymous=True)
    people = crowd(make, ws, 10)
    for i, person in enumerate(people):
        notes.post_note(person, ws, wall, f"N{i}")
        discussion.post_comment(person, ws, talk, f"C{i}")
        ideas.submit_idea(person, ws, title=f"Idea {i}", body="Teksti")
    assert ballot.publish(ws, wall.id) == ballot.publish(ws, talk.id) == ballot.publish(ws, None) == 10
    in_order = [f"{i}" for i in range(10)]
    by_id = [
        [
            "".join(c for c in text if c.isdigit())
            for text in session.scalars(sa.select(column).order_by(model.id))
        ]
        for model, column in ((Note, Note.text), (Comment, Comment.body), (Idea, Idea.title))
    ]
    # Each a fair shuffle: the order people wrote in comes back by chance once in 10! times.
    assert all(sorted(order) == in_order and order != in_order for order in by_id), by_id
