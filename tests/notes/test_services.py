"""Notes wall operations, called directly."""

import pytest
from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from ideaspace.ballot import service as ballot
from ideaspace.extensions import db
from ideaspace.models import AuditLog, Membership, Note, NoteGroup, utcnow
from ideaspace.notes import service
from tests.crowd import crowd


def notes_count():
    return db.session.scalar(select(func.count()).select_from(Note))


def membership(user, ws):
    return db.session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.workspace_id == ws.id)
    )


def test_post_note_trims_and_records_contribution(world):
    m = membership(world.member, world.ws)
    note = service.post_note(world.member, world.ws, world.notes, "  Rohkeutta!  \n", membership=m)
    assert (
        note.text == "Rohkeutta!" and note.author_id == world.member.id and note.unit_id == world.big_unit.id
    )
    assert m.first_contribution_at is not None


@pytest.mark.parametrize("text", ["", "   ", None, "x" * 281, "\u200b\u200b"])
def test_empty_or_too_long_is_refused(world, text):
    before = notes_count()
    with pytest.raises(service.NoteError):
        service.post_note(world.member, world.ws, world.notes, text)
    assert notes_count() == before


def test_exactly_280_characters_after_trimming_is_accepted(world):
    assert len(service.post_note(world.member, world.ws, world.notes, "  " + "å" * 280 + "  ").text) == 280


def test_anonymous_note_waits_in_the_ballot_box_and_is_published_with_k_people(world, make):
    world.notes.is_anonymous = True
    m = membership(world.member2, world.ws)
    pending = service.post_note(world.member2, world.ws, world.notes, "Salainen", membership=m)
    assert isinstance(pending, ballot.Pending) and notes_count() == 0
    assert m.first_contribution_at.hour == 0 and m.first_contribution_at.minute == 0
    service.post_note(world.member, world.ws, world.notes, "Isosta yksiköstä")
    for person in crowd(make, world.ws, 2, unit=world.big_unit):
        service.post_note(person, world.ws, world.notes, "Muita")
    service.post_note(world.member, world.ws, world.notes, "Toinen samalta")
    assert ballot.publish(world.ws, world.notes.id) == 0  # 5 notes, but 4 people are not k
    for person in crowd(make, world.ws, 2, unit=world.big_unit):
        service.post_note(person, world.ws, world.notes, "Viides ja kuudes")
    assert ballot.publish(world.ws, world.notes.id) == 7
    rows = db.session.execute(select(Note.__table__)).mappings().all()
    assert len(rows) == 7 and {r["author_id"] for r in rows} == {None}
    # Five of the big unit could be labelled, but then the small unit's one person would be the
    # rest: nobody in the batch gets a unit.
    assert {r["unit_id"] for r in rows} == {None}
    assert len({r["created_at"] for r in rows}) == 1  # all at the publication time


def test_wall_newest_first_grouped_and_hidden_for_moderators_only(world, make):
    old = make.note(world.notes, world.member, text="Vanha", created_at=utcnow().replace(year=2020))
    new = make.note(world.notes, world.member2, text="Uusi")
    hidden = make.note(world.notes, world.member2, text="Piilotettu", hidden_at=utcnow())
    wall = service.wall(world.member, world.ws, world.notes)
    assert [n.id for n in wall.notes] == [new.id, old.id] and not wall.is_grouped
    assert hidden.id in [n.id for n in service.wall(world.moderator, world.ws, world.notes).notes]
    group = service.create_group(world.moderator, world.ws, world.notes, "Ilmapiiri")
    service.assign_note(world.moderator, world.ws, old, group)
    wall = service.wall(world.member, world.ws, world.notes)
    assert wall.is_grouped and wall.groups == [(group, [old])] and [n.id for n in wall.ungrouped] == [new.id]
    assert wall.units[world.big_unit.id] == world.big_unit


def test_hidden_notes_stay_out_of_the_cloud(world, make):
    make.note(world.notes, world.member, text="avoimuus")
    make.note(world.notes, world.member, text="salaisuus", hidden_at=utcnow())
    clouds = service.wall(world.moderator, world.ws, world.notes).clouds
    words = [t.word for c in clouds for t in c.terms]
    assert words == ["avoimuus"]


def test_groups_and_assignments_are_audited(world, make):
    note = make.note(world.notes, world.member)
    group = service.create_group(world.moderator, world.ws, world.notes, "  Kokeilut ")
    assert group.label == "Kokeilut" and group.position == 1
    assert service.create_group(world.moderator, world.ws, world.notes, "Toinen").position == 2
    service.assign_note(world.moderator, world.ws, note, group)
    service.assign_note(world.moderator, world.ws, note, None)
    actions = db.session.scalars(
        select(AuditLog.action).where(AuditLog.workspace_id == world.ws.id).order_by(AuditLog.id)
    ).all()
    assert actions.count("note_group.create") == 2 and actions.count("note.group") == 2
    with pytest.raises(service.NoteError):
        service.create_group(world.moderator, world.ws, world.notes, "  ")


def test_a_group_of_another_wall_is_refused(world, make):
    note = make.note(world.notes, world.member)
    other = db.session.scalar(select(NoteGroup).limit(1))
    assert other is None
    elsewhere = service.create_group(world.moderator, world.other_ws, world.other_notes, "Muualla")
    with pytest.raises(NotFound):
        service.assign_note(world.moderator, world.ws, note, elsewhere)
    assert service.get_group(world.notes, elsewhere.id) is None


def test_activity_of_another_kind_or_workspace_is_not_found(world):
    with pytest.raises(NotFound):
        service.get_activity(world.ws, world.discussion.id)
    with pytest.raises(NotFound):
        service.get_activity(world.ws, world.other_notes.id)


def test_walls_take_constant_queries(world, make, count_queries):
    def fill(n):
        for i in range(n):
            make.note(world.notes, [world.member, world.member2][i % 2], text=f"uteliaisuus kokeilu {i}")

    def run():
        db.session.expire_all()
        (world.ws.min_group_size, world.member.role, [a.kind for a in world.theme.activities])
        service.wall(world.member, world.ws, world.notes)  # warm the membership cache
        db.session.expire_all()
        (world.ws.min_group_size, world.member.role, [a.kind for a in world.theme.activities])
        with count_queries() as counted:
            walls = service.theme_notes(world.member, world.ws, world.theme)
            [(n.author, n.text) for n in walls[world.notes.id].notes]
        return counted, walls

    fill(5)
    few, _ = run()
    fill(45)
    many, walls = run()
    assert len(few) == len(many) <= 3
    # The theme page's preview: the newest notes; the count and the cloud cover every note.
    wall = walls[world.notes.id]
    assert len(wall.notes) == service.PREVIEW_SIZE and wall.count == 50 and wall.more
    assert [n.text for n in wall.notes] == [f"uteliaisuus kokeilu {i}" for i in range(44, 32, -1)]
    top = wall.clouds[0].terms[0]
    assert top.word in ("kokeilu", "uteliaisuus") and top.count == 50
    whole = service.wall(world.member, world.ws, world.notes)
    assert len(whole.notes) == 50 and whole.count == 50 and whole.pages == 1 and not whole.more
