"""A guest's anonymous answer cannot be linked to the guest: the attack of docs/anonymity.md, played
on what the database holds after guests answered through their phones' real requests."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import select

from ideaspace.extensions import db
from ideaspace.models import Answer, AnswerChoice, Ballot, Respondent
from ideaspace.workshops import service
from ideaspace.workshops.models import Guest, GuestResponse, Workshop

from ..conftest import sign_in


def _phones(app, workshop, n):
    phones = []
    for i in range(n):
        phone = app.test_client()
        assert phone.post("/join", data={"code": workshop.code, "name": f"Guest {i}"}).status_code == 302
        phones.append(phone)
    return phones


def _anonymous_step(session, room) -> Workshop:
    workshop = service.start(room.supervisor, room.ws, room.theme, [room.secret.id])
    session.commit()
    return workshop


def test_nothing_stored_leads_from_a_guest_to_their_anonymous_answer(app, client, session, room, make):
    workshop = _anonymous_step(session, room)
    phones = _phones(app, workshop, 6)  # two only watch
    a, b = (o.id for o in room.secret.options)
    chosen = [a, b, b, a]  # guest i's choice: the attacker wants to read it back
    for phone, option in zip(phones, chosen, strict=False):
        response = phone.post("/live/answer", data={"option": str(option)})
        assert "ballot box" in response.get_data(as_text=True)
    # A member of the unit answers as themselves: the fifth person, who fills k.
    sign_in(client, room.supervisor)
    client.post("/join", data={"code": workshop.code})
    assert "ballot box" in client.post("/live/answer", data={"option": str(a)}).get_data(as_text=True)

    answers = session.scalars(select(Answer).where(Answer.activity_id == room.secret.id)).all()
    assert len(answers) == 5, "the fifth person filled k: the batch is published"
    assert session.scalar(select(sa.func.count()).select_from(Ballot)) == 0

    # 1. No column anywhere joins a guest to an answer: the only tables that name a guest are the
    #    participation record (guest, activity; no answer, no time) and named notes.
    naming_guests = {
        table.name
        for table in db.metadata.sorted_tables
        for fk in table.foreign_keys
        if fk.column.table.name == "workshop_guest"
    }
    assert naming_guests == {"workshop_response", "workshop_post"}
    assert {c.name for c in GuestResponse.__table__.columns} == {"guest_id", "activity_id"}
    for table in (Answer.__table__, AnswerChoice.__table__):
        assert not any(fk.column.table.name in ("workshop_guest", "user") for fk in table.foreign_keys)
    own = select(Respondent.answer_key).where(Respondent.user_id == room.supervisor.id)
    assert session.scalar(own) is None

    # 2. Every stored property of the published answers is shared by the whole batch (five people):
    #    the day, the unit label; they were written together after the fifth person's request,
    #    in shuffled order (their keys and rowids say nothing of who came when).
    assert len({x.answered_on for x in answers}) == 1
    assert len({x.unit_id for x in answers}) == 1
    # 3. What the guests' rows hold says nothing of the answers: same shape for every guest.
    guests = session.scalars(select(Guest).where(Guest.workshop_id == workshop.id)).all()
    assert sorted(g.contributed for g in guests) == [False, False, True, True, True, True]
    # 4. The results are exact: the counts of what was chosen, nothing more.
    counts = dict(
        session.execute(
            select(AnswerChoice.option_id, sa.func.count())
            .join(Answer, Answer.key == AnswerChoice.answer_key)
            .where(Answer.activity_id == room.secret.id)
            .group_by(AnswerChoice.option_id)
        ).all()
    )
    assert counts == {a: 3, b: 2}


def test_a_batch_below_k_shows_nothing_but_its_count(app, client, session, room):
    workshop = _anonymous_step(session, room)
    for phone in _phones(app, workshop, 4):
        phone.post("/live/answer", data={"option": str(room.secret.options[0].id)})
    sign_in(client, room.supervisor)
    client.post(f"/w/{room.ws.slug}/workshops/{workshop.id}/pace", data={"action": "reveal"})
    screen = client.get(f"/present/{workshop.id}").get_data(as_text=True)
    assert "4 answers, results appear at 5" in screen
    assert session.scalar(select(sa.func.count()).select_from(Answer)) == 0
    assert session.scalar(select(sa.func.count()).select_from(Ballot)) == 4
