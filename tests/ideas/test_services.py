"""The idea barrel's operations, called directly."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from ideaspace.ballot import service as ballot
from ideaspace.ideas import service
from ideaspace.models import (
    ActivityKind,
    ActivityStatus,
    AuditLog,
    Comment,
    Idea,
    IdeaStatus,
    IdeaStatusChange,
    IdeaSupport,
    Membership,
    WorkspaceStatus,
    utcnow,
)
from tests.crowd import crowd


def _membership(session, ws, user):
    return session.scalar(
        select(Membership).where(Membership.workspace_id == ws.id, Membership.user_id == user.id)
    )


# --- submitting ------------------------------------------------------------------------------


def test_submit_stores_author_unit_and_sanitized_body(barrel, session):
    idea = service.submit_idea(
        barrel.member,
        barrel.ws,
        title="  Mentoring for new supervisors ",
        body='Pair each new supervisor with a mentor.<script>alert("x")</script> **now** <b onclick="x()">',
        theme=barrel.theme,
    )
    session.refresh(idea)
    assert idea.title == "Mentoring for new supervisors"
    assert idea.author_id == barrel.member.id and idea.unit_id == barrel.unit.id
    # The body is Markdown: typed tags are shown as text, never as markup.
    assert "<script" not in idea.body and "<b " not in idea.body and "<strong>now</strong>" in idea.body
    assert "&lt;script&gt;" in idea.body
    assert idea.theme_id == barrel.theme.id and idea.status is IdeaStatus.NEW
    assert idea.created_at.time() != time(0) or idea.created_at > utcnow() - timedelta(minutes=1)
    assert _membership(session, barrel.ws, barrel.member).first_contribution_at is not None


def test_submit_without_theme_follows_the_general_collection(barrel):
    idea = service.submit_idea(barrel.member, barrel.ws, title="Idea", body="Text")
    assert idea.theme_id is None and idea.author_id == barrel.member.id


@pytest.mark.parametrize(
    ("title", "body", "field"),
    [
        ("", "Body", "title"),
        ("ab", "Body", "title"),
        ("x" * 201, "Body", "title"),
        ("Title", "", "body"),
        ("Title", "   \n ", "body"),
        ("Title", ">\n\n- \n\n> -", "body"),  # Markdown with no visible text
        ("Title", "x" * 5001, "body"),
    ],
)
def test_submit_refuses_bad_text(barrel, session, title, body, field):
    with pytest.raises(service.IdeaError) as error:
        service.submit_idea(barrel.member, barrel.ws, title=title, body=body)
    assert error.value.field == field
    assert session.scalar(select(func.count(Idea.id))) == 0


def test_limits_are_inclusive(barrel):
    idea = service.submit_idea(barrel.member, barrel.ws, title="abc", body="x" * 5000)
    assert idea.id and len(idea.title) == 3
    assert service.submit_idea(barrel.member, barrel.ws, title="t" * 200, body="y").id


def test_submit_refuses_a_theme_of_another_workspace(barrel, other_ws, session):
    with pytest.raises(service.IdeaError) as error:
        service.submit_idea(barrel.member, barrel.ws, title="Idea", body="Text", theme=other_ws.theme)
    assert error.value.field == "theme_id"
    assert session.scalar(select(func.count(Idea.id)).where(Idea.workspace_id == barrel.ws.id)) == 0


def test_submit_refuses_when_the_collection_is_closed(barrel, session):
    barrel.activity.status = ActivityStatus.CLOSED
    session.flush()
    with pytest.raises(service.IdeaError):
        service.submit_idea(barrel.member, barrel.ws, title="Idea", body="Text")


def test_a_theme_with_its_own_closed_collection_refuses_while_another_is_open(barrel, make, session):
    closed = make.activity(barrel.other_theme, kind=ActivityKind.IDEAS, status=ActivityStatus.CLOSED)
    assert closed.id
    with pytest.raises(service.IdeaError) as error:
        service.submit_idea(barrel.member, barrel.ws, title="Idea", body="Text", theme=barrel.other_theme)
    assert error.value.field == "theme_id"
    # Without a theme, the open collection takes it.
    assert service.submit_idea(barrel.member, barrel.ws, title="Idea", body="Text").id


def test_a_workspace_without_collection_takes_no_ideas(make):
    ws = make.workspace()
    make.theme(ws)
    user = make.user()
    make.member(ws, user)
    with pytest.raises(service.IdeaError):
        service.submit_idea(user, ws, title="Idea", body="Text")


# --- anonymity -------------------------------------------------------------------------------


def test_anonymous_idea_stores_no_author_no_small_unit_and_no_time(barrel, session, make):
    barrel.activity.is_anonymous = True
    session.flush()
    pending = service.submit_idea(
        barrel.member, barrel.ws, title="Secret idea", body="Text", theme=barrel.theme
    )
    assert isinstance(pending, ballot.Pending)
    assert session.scalar(select(func.count()).select_from(Idea)) == 0  # sealed until k people
    # The funnel counts the contribution at once.
    assert _membership(session, barrel.ws, barrel.member).first_contribution_at is not None
    for person in crowd(make, barrel.ws, 4):
        service.submit_idea(person, barrel.ws, title="Another idea", body="Text")
    assert ballot.publish(barrel.ws, None) == 5
    session.expire_all()
    row = session.scalar(select(Idea).where(Idea.title == "Secret idea"))
    assert row.author_id is None and row.theme_id == barrel.theme.id
    assert row.unit_id is None  # the unit has 2 people, below the minimum group size of 5
    assert len(set(session.scalars(select(Idea.created_at)))) == 1  # the publication time
    # Nothing else in the database leads from the person to the idea.
    assert session.scalar(select(func.count()).select_from(IdeaStatusChange)) == 0
    assert (
        session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.object_type == "idea")) == 0
    )
    assert session.scalar(select(func.count(Idea.id)).where(Idea.author_id == barrel.member.id)) == 0


def test_anonymous_ideas_keep_a_unit_only_for_k_people_of_it(barrel, make, session):
    barrel.activity.is_anonymous = True
    for person in [barrel.member, *crowd(make, barrel.ws, 4, unit=barrel.unit)]:
        service.submit_idea(person, barrel.ws, title="Secret idea", body="Text")
    assert ballot.publish(barrel.ws, None) == 5
    assert set(session.scalars(select(Idea.unit_id))) == {barrel.unit.id}


def test_a_theme_with_an_anonymous_collection_makes_its_ideas_anonymous(barrel, make):
    make.activity(barrel.other_theme, kind=ActivityKind.IDEAS, is_anonymous=True)
    named = service.submit_idea(barrel.member, barrel.ws, title="Named", body="Text", theme=barrel.theme)
    hidden = service.submit_idea(
        barrel.member, barrel.ws, title="Anon", body="Text", theme=barrel.other_theme
    )
    assert named.author_id == barrel.member.id
    assert isinstance(hidden, ballot.Pending)
    collections = service.barrel(barrel.ws)
    assert collections.anonymous_theme_ids(barrel.ws, [barrel.theme.id, barrel.other_theme.id]) == {
        barrel.other_theme.id
    }


# --- supporting ------------------------------------------------------------------------------


def _supports(session, idea):
    return session.scalar(select(func.count()).select_from(IdeaSupport).where(IdeaSupport.idea_id == idea.id))


def test_support_once_even_when_asked_twice(barrel, make, session):
    idea = make.idea(barrel.ws, author=barrel.other_member)
    assert service.support(barrel.member, idea, barrel.ws) is True
    assert service.support(barrel.member, idea, barrel.ws) is False  # the primary key refuses the second
    assert _supports(session, idea) == 1
    # The savepoint kept the transaction usable after the refused insert.
    assert session.scalar(select(func.count(Idea.id)).where(Idea.id == idea.id)) == 1
    assert _membership(session, barrel.ws, barrel.member).first_contribution_at is not None


def test_support_counts_each_person(barrel, make, session):
    idea = make.idea(barrel.ws)
    service.support(barrel.member, idea, barrel.ws)
    service.support(barrel.other_member, idea, barrel.ws)
    assert _supports(session, idea) == 2
    assert service.idea_counts(idea, barrel.member).supports == 2
    assert service.idea_counts(idea, barrel.member).supported is True
    assert service.idea_counts(idea, barrel.outsider).supported is False


def test_withdraw_support(barrel, make, session):
    idea = make.idea(barrel.ws)
    service.support(barrel.member, idea, barrel.ws)
    assert service.support(barrel.member, idea, barrel.ws, supported=False) is True
    assert service.support(barrel.member, idea, barrel.ws, supported=False) is False
    assert _supports(session, idea) == 0


def test_cannot_support_a_hidden_idea_or_one_of_another_workspace(barrel, make, other_ws, session):
    hidden = make.idea(barrel.ws, hidden_at=utcnow(), hidden_reason="Off topic")
    with pytest.raises(NotFound):
        service.support(barrel.member, hidden, barrel.ws)
    with pytest.raises(NotFound):
        service.support(barrel.member, other_ws.idea, barrel.ws)
    assert session.scalar(select(func.count()).select_from(IdeaSupport)) == 0


# --- listing, searching, sorting -------------------------------------------------------------


def test_search_is_case_insensitive_and_treats_wildcards_literally(barrel, make):
    make.idea(barrel.ws, title="100% remote Fridays", body="<p>plain</p>")
    make.idea(barrel.ws, title="100 percent", body="<p>plain</p>")
    make.idea(barrel.ws, title="snake_case names", body="<p>plain</p>")
    make.idea(barrel.ws, title="snakeXcase names", body="<p>plain</p>")
    make.idea(barrel.ws, title="Other", body="<p>Back\\slash in the BODY</p>")

    def titles(term):
        return sorted(r.idea.title for r in service.list_ideas(barrel.member, barrel.ws, search=term).rows)

    assert titles("%") == ["100% remote Fridays"]
    assert titles("0% r") == ["100% remote Fridays"]
    assert titles("e_c") == ["snake_case names"]
    assert titles("REMOTE") == ["100% remote Fridays"]
    assert titles("body") == ["Other"]
    assert titles("k\\s") == ["Other"]
    assert len(titles("")) == 5


def test_sort_by_support_and_newest(barrel, make, session):
    old = make.idea(barrel.ws, title="old", created_at=utcnow() - timedelta(days=3))
    mid = make.idea(barrel.ws, title="mid", created_at=utcnow() - timedelta(days=2))
    new = make.idea(barrel.ws, title="new", created_at=utcnow() - timedelta(days=1))
    for user in (barrel.member, barrel.other_member, barrel.moderator):
        make.idea_support(old, user)
    make.idea_support(new, barrel.member)
    by_support = service.list_ideas(barrel.member, barrel.ws, sort="supported").rows
    assert [(r.idea.title, r.supports) for r in by_support] == [("old", 3), ("new", 1), ("mid", 0)]
    assert [r.supported for r in by_support] == [True, True, False]
    newest = service.list_ideas(barrel.member, barrel.ws, sort="newest").rows
    assert [r.idea.title for r in newest] == ["new", "mid", "old"]
    assert mid.id


def test_filters_hidden_comments_and_pages(barrel, make, session, other_ws):
    on_theme = make.idea(barrel.ws, theme=barrel.theme, status=IdeaStatus.UNDER_REVIEW)
    make.idea(barrel.ws, hidden_at=utcnow())
    for _ in range(21):
        make.idea(barrel.ws, theme=barrel.other_theme)
    for hidden, withdrawn in ((None, None), (None, None), (utcnow(), None), (None, utcnow())):
        session.add(
            Comment(
                workspace_id=barrel.ws.id,
                idea_id=on_theme.id,
                body="<p>c</p>",
                hidden_at=hidden,
                withdrawn_at=withdrawn,
            )
        )
    session.flush()
    listing = service.list_ideas(barrel.member, barrel.ws, theme_id=barrel.theme.id)
    assert [(r.idea.id, r.comments) for r in listing.rows] == [(on_theme.id, 2)]
    assert service.list_ideas(barrel.member, barrel.ws, status=IdeaStatus.UNDER_REVIEW).total == 1
    everything = service.list_ideas(barrel.member, barrel.ws)
    assert everything.total == 22 and everything.pages == 2 and len(everything.rows) == 20
    assert other_ws.idea.id not in {r.idea.id for r in everything.rows}
    second = service.list_ideas(barrel.member, barrel.ws, page=2)
    assert len(second.rows) == 2 and second.has_previous and not second.has_next
    assert service.list_ideas(barrel.member, barrel.ws, page=99).page == 2
    assert service.list_ideas(barrel.moderator, barrel.ws, include_hidden=True).total == 23


def test_for_theme_only_with_an_idea_collection(barrel, make):
    make.idea(barrel.ws, theme=barrel.theme)
    latest = service.for_theme(barrel.member, barrel.ws, barrel.theme)
    assert latest.total == 1 and len(latest.rows) == 1
    assert service.for_theme(barrel.member, barrel.ws, barrel.other_theme) is None


def test_has_collection(barrel, make):
    assert service.has_collection(barrel.ws)
    ws = make.workspace()
    make.activity(make.theme(ws), kind=ActivityKind.IDEAS, status=ActivityStatus.DRAFT)
    assert not service.has_collection(ws)


# --- status changes --------------------------------------------------------------------------


def test_change_status_records_history_audit_and_public_reason(barrel, make, session):
    idea = make.idea(barrel.ws, author=barrel.member)
    service.change_status(barrel.moderator, idea, IdeaStatus.UNDER_REVIEW, "")
    service.change_status(barrel.moderator, idea, IdeaStatus.ACCEPTED, "Becomes a measure in theme 2.")
    session.expire_all()
    idea = session.get(Idea, idea.id)
    assert idea.status is IdeaStatus.ACCEPTED and idea.status_reason == "Becomes a measure in theme 2."
    assert [(c.from_status, c.to_status, c.changed_by_id) for c in idea.history] == [
        (IdeaStatus.NEW, IdeaStatus.UNDER_REVIEW, barrel.moderator.id),
        (IdeaStatus.UNDER_REVIEW, IdeaStatus.ACCEPTED, barrel.moderator.id),
    ]
    logs = session.scalars(
        select(AuditLog).where(AuditLog.object_type == "idea", AuditLog.object_id == idea.id)
    ).all()
    assert [log.details["to_status"] for log in logs] == ["under_review", "accepted"]
    assert logs[1].reason == "Becomes a measure in theme 2." and logs[1].actor_id == barrel.moderator.id


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (IdeaStatus.NEW, IdeaStatus.ACCEPTED),
        (IdeaStatus.NEW, IdeaStatus.NOT_TAKEN),
        (IdeaStatus.NEW, IdeaStatus.NEW),
        (IdeaStatus.UNDER_REVIEW, IdeaStatus.NEW),
        (IdeaStatus.ACCEPTED, IdeaStatus.UNDER_REVIEW),
        (IdeaStatus.MERGED, IdeaStatus.ACCEPTED),
    ],
)
def test_change_status_refuses_other_transitions(barrel, make, session, start, target):
    idea = make.idea(barrel.ws, status=start)
    with pytest.raises(service.IdeaError) as error:
        service.change_status(barrel.moderator, idea, target, "A reason")
    assert error.value.field == "status"
    assert idea.status is start
    assert session.scalar(select(func.count()).select_from(IdeaStatusChange)) == 0


@pytest.mark.parametrize("target", [IdeaStatus.ACCEPTED, IdeaStatus.NOT_TAKEN, IdeaStatus.MERGED])
def test_final_statuses_need_a_reason(barrel, make, target):
    idea = make.idea(barrel.ws, status=IdeaStatus.UNDER_REVIEW)
    with pytest.raises(service.IdeaError) as error:
        service.change_status(barrel.moderator, idea, target, "  ", merged_into=make.idea(barrel.ws))
    assert error.value.field == "reason"


def test_declined_idea_can_be_reconsidered(barrel, make):
    idea = make.idea(barrel.ws, status=IdeaStatus.NOT_TAKEN, status_reason="No budget")
    service.change_status(barrel.moderator, idea, IdeaStatus.UNDER_REVIEW, None)
    assert idea.status is IdeaStatus.UNDER_REVIEW and idea.status_reason is None


def test_merge_needs_another_idea_of_the_same_workspace(barrel, make, other_ws):
    idea = make.idea(barrel.ws, status=IdeaStatus.UNDER_REVIEW)
    for target in (None, idea, other_ws.idea, make.idea(barrel.ws, status=IdeaStatus.MERGED)):
        with pytest.raises(service.IdeaError) as error:
            service.change_status(
                barrel.moderator, idea, IdeaStatus.MERGED, "Same as another", merged_into=target
            )
        assert error.value.field == "merged_into"
    target = make.idea(barrel.ws)
    service.change_status(barrel.moderator, idea, IdeaStatus.MERGED, "Same as another", merged_into=target)
    assert idea.status is IdeaStatus.MERGED and idea.merged_into_id == target.id


def test_workspace_status_does_not_block_moderation(barrel, make, session):
    barrel.ws.status = WorkspaceStatus.CLOSED
    idea = make.idea(barrel.ws)
    service.change_status(barrel.moderator, idea, IdeaStatus.UNDER_REVIEW, None)
    assert idea.status is IdeaStatus.UNDER_REVIEW
