"""Hostile values in every field a guest's phone sends (the URL-map fuzzer cannot reach these pages
without the device cookie): never a 5xx, a clear refusal, nothing saved."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ideaspace.models import Answer, Note
from ideaspace.workshops import service
from ideaspace.workshops.models import Guest, WorkshopPost

from ..security.test_fuzz import INT_VALUES, QUERY_VALUES, TEXT_VALUES

HOSTILE = [*TEXT_VALUES[0], *TEXT_VALUES[1], *INT_VALUES[0], *INT_VALUES[1], "", " ", "-", "1.5", "[]"]


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def phone(app, session, room):
    steps = [room.poll.id, room.scale.id, room.wall.id]
    workshop = service.start(room.supervisor, room.ws, room.theme, steps)
    session.commit()
    client = app.test_client()
    assert client.post("/join", data={"code": workshop.code}).status_code == 302
    return client, workshop


def test_hostile_join_fields(app, session, room):
    service.start(room.supervisor, room.ws, room.theme, [room.poll.id])
    session.commit()
    for value in HOSTILE + list(QUERY_VALUES[0]):
        for data in ({"code": value}, {"code": value, "name": value}):
            response = app.test_client().post("/join", data=data)
            assert response.status_code in (400, 422), (value[:40], response.status_code)
        assert app.test_client().get("/join", query_string={"code": value}).status_code in (200, 400)
    assert _count(session, Guest) == 0


def test_hostile_answers_and_notes(app, session, room, phone):
    client, workshop = phone
    for _step in range(3):
        for value in HOSTILE:
            for data in ({"option": value}, {"value": value}, {"option": [value, value]}, {"text": value}):
                for path in ("/live/answer", "/live/note"):
                    response = client.post(path, data=data)
                    assert response.status_code in (200, 400, 422), (path, data, response.status_code)
            assert client.get("/live", query_string={"v": value}).status_code in (200, 400)
        session.get(type(workshop), workshop.id).position += 1
        session.commit()
    # A valid value among them (a scale's "0") is answered, once: one answer per device and step.
    answers = session.execute(select(Answer.activity_id, func.count()).group_by(Answer.activity_id)).all()
    assert all(n == 1 for _activity, n in answers)
    # Some hostile texts are fine notes once cleaned (a path, a formula): they went on the wall as text.
    assert _count(session, Note) == _count(session, WorkshopPost)


def test_a_long_name_and_markup_in_it_are_refused_or_kept_as_text(app, session, room):
    workshop = service.start(room.supervisor, room.ws, room.theme, [room.wall.id])
    session.commit()
    client = app.test_client()
    assert client.post("/join", data={"code": workshop.code, "name": "x" * 61}).status_code == 422
    assert client.post("/join", data={"code": workshop.code, "name": "a\nb"}).status_code == 422
    assert client.post("/join", data={"code": workshop.code, "name": "<i>Eeva</i>"}).status_code == 302
    assert session.scalars(select(Guest.name)).one() == "<i>Eeva</i>"
