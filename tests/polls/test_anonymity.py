"""An anonymous answer, inspected in the database: nothing leads from the person to it."""

import re
from datetime import date, datetime

import sqlalchemy as sa

from ideaspace.ballot import service as ballot
from ideaspace.extensions import db
from ideaspace.models import Answer, AnswerChoice, Respondent
from ideaspace.polls import service


def rows(session, table: str) -> list[dict]:
    return [dict(row._mapping) for row in session.execute(sa.text(f'SELECT * FROM "{table}"'))]


def test_an_anonymous_answer_has_no_path_back_to_its_author(session, world, make):
    unit = make.unit()
    person = make.user(unit=unit)  # alone in the unit: below the minimum group size
    make.member(world.workspace, person)
    chosen = [world.anonymous.options[0].id, world.anonymous.options[2].id]
    service.answer(person, world.workspace, world.anonymous, None, option_ids=chosen)
    session.flush()
    # Sealed in the ballot box: no answer row exists while fewer than k people have answered.
    assert rows(session, "answer") == [] and rows(session, "answer_choice") == []
    others = [make.user() for _ in range(4)]
    for other in others:
        make.member(world.workspace, other)
        service.answer(other, world.workspace, world.anonymous, None, option_ids=[chosen[0]])
    assert ballot.publish(world.workspace, world.anonymous.id) == 5

    # The answer rows, exactly as stored.
    answers = rows(session, "answer")
    choices = rows(session, "answer_choice")
    assert len(answers) == 5 and len(choices) == 6
    assert all(set(a) == {"key", "activity_id", "answered_on", "unit_id", "scale_value"} for a in answers)
    assert {a["unit_id"] for a in answers} == {None}  # no unit with k people in the batch
    assert all(set(c) == {"answer_key", "option_id"} for c in choices)
    assert sorted(c["option_id"] for c in choices) == sorted([*chosen, *[chosen[0]] * 4])

    # A date, not a time: whatever the engine hands back, it has no time of day.
    stored = answers[0]["answered_on"]
    if isinstance(stored, str):
        assert re.fullmatch(r"\d{4}-\d\d-\d\d", stored), stored
    else:
        assert isinstance(stored, date) and not isinstance(stored, datetime)

    # No column of either table holds a user or a timestamp, by name or by type.
    inspector = sa.inspect(session.connection())
    for table in ("answer", "answer_choice"):
        for column in inspector.get_columns(table):
            assert "user" not in column["name"] and "author" not in column["name"]
            assert not isinstance(column["type"], sa.DateTime), (table, column["name"])
        for fk in inspector.get_foreign_keys(table):
            assert fk["referred_table"] != "user", (table, fk)

    # The record that the person answered says only that.
    respondents = [r for r in rows(session, "respondent") if r["user_id"] == person.id]
    assert respondents == [
        {
            "activity_id": world.anonymous.id,
            "user_id": person.id,
            "answered_on": respondents[0]["answered_on"],
            "answer_key": None,
        }
    ]

    # And no table in the schema could lead from a person to an answer: the only references to
    # `answer` are its choices and the respondent's key, which stays empty when anonymous.
    references = [
        (table.name, fk.parent.name)
        for table in db.metadata.sorted_tables
        for fk in table.foreign_keys
        if fk.column.table.name == "answer"
    ]
    assert sorted(references) == [("answer_choice", "answer_key"), ("respondent", "answer_key")]
    linked = session.execute(sa.select(Respondent).join(Answer, Answer.key == Respondent.answer_key)).all()
    assert linked == []
    assert session.scalar(sa.select(sa.func.count()).select_from(AnswerChoice)) == 6
    # The sealed ballots are gone once published.
    assert rows(session, "ballot") == []


def test_anonymous_answer_keys_are_random_not_sequential(session, world, make):
    for _ in range(20):
        person = make.user()
        make.member(world.workspace, person)
        service.answer(
            person, world.workspace, world.anonymous, None, option_ids=[world.anonymous.options[1].id]
        )
    assert ballot.publish(world.workspace, world.anonymous.id) == 20
    keys = list(session.scalars(sa.select(Answer.key).where(Answer.activity_id == world.anonymous.id)))
    assert all(re.fullmatch(r"[0-9a-f]{32}", key) for key in keys)
    assert len(set(keys)) == 20
    # Nothing in the respondents points at them.
    assert session.scalar(sa.select(sa.func.count()).where(Respondent.answer_key.is_not(None))) == 0


def test_a_named_answer_still_keeps_no_user_on_the_answer_row(session, world):
    answer = service.answer(
        world.member, world.workspace, world.single, None, option_ids=[world.single.options[0].id]
    )
    row = (
        session.execute(sa.text('SELECT * FROM "answer" WHERE "key" = :k'), {"k": answer.key})
        .mappings()
        .one()
    )
    assert set(row) == {"key", "activity_id", "answered_on", "unit_id", "scale_value"}
    # Only the respondent's key leads to it, so the person can change it.
    assert session.get(Respondent, (world.single.id, world.member.id)).answer_key == answer.key
