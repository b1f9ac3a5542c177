"""Workshops' operations: starting, codes, joining, pacing, answering as a guest, holding notes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from ideaspace.ballot import service as ballot
from ideaspace.extensions import db
from ideaspace.models import Answer, AuditLog, Ballot, MemberRole, Note, Role, utcnow
from ideaspace.workshops import screens, service
from ideaspace.workshops.models import Guest, GuestResponse, PostStatus, Workshop, WorkshopPost


def _start(room, actor=None, activities=None, **kw):
    actor = actor or room.supervisor
    ids = (
        activities
        if activities is not None
        else [room.poll.id, room.secret.id, room.scale.id, room.wall.id, room.talk.id]
    )
    return service.start(actor, room.ws, room.theme, ids, **kw)


def _at(workshop, activity):
    workshop.position = [s.activity_id for s in workshop.steps].index(activity.id)
    db.session.flush()


def test_a_supervisor_starts_a_session_for_their_own_unit(app, session, room):
    before = utcnow()
    workshop = _start(room)
    assert workshop.unit_id == room.unit.id
    assert workshop.facilitator_id == room.supervisor.id
    assert [s.activity_id for s in workshop.steps] == [
        room.poll.id,
        room.secret.id,
        room.scale.id,
        room.wall.id,
        room.talk.id,
    ]
    assert len(workshop.code) == service.CODE_LENGTH
    assert set(workshop.code) <= set(service.CODE_ALPHABET)
    hours = service.max_hours()
    assert before + timedelta(hours=hours) <= workshop.expires_at <= utcnow() + timedelta(hours=hours)
    assert session.scalar(select(AuditLog).where(AuditLog.action == "workshop.start")) is not None


def test_the_activities_run_in_the_order_chosen(app, session, room):
    workshop = _start(room, activities=[room.wall.id, room.poll.id])
    assert [s.activity_id for s in workshop.steps] == [room.wall.id, room.poll.id]


def test_a_moderator_without_a_unit_must_choose_one(app, session, room):
    with pytest.raises(service.WorkshopError):
        _start(room, actor=room.moderator)
    assert session.scalar(select(func.count()).select_from(Workshop)) == 0
    workshop = _start(room, actor=room.moderator, unit=room.unit)
    assert workshop.unit_id == room.unit.id


def test_who_may_not_start_and_what_cannot_be_run(app, session, room, make):
    observer = make.user(Role.OBSERVER)
    stranger = make.user(Role.PARTICIPANT, unit=room.unit)
    for actor in (observer, stranger):
        with pytest.raises(service.WorkshopError):
            _start(room, actor=actor)
    other_theme = make.theme(room.ws)
    elsewhere = make.activity(other_theme, options=2)
    with pytest.raises(service.WorkshopError):
        _start(room, activities=[room.poll.id, elsewhere.id])
    with pytest.raises(service.WorkshopError):
        _start(room, activities=[])
    assert session.scalar(select(func.count()).select_from(Workshop)) == 0


def test_codes_are_found_however_they_are_typed(app, session, room):
    workshop = _start(room)
    typed = f" {workshop.code[:4].lower()} - {workshop.code[4:]} "
    assert service.find(typed) is workshop
    assert service.display_code(workshop.code) == f"{workshop.code[:4]}-{workshop.code[4:]}"


@pytest.mark.parametrize(
    "typed", ["", "x", "AAAAAAAA0", "OOOOOOOO", "<script>", "ACDE-FHJ", "\u202eACDEFHJK"]
)
def test_a_wrong_code_is_unknown(app, session, room, typed):
    _start(room)
    with pytest.raises(service.WorkshopError) as refused:
        service.find(typed)
    assert refused.value.code == "unknown"


def test_ended_and_expired_codes_say_so(app, session, room):
    ended = _start(room)
    service.pace(room.supervisor, ended, "end")
    with pytest.raises(service.WorkshopError) as refused:
        service.find(ended.code)
    assert refused.value.code == "ended"
    expired = _start(room)
    expired.expires_at = utcnow() - timedelta(minutes=1)
    with pytest.raises(service.WorkshopError) as refused:
        service.find(expired.code)
    assert refused.value.code == "expired"
    guest = service.join(_start(room), "Late")
    workshop = session.get(Workshop, guest.workshop_id)
    workshop.expires_at = utcnow() - timedelta(seconds=1)
    with pytest.raises(service.WorkshopError):
        service.guest_answer(guest, workshop, room.poll, option_ids=[room.poll.options[0].id])


def test_pacing_moves_within_the_steps(app, session, room):
    workshop = _start(room, activities=[room.poll.id, room.wall.id])
    with pytest.raises(service.WorkshopError):
        service.pace(room.supervisor, workshop, "back")
    service.pace(room.supervisor, workshop, "reveal")
    assert workshop.results_revealed
    service.pace(room.supervisor, workshop, "next")
    assert workshop.position == 1 and not workshop.results_revealed
    assert service.current_activity(workshop).id == room.wall.id
    with pytest.raises(service.WorkshopError):
        service.pace(room.supervisor, workshop, "next")
    with pytest.raises(service.WorkshopError):
        service.pace(room.supervisor, workshop, "jump")
    revision = workshop.revision
    service.pace(room.supervisor, workshop, "close")
    assert not workshop.answering_open and workshop.revision == revision + 1


def test_a_guest_answers_a_named_poll_once(app, session, room):
    workshop = _start(room)
    guest = service.join(workshop, "Pirjo")
    option = room.poll.options[1]
    answer = service.guest_answer(guest, workshop, room.poll, option_ids=[option.id])
    assert isinstance(answer, Answer)
    assert [c.option_id for c in answer.choices] == [option.id]
    assert guest.contributed
    with pytest.raises(service.WorkshopError) as refused:
        service.guest_answer(guest, workshop, room.poll, option_ids=[option.id])
    assert refused.value.code == "answered"
    assert (
        session.scalar(select(func.count()).select_from(Answer).where(Answer.activity_id == room.poll.id))
        == 1
    )
    assert screens.screen(workshop).answers == 1


def test_a_guest_cannot_answer_another_step_or_when_closed(app, session, room):
    workshop = _start(room)
    guest = service.join(workshop)
    with pytest.raises(service.WorkshopError) as refused:
        service.guest_answer(guest, workshop, room.scale, scale_value=7)
    assert refused.value.code == "moved"
    service.pace(room.supervisor, workshop, "close")
    with pytest.raises(service.WorkshopError) as refused:
        service.guest_answer(guest, workshop, room.poll, option_ids=[room.poll.options[0].id])
    assert refused.value.code == "closed"
    service.pace(room.supervisor, workshop, "open")
    for bad in ([], [room.scale.id], [room.poll.options[0].id, room.poll.options[1].id]):
        with pytest.raises(service.WorkshopError) as refused:
            service.guest_answer(guest, workshop, room.poll, option_ids=bad)
        assert refused.value.code == "invalid"
    assert session.scalar(select(func.count()).select_from(GuestResponse)) == 0


def test_guests_anonymous_answers_go_through_the_ballot_box(app, session, room):
    """Four guests' anonymous answers wait; the fifth makes k, and the batch is published with
    nothing that leads back to a guest."""
    workshop = _start(room)
    _at(workshop, room.secret)
    guests = [service.join(workshop, f"Guest {i}") for i in range(5)]
    session.commit()
    for i, guest in enumerate(guests[:4]):
        pending = service.guest_answer(
            guest, workshop, room.secret, option_ids=[room.secret.options[i % 2].id]
        )
        assert isinstance(pending, ballot.Pending)
    session.commit()
    assert ballot.publish_all() == 0
    state = screens.screen(workshop, with_results=True)
    assert state.answers == 4 and state.held == 4 and state.waiting_for_k
    service.guest_answer(guests[4], workshop, room.secret, option_ids=[room.secret.options[0].id])
    session.commit()
    assert ballot.publish_all() == 5
    answers = session.scalars(select(Answer).where(Answer.activity_id == room.secret.id)).all()
    assert len(answers) == 5
    assert session.scalar(select(func.count()).select_from(Ballot)) == 0
    # The participation records carry no answer, no time; the answers carry no guest.
    assert {c.name for c in GuestResponse.__table__.columns} == {"guest_id", "activity_id"}
    assert not {c.name for c in Answer.__table__.columns} & {"guest_id", "user_id", "created_at"}
    assert len({a.answered_on for a in answers}) == 1
    state = screens.screen(workshop, with_results=True)
    assert state.results.answers == 5 and not state.waiting_for_k


def test_guest_and_member_pseudonyms_never_coincide(app, session, room):
    member = room.supervisor
    scope = (room.ws.id, room.secret.id)
    guest_like = service.Contributor(str(member.id), None)
    assert ballot.pseudonym(service.Contributor(f"guest:{member.id}", None), scope) != ballot.pseudonym(
        member, scope
    )
    assert ballot.pseudonym(guest_like, scope) == ballot.pseudonym(member, scope)  # why the prefix


def test_named_notes_show_at_once_or_wait_for_approval(app, session, room):
    workshop = _start(room)
    _at(workshop, room.wall)
    guest = service.join(workshop, "Kalle")
    post = service.guest_note(guest, workshop, room.wall, "Lisää taukoja")
    assert post.status is PostStatus.APPROVED and post.note_id
    note = session.get(Note, post.note_id)
    assert note.author_id is None and note.unit_id == room.unit.id
    service.pace(room.supervisor, workshop, "premoderate")
    held = service.guest_note(guest, workshop, room.wall, "<b>Odottaa</b>")
    assert held.status is PostStatus.HELD and held.note_id is None
    assert service.held_posts(workshop) == [held]
    assert screens.screen(workshop).answers == 1
    service.decide(room.supervisor, workshop, held, approve=True)
    assert held.status is PostStatus.APPROVED
    state = screens.screen(workshop, with_results=True)
    assert state.answers == 2
    assert ("<b>Odottaa</b>", "Kalle") in state.notes
    rejected = service.guest_note(guest, workshop, room.wall, "Pois")
    service.decide(room.supervisor, workshop, rejected, approve=False)
    assert rejected.status is PostStatus.REJECTED
    with pytest.raises(service.WorkshopError):
        service.decide(room.supervisor, workshop, rejected, approve=True)
    assert session.scalar(select(func.count()).select_from(WorkshopPost)) == 3


def test_a_bad_note_saves_nothing(app, session, room):
    workshop = _start(room)
    _at(workshop, room.wall)
    guest = service.join(workshop)
    for text in ("", "   ", "x" * 281, None):
        with pytest.raises(service.WorkshopError):
            service.guest_note(guest, workshop, room.wall, text)
    assert session.scalar(select(func.count()).select_from(WorkshopPost)) == 0
    assert not guest.contributed


def test_anonymous_notes_never_wait_with_the_guest(app, session, room, make):
    anonymous_wall = make.activity(room.theme, kind=room.wall.kind, is_anonymous=True)
    workshop = _start(room, activities=[anonymous_wall.id])
    service.pace(room.supervisor, workshop, "premoderate")
    guest = service.join(workshop, "Nimi")
    pending = service.guest_note(guest, workshop, anonymous_wall, "Salainen")
    assert isinstance(pending, ballot.Pending)
    assert session.scalar(select(func.count()).select_from(WorkshopPost)) == 0
    assert "Nimi" not in str(session.scalar(select(Ballot.payload)))


def test_work_communities_count_sessions_and_guests(app, session, room, make):
    workshop = _start(room)
    guests = [service.join(workshop) for _ in range(3)]
    service.guest_answer(guests[0], workshop, room.poll, option_ids=[room.poll.options[0].id])
    service.guest_answer(guests[1], workshop, room.poll, option_ids=[room.poll.options[1].id])
    idle = _start(room)  # nobody took part: not a contribution
    service.join(idle)
    session.flush()
    (community,) = screens.work_communities(room.ws)
    assert community.unit.id == room.unit.id and community.sessions == 1 and community.guests == 2
    assert session.scalar(select(func.count()).select_from(Guest)) == 4


def test_members_who_join_take_part_as_themselves(app, session, room):
    workshop = _start(room)
    service.member_answer(room.supervisor, workshop, room.poll, option_ids=[room.poll.options[0].id])
    assert service.member_has_answered(room.supervisor, room.poll)
    with pytest.raises(service.WorkshopError):
        service.member_answer(room.supervisor, workshop, room.poll, option_ids=[room.poll.options[0].id])
    assert screens.screen(workshop).answers == 1
    assert MemberRole  # the member's own membership records the contribution


def test_moderators_hide_a_guests_note_as_any_other_audited(app, session, room):
    from ideaspace.moderation import service as moderation

    workshop = _start(room)
    _at(workshop, room.wall)
    post = service.guest_note(service.join(workshop, "Kalle"), workshop, room.wall, "Asiaton")
    note = session.get(Note, post.note_id)
    moderation.hide(room.moderator, note, "Asiaton kieli")
    assert note.hidden_at is not None
    session.flush()
    hidden = select(AuditLog).where(AuditLog.action == "content.hidden", AuditLog.object_id == note.id)
    assert session.scalar(hidden) is not None
    assert screens.screen(workshop, with_results=True).notes == []


def test_decisions_and_pacing_read_the_row_again(app, session, room):
    """What another request committed meanwhile counts: a post decided elsewhere is not decided twice,
    and pacing moves on from the stored step."""
    workshop = _start(room, activities=[room.poll.id, room.wall.id, room.scale.id])
    _at(workshop, room.wall)
    service.pace(room.supervisor, workshop, "premoderate")
    held = service.guest_note(service.join(workshop), workshop, room.wall, "Odottaa")
    session.commit()
    session.execute(WorkshopPost.__table__.update().values(status=PostStatus.APPROVED))
    with pytest.raises(service.WorkshopError):
        service.decide(room.supervisor, workshop, held, approve=True)
    session.execute(Workshop.__table__.update().values(position=2))
    with pytest.raises(service.WorkshopError):
        service.pace(room.supervisor, workshop, "next")  # already on the last step
