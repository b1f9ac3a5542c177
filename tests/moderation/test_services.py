"""Reports, hiding, restoring, dismissing and the moderation queue, tested on the services."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from ideaspace.models import AuditLog, Report, utcnow
from ideaspace.moderation import service
from ideaspace.permissions import can_report


def audit_entries(session, action):
    """Entries written by this test (other test modules commit theirs for real)."""
    return list(
        session.scalars(
            select(AuditLog)
            .where(AuditLog.action == action, AuditLog.workspace_id.is_not(None))
            .order_by(AuditLog.id)
        )
    )


# --- reports -------------------------------------------------------------------------------------


def test_report_creates_one_open_report_per_person_and_item(world, session):
    report = service.report(world.member, world.ws, world.comment, "  Loukkaava kommentti ")
    assert report.comment_id == world.comment.id and report.note_id is None and report.idea_id is None
    assert report.reporter_id == world.member.id and report.reason == "Loukkaava kommentti"
    assert report.workspace_id == world.ws.id and report.resolved_at is None
    with pytest.raises(service.ModerationError) as error:
        service.report(world.member, world.ws, world.comment, "Again")
    assert error.value.field == "duplicate"
    # Someone else may report the same item, and the same person another item.
    service.report(world.member2, world.ws, world.comment, "Me too")
    service.report(world.member, world.ws, world.note, "Note")
    service.report(world.member, world.ws, world.idea, "Idea")
    assert session.scalar(select(func.count(Report.id))) == 4


def test_a_resolved_report_lets_the_person_report_again(world, session):
    service.report(world.member, world.ws, world.note, "Spam")
    service.dismiss_reports(world.moderator, world.note)
    service.report(world.member, world.ws, world.note, "Still spam")
    assert session.scalar(select(func.count(Report.id)).where(Report.resolved_at.is_(None))) == 1


@pytest.mark.parametrize("reason", ["", "   ", "\n\t", "x" * 501])
def test_report_reason_is_1_to_500_characters(world, session, reason):
    with pytest.raises(service.ModerationError) as error:
        service.report(world.member, world.ws, world.comment, reason)
    assert error.value.field == "reason"
    assert session.scalar(select(func.count(Report.id))) == 0
    assert service.report(world.member, world.ws, world.comment, "x" * 500).reason == "x" * 500


def test_anonymous_content_can_be_reported(world, make):
    anonymous = make.comment(world.theme, None)
    assert service.report(world.member, world.ws, anonymous, "Asiaton").comment_id == anonymous.id


def test_who_may_report(world):
    assert can_report(world.member, world.ws)
    assert not can_report(world.observer, world.ws)  # observers only read
    assert not can_report(world.moderator, world.ws)  # moderators hide instead
    assert not can_report(world.admin, world.ws)
    assert not can_report(world.outsider, world.ws)  # not invited to this workspace
    with pytest.raises(service.ModerationError):
        service.report(world.observer, world.ws, world.comment, "No")


def test_reportable_items_are_visible_ones_of_this_workspace_by_others(world, make):
    assert service.get_reportable(world.member, world.ws, "comment", world.comment.id) is world.comment
    for kind, item in (
        ("comment", world.other_comment),
        ("note", world.other_note),
        ("idea", world.other_idea),
    ):
        with pytest.raises(NotFound):
            service.get_reportable(world.member, world.ws, kind, item.id)
    with pytest.raises(NotFound):
        service.get_reportable(world.author, world.ws, "note", world.note.id)  # one's own
    hidden = make.note(world.wall, world.member2, hidden_at=utcnow(), hidden_reason="x")
    with pytest.raises(NotFound):
        service.get_reportable(world.member, world.ws, "note", hidden.id)
    with pytest.raises(NotFound):
        service.get_reportable(world.member, world.ws, "poll", 1)


# --- hiding, restoring, dismissing -------------------------------------------------------------


def test_hide_is_soft_resolves_reports_and_is_audited(world, session):
    service.report(world.member, world.ws, world.comment, "Loukkaava")
    service.report(world.member2, world.ws, world.comment, "Asiaton")
    assert service.hide(world.moderator, world.comment, "Henkilötietoja") == 2
    assert world.comment.hidden_at is not None and world.comment.hidden_by_id == world.moderator.id
    assert world.comment.hidden_reason == "Henkilötietoja" and world.comment.body  # nothing destroyed
    reports = list(session.scalars(select(Report)))
    assert all(r.resolved_at and r.resolved_by_id == world.moderator.id for r in reports)
    [entry] = audit_entries(session, "content.hidden")
    assert (entry.actor_id, entry.object_type, entry.object_id) == (
        world.moderator.id,
        "comment",
        world.comment.id,
    )
    assert entry.workspace_id == world.ws.id and entry.reason == "Henkilötietoja"
    assert entry.details == {"reports_resolved": 2}
    with pytest.raises(service.ModerationError):
        service.hide(world.moderator, world.comment, "Again")


@pytest.mark.parametrize("reason", ["", "  ", "x" * 501])
def test_hide_needs_a_reason(world, reason):
    with pytest.raises(service.ModerationError):
        service.hide(world.moderator, world.idea, reason)
    assert world.idea.hidden_at is None


def test_restore_clears_the_hiding_and_is_audited(world, session):
    service.hide(world.moderator, world.note, "Off topic")
    service.restore(world.moderator, world.note, "Misunderstanding")
    assert (world.note.hidden_at, world.note.hidden_by_id, world.note.hidden_reason) == (None, None, None)
    [entry] = audit_entries(session, "content.restored")
    assert entry.reason == "Misunderstanding" and entry.details == {"hidden_reason": "Off topic"}
    with pytest.raises(service.ModerationError):
        service.restore(world.moderator, world.note)


def test_dismiss_resolves_reports_without_hiding(world, session):
    with pytest.raises(service.ModerationError):
        service.dismiss_reports(world.moderator, world.idea)
    service.report(world.member, world.ws, world.idea, "Duplicate")
    assert service.dismiss_reports(world.moderator, world.idea, "It is fine") == 1
    assert world.idea.hidden_at is None
    assert session.scalar(select(Report.resolved_by_id)) == world.moderator.id
    [entry] = audit_entries(session, "reports.dismissed")
    assert entry.object_type == "idea" and entry.reason == "It is fine" and entry.details == {"count": 1}


# --- the queue ---------------------------------------------------------------------------------


def keys(queue):
    return [(e.kind, e.id) for e in queue.items]


def test_queue_lists_new_content_newest_first_and_reported_content_grouped(world, make, session):
    later = make.comment(world.theme, world.member)
    queue = service.queue(world.ws)
    assert keys(queue)[0] == ("comment", later.id)
    assert {("comment", world.comment.id), ("note", world.note.id), ("idea", world.idea.id)} <= set(
        keys(queue)
    )
    assert all(e.is_new for e in queue.items) and queue.total == 4
    assert world.other_comment.id not in [e.id for e in queue.items if e.kind == "comment"]
    service.report(world.member, world.ws, world.note, "Reason one")
    service.report(world.member2, world.ws, world.note, "Reason two")
    queue = service.queue(world.ws)
    [note] = [e for e in queue.items if e.kind == "note"]
    assert keys(queue)[0] == ("note", world.note.id)  # the newest report brings it to the top
    assert note.report_count == 2 and note.reasons == ["Reason two", "Reason one"]
    assert note.place.kind == "notes" and note.place.target.id == world.wall.id
    assert queue.open_reports == 2 and queue.total == 4


def test_marking_as_reviewed_keeps_reported_content_and_shows_what_comes_later(world, make, session):
    service.report(world.member, world.ws, world.idea, "Duplicate")
    seen = service.queue(world.ws).latest
    service.clear_queue(world.moderator, world.ws, seen)
    queue = service.queue(world.ws)
    assert keys(queue) == [("idea", world.idea.id)] and not queue.items[0].is_new
    assert queue.watermark.entry.actor_id == world.moderator.id
    # Anonymous content carries only a date (midnight), yet still counts as new: ids order it.
    anonymous = make.comment(
        world.theme, None, created_at=datetime.combine(utcnow().date(), datetime.min.time(), tzinfo=UTC)
    )
    assert ("comment", anonymous.id) in keys(service.queue(world.ws, show="new"))
    assert keys(service.queue(world.ws, show="reported")) == [("idea", world.idea.id)]
    [entry] = audit_entries(session, service.CLEARED)
    assert entry.workspace_id == world.ws.id and entry.details["idea"] == world.idea.id


def test_clearing_never_goes_beyond_what_exists_or_backwards(world, make):
    service.clear_queue(world.moderator, world.ws, {"comment": 10**9, "note": -5, "idea": None})
    mark = service.watermark(world.ws)
    assert mark.comment == world.comment.id and mark.note == 0 and mark.idea == 0
    service.clear_queue(world.moderator, world.ws, {"comment": 0})
    assert service.watermark(world.ws).comment == world.comment.id
    assert service.watermark(world.other).entry is None


def test_hidden_and_withdrawn_content_is_not_new(world, make):
    make.comment(world.theme, world.member, withdrawn_at=utcnow())
    service.hide(world.moderator, world.note, "Spam")
    assert ("note", world.note.id) not in keys(service.queue(world.ws))
    assert len(service.queue(world.ws).items) == 2


def test_places_of_comments_on_every_kind_of_target(world, make):
    measure = make.measure(world.theme)
    discussion = make.activity(world.theme, kind=make_kind("DISCUSSION"))
    items = [
        make.comment(measure, world.member),
        make.comment(discussion, world.member),
        make.comment(world.idea, world.member),
        world.comment,
        world.idea,
    ]
    places = service.places_of(items)
    assert [places["comment", c.id].kind for c in items[:4]] == ["measure", "activity", "idea", "theme"]
    assert places["idea", world.idea.id].theme.id == world.theme.id


def make_kind(name):
    from ideaspace.models import ActivityKind

    return ActivityKind[name]


def test_queue_pages_and_its_queries_do_not_grow_with_the_items(world, make, count_queries):
    for _ in range(3):
        make.comment(world.theme, world.member)
    with count_queries() as few:
        first = service.queue(world.ws, per_page=5)
    for i in range(12):
        item = make.comment(world.theme, world.member2)
        make.note(world.wall, world.member)
        if i % 3 == 0:
            service.report(world.member, world.ws, item, "Spam")
    with count_queries() as many:
        queue = service.queue(world.ws, per_page=5, page=2)
    assert first.pages == 2 and queue.pages == 6 and queue.page == 2 and len(queue.items) == 5
    assert len(few) <= 13 and len(many) <= 13, "\n".join(q[:90] for q in many)
    assert service.queue(world.ws, per_page=5, page=99).page == 6


def test_excerpt_is_plain_text_and_short(world, make):
    from ideaspace.sanitize import clean_html

    long = make.comment(world.theme, world.member, body=clean_html("<p>" + "sana " * 200 + "</p>"))
    text = service.excerpt(long)
    assert len(text) <= service.EXCERPT and text.endswith("…") and "<" not in text
    assert service.excerpt(world.idea).startswith("Ideatynnyrin idea: ")
