"""The discussion operations, called directly."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from ideaspace.ballot import service as ballot
from ideaspace.discussion import service
from ideaspace.extensions import db
from ideaspace.models import ActivityStatus, Comment, CommentLike, Membership, Role, utcnow
from ideaspace.permissions import can_edit_comment
from tests.crowd import crowd


def membership(user, ws):
    return db.session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.workspace_id == ws.id)
    )


def comments_count():
    return db.session.scalar(select(func.count()).select_from(Comment))


def test_post_on_theme_records_author_unit_and_first_contribution(world):
    m = membership(world.member, world.ws)
    assert m.first_contribution_at is None
    comment = service.post_comment(world.member, world.ws, world.theme, "Hyvä **idea**", membership=m)
    assert comment.theme_id == world.theme.id and comment.measure_id is None
    assert comment.author_id == world.member.id and comment.unit_id == world.big_unit.id
    assert comment.body == "<p>Hyvä <strong>idea</strong></p>"
    assert m.first_contribution_at is not None
    first = m.first_contribution_at
    service.post_comment(world.member, world.ws, world.theme, "Toinen", membership=m)
    assert m.first_contribution_at == first  # only the first contribution is recorded


@pytest.mark.parametrize("target", ["theme", "measure", "discussion"])
def test_each_target_gets_its_own_column(world, target):
    obj = getattr(world, target)
    comment = service.post_comment(world.member, world.ws, obj, "Kommentti")
    column = {"theme": "theme_id", "measure": "measure_id", "discussion": "activity_id"}[target]
    assert getattr(comment, column) == obj.id
    assert [e.id for e in service.thread(world.member, world.ws, obj)] == [comment.id]


def test_comment_on_an_idea(world, make):
    idea = make.idea(world.ws, world.member2)
    comment = service.post_comment(world.member, world.ws, idea, "Kannatan")
    assert comment.idea_id == idea.id
    assert [e.id for e in service.thread(world.member, world.ws, idea)] == [comment.id]


def test_a_reply_to_a_reply_attaches_to_its_parent(world):
    top = service.post_comment(world.member, world.ws, world.theme, "Aloitus")
    reply = service.post_comment(world.member2, world.ws, world.theme, "Vastaus", parent=top)
    deeper = service.post_comment(world.member, world.ws, world.theme, "Vastaus vastaukseen", parent=reply)
    assert reply.parent_id == top.id and deeper.parent_id == top.id
    thread = service.thread(world.member, world.ws, world.theme)
    assert [e.id for e in thread] == [top.id]
    assert [r.id for r in thread[0].replies] == [reply.id, deeper.id]


def test_a_parent_from_another_target_or_workspace_is_not_found(world, make):
    on_measure = make.comment(world.measure, world.member)
    elsewhere = make.comment(world.other_theme, world.member)
    for parent in (on_measure, elsewhere):
        with pytest.raises(NotFound):
            service.post_comment(world.member, world.ws, world.theme, "x", parent=parent)
        with pytest.raises(NotFound):
            service.get_parent(world.member, world.ws, world.theme, parent.id)


@pytest.mark.parametrize("body", ["", "   \n  ", None, "x" * 5001])
def test_empty_or_oversized_is_refused_and_nothing_saved(world, body):
    before = comments_count()
    with pytest.raises(service.CommentError):
        service.post_comment(world.member, world.ws, world.theme, body)
    assert comments_count() == before


def test_exactly_the_maximum_length_is_accepted(world):
    comment = service.post_comment(world.member, world.ws, world.theme, "y" * 5000)
    assert "y" * 5000 in comment.body


def test_anonymous_activity_stores_no_author_and_no_time_of_day(world, make):
    world.discussion.is_anonymous = True
    m = membership(world.member, world.ws)
    pending = service.post_comment(world.member, world.ws, world.discussion, "Nimetön", membership=m)
    assert isinstance(pending, ballot.Pending)
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 0
    for person in crowd(make, world.ws, 4, unit=world.big_unit):
        service.post_comment(person, world.ws, world.discussion, "Samaa mieltä")
    assert ballot.publish(world.ws, world.discussion.id) == 5
    db.session.expire_all()
    rows = db.session.execute(select(Comment.__table__)).mappings().all()
    assert {r["author_id"] for r in rows} == {None}
    assert {r["unit_id"] for r in rows} == {world.big_unit.id}  # five of them: a group of k
    assert len({r["created_at"] for r in rows}) == 1  # the publication time, for all of them
    first = membership(world.member, world.ws).first_contribution_at
    assert (first.hour, first.minute, first.second, first.microsecond) == (0, 0, 0, 0)
    # No column of the rows that points at a person is set.
    person_columns = [
        c.name
        for c in Comment.__table__.columns
        if any(fk.column.table.name == "user" for fk in c.foreign_keys)
    ]
    assert person_columns and all(row[name] is None for row in rows for name in person_columns)


def test_anonymous_comment_of_a_small_unit_keeps_no_unit(world, make):
    world.discussion.is_anonymous = True
    service.post_comment(
        world.member2, world.ws, world.discussion, "Pienestä yksiköstä", on_behalf_of_unit=True
    )
    for person in crowd(make, world.ws, 4):
        service.post_comment(person, world.ws, world.discussion, "Muut")
    assert ballot.publish(world.ws, world.discussion.id) == 5
    comment = db.session.scalar(select(Comment).where(Comment.body.contains("Pienestä")))
    assert comment.author_id is None and comment.unit_id is None
    assert comment.on_behalf_of_unit is False  # no unit to speak for


def test_on_behalf_of_unit_only_for_a_supervisor_with_a_unit(world):
    assert service.post_comment(
        world.member, world.ws, world.theme, "x", on_behalf_of_unit=True
    ).on_behalf_of_unit
    # A moderator is not a supervisor of a unit here.
    assert not service.post_comment(
        world.moderator, world.ws, world.theme, "x", on_behalf_of_unit=True
    ).on_behalf_of_unit


def test_edit_window(world, app):
    comment = service.post_comment(world.member, world.ws, world.theme, "Alkuperäinen")
    minutes = app.config["COMMENT_EDIT_MINUTES"]
    assert can_edit_comment(world.member, comment, now=comment.created_at + timedelta(minutes=minutes - 1))
    assert not can_edit_comment(
        world.member, comment, now=comment.created_at + timedelta(minutes=minutes + 1)
    )
    assert not can_edit_comment(world.member2, comment)
    service.edit_comment(world.member, comment, "Muokattu *teksti*")
    assert comment.body == "<p>Muokattu <em>teksti</em></p>" and comment.edited_at is not None
    # Expired: the thread offers no edit any more.
    comment.created_at = utcnow() - timedelta(minutes=minutes + 1)
    assert not service.thread(world.member, world.ws, world.theme)[0].can_edit


def test_edit_to_empty_is_refused(world):
    comment = service.post_comment(world.member, world.ws, world.theme, "Alkuperäinen")
    with pytest.raises(service.CommentError):
        service.edit_comment(world.member, comment, "  ")
    assert comment.body == "<p>Alkuperäinen</p>"


def test_withdrawn_comment_keeps_its_replies(world):
    top = service.post_comment(world.member, world.ws, world.theme, "Peruttava")
    service.post_comment(world.member2, world.ws, world.theme, "Vastaus", parent=top)
    service.withdraw_comment(world.member, top)
    assert top.withdrawn_at is not None and top.body  # soft: the text stays in the database
    thread = service.thread(world.member2, world.ws, world.theme)
    assert thread[0].is_withdrawn and len(thread[0].replies) == 1
    assert not thread[0].can_like and not thread[0].can_withdraw
    assert thread.count == 1


def test_like_once_and_unlike(world):
    comment = service.post_comment(world.member2, world.ws, world.theme, "Tykkää")
    assert service.set_like(world.member, comment, True) is True
    assert service.set_like(world.member, comment, True) is True
    assert service.like_count(comment) == 1
    entry = service.thread(world.member, world.ws, world.theme)[0]
    assert entry.likes == 1 and entry.liked and entry.can_like
    assert not service.thread(world.member2, world.ws, world.theme)[0].liked
    assert service.set_like(world.member, comment, False) is False
    assert service.like_count(comment) == 0


def test_a_like_racing_another_counts_once(world, monkeypatch):
    comment = service.post_comment(world.member2, world.ws, world.theme, "Kilpa")
    service.set_like(world.member, comment, True)
    # The other request inserted between our check and our insert: the check saw nothing.
    monkeypatch.setattr(db.session, "get", lambda *args, **kwargs: None)
    assert service.set_like(world.member, comment, True) is True
    monkeypatch.undo()
    assert service.like_count(comment) == 1
    # The transaction is still usable after the refused insert.
    service.post_comment(world.member, world.ws, world.theme, "Vielä toimii")
    assert db.session.scalar(select(func.count()).select_from(CommentLike)) == 1


def test_own_comment_cannot_be_liked(world):
    service.post_comment(world.member, world.ws, world.theme, "Oma")
    assert not service.thread(world.member, world.ws, world.theme)[0].can_like


def test_hidden_comments_only_for_moderators(world, make):
    visible = make.comment(world.theme, world.member)
    hidden = make.comment(world.theme, world.member2, hidden_at=utcnow(), hidden_reason="asiaton")
    make.comment(world.theme, world.member, parent=hidden)
    assert [e.id for e in service.thread(world.member, world.ws, world.theme)] == [visible.id]
    moderated = service.thread(world.moderator, world.ws, world.theme)
    assert [e.id for e in moderated] == [visible.id, hidden.id] and moderated[1].is_hidden
    with pytest.raises(NotFound):
        service.get_comment(world.member, world.ws, hidden.id)
    assert service.get_comment(world.moderator, world.ws, hidden.id) is hidden


def test_closed_activity_and_observer_cannot_post(world):
    world.discussion.status = ActivityStatus.CLOSED
    assert not service.thread(world.member, world.ws, world.discussion).can_post
    assert service.thread(world.member, world.ws, world.theme).can_post
    assert not service.thread(world.observer, world.ws, world.theme).can_post
    assert world.observer.role is Role.OBSERVER


def test_measure_counts_leave_out_hidden_and_withdrawn(world, make):
    make.comment(world.measure, world.member)
    make.comment(world.measure, world.member2)
    make.comment(world.measure, world.member, hidden_at=utcnow())
    make.comment(world.measure, world.member, withdrawn_at=utcnow())
    assert service.measure_counts(world.ws, [world.measure.id]) == {world.measure.id: 2}


def _fill(make, world, n):
    people = [world.member, world.member2, world.moderator]
    for i in range(n):
        top = make.comment(world.theme, people[i % 3])
        make.comment(world.theme, people[(i + 1) % 3], parent=top)
        make.comment(world.discussion, people[i % 3])
        make.comment(world.measure, people[i % 3])
        db.session.add(CommentLike(comment_id=top.id, user_id=people[(i + 2) % 3].id))
    db.session.flush()


@pytest.mark.parametrize("function", ["thread", "theme_discussion"])
def test_queries_do_not_grow_with_comments(world, make, count_queries, function):
    def run():
        db.session.expire_all()
        # What the page has loaded already: the workspace, the theme with its activities, the reader.
        _loaded = (world.ws.min_group_size, world.member.role, world.member.unit_id, world.theme.title)
        _loaded = [(a.kind, a.status) for a in world.theme.activities], list(world.theme.measures)
        with count_queries() as counted:
            result = _read()
        return result, counted

    def _read():
        if function == "thread":
            result = service.thread(world.member, world.ws, world.theme)
            [(e.comment.author, e.comment.unit, [r.comment.author for r in e.replies]) for e in result]
        else:
            result = service.theme_discussion(world.member, world.ws, world.theme)
            [(e.comment.author, e.comment.unit) for e in result.theme]
        return result

    _fill(make, world, 5)
    run()  # warm the per-request membership cache
    _result, few = run()
    _fill(make, world, 45)
    result, many = run()
    # theme_discussion: every comment's plain values (counts), the previews' comments, likes, measures.
    assert len(few) == len(many) <= (2 if function == "thread" else 4), many
    if function == "thread":
        # One page of threads is shown (the newest), the count covers them all.
        assert len(result) == service.PAGE_SIZE and result.pages == 3 and result.count == 100
    else:
        # A preview: the newest threads with their replies; the counts cover them all.
        assert len(result.theme) == service.PREVIEW_SIZE and result.theme.more
        assert result.theme.threads == 50 and result.theme.count == 100
        assert all(len(e.replies) == 1 for e in result.theme)


def test_a_long_thread_comes_a_page_at_a_time_newest_first(world, make):
    tops = [make.comment(world.theme, world.member2) for _ in range(service.PAGE_SIZE + 5)]
    newest = service.thread(world.member, world.ws, world.theme)
    earlier = service.thread(world.member, world.ws, world.theme, page=2)
    assert [e.comment for e in newest] == tops[5:] and newest.page == 1 and newest.pages == 2
    assert [e.comment for e in earlier] == tops[:5] and earlier.page == 2
    assert newest.count == earlier.count == service.PAGE_SIZE + 5
    assert service.thread(world.member, world.ws, world.theme, page=99).page == 2


def test_requested_page_reads_only_a_well_formed_query():
    assert service.requested_page({"thread": "theme-5", "page": "2"}) == ("theme", 5, 2)
    for bad in (
        {"thread": "user-5", "page": "2"},
        {"thread": "theme-x", "page": "2"},
        {"thread": "theme-5", "page": "0"},
        {"thread": "theme-5", "page": "-1"},
        {},
    ):
        assert service.requested_page(bad) is None
    assert service.page_for(("theme", 5, 2), "theme", 5) == 2
    assert service.page_for(("theme", 5, 2), "activity", 5) == 1
