"""The idea workflow: decisions emailed to the author, merging duplicates, promoting to a measure."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ideaspace.ideas.service import IdeaError
from ideaspace.models import AuditLog, Comment, IdeaStatus, IdeaSupport, Measure, MeasureStatus, utcnow
from ideaspace.moderation import workflow
from ideaspace.moderation.service import ModerationError
from ideaspace.outbox import drain

from .conftest import text_of


def actions(session):
    """Actions written by this test (other test modules commit theirs for real)."""
    return list(
        session.scalars(
            select(AuditLog.action).where(AuditLog.workspace_id.is_not(None)).order_by(AuditLog.id)
        )
    )


def supporters(session, idea):
    return set(session.scalars(select(IdeaSupport.user_id).where(IdeaSupport.idea_id == idea.id)))


# --- deciding and telling the author -------------------------------------------------------------


def test_decisions_follow_the_transitions_and_need_public_reasons(world, session):
    with pytest.raises(IdeaError):
        workflow.decide(world.moderator, world.idea, IdeaStatus.ACCEPTED, "Too early")  # new → accepted
    workflow.decide(world.moderator, world.idea, IdeaStatus.UNDER_REVIEW, None)
    with pytest.raises(IdeaError) as error:
        workflow.decide(world.moderator, world.idea, IdeaStatus.NOT_TAKEN, "   ")
    assert error.value.field == "reason"
    with pytest.raises(IdeaError):
        workflow.decide(world.moderator, world.idea, IdeaStatus.MERGED, "Use the merge form")
    workflow.decide(world.moderator, world.idea, IdeaStatus.ACCEPTED, "Good for everyone")
    assert world.idea.status is IdeaStatus.ACCEPTED and world.idea.status_reason == "Good for everyone"
    assert [c.to_status for c in world.idea.history] == [IdeaStatus.UNDER_REVIEW, IdeaStatus.ACCEPTED]
    assert actions(session) == ["idea.status_changed", "idea.status_changed"]


def test_the_author_is_emailed_in_their_own_language(world, smtp, app):
    workflow.decide(world.moderator, world.idea, IdeaStatus.UNDER_REVIEW, "Vi tittar på kostnaderna")
    assert workflow.notify_author(world.idea, world.ws) is True
    drain()
    message = smtp.to("aino@example.fi")
    assert message["Content-Language"] == "sv"  # the author chose Swedish
    text = text_of(message)
    assert "Ideatynnyrin idea" in text and "Vi tittar på kostnaderna" in text
    assert f"/w/{world.ws.slug}/ideas/{world.idea.id}" in text


def test_the_mail_of_a_merge_names_the_kept_idea(world, make, smtp):
    world.author.locale = "en"
    kept = make.idea(world.ws, world.member, title="The kept idea")
    workflow.decide(world.moderator, world.idea, IdeaStatus.UNDER_REVIEW, None)
    workflow.merge(world.moderator, world.idea, kept, f"Same as no. {kept.id}")
    assert workflow.notify_author(world.idea, world.ws, kept) is True
    drain()
    text = text_of(smtp.to("aino@example.fi"))
    assert "Merged" in text and "The kept idea" in text and f"/ideas/{kept.id}" in text


def test_nobody_is_emailed_for_an_anonymous_idea_or_a_closed_account(world, make, smtp):
    anonymous = make.idea(world.ws, None)
    workflow.decide(world.moderator, anonymous, IdeaStatus.UNDER_REVIEW, "Looking")
    assert workflow.notify_author(anonymous, world.ws) is None
    world.author.is_active_account = False
    assert workflow.notify_author(world.idea, world.ws) is None
    drain()
    assert smtp.messages == []


# --- merging -----------------------------------------------------------------------------------


def test_merge_moves_supporters_once_and_comments_and_points_to_the_kept_idea(world, make, session):
    kept = make.idea(world.ws, world.member, title="Kept")
    both, only_dup, only_kept = world.member2, world.moderator, world.member
    for user in (both, only_dup):
        make.idea_support(world.idea, user)
    for user in (both, only_kept):
        make.idea_support(kept, user)
    comment = make.comment(world.idea, world.member)
    reply = make.comment(world.idea, world.author, parent=comment)
    workflow.decide(world.moderator, world.idea, IdeaStatus.UNDER_REVIEW, None)
    result = workflow.merge(world.moderator, world.idea, kept, "Duplicate of Kept")
    assert (result.supporters_moved, result.supporters_already_there, result.comments_moved) == (1, 1, 2)
    assert supporters(session, kept) == {both.id, only_dup.id, only_kept.id}  # the person in both counts once
    assert supporters(session, world.idea) == set()
    session.expire_all()
    assert (
        session.get(Comment, comment.id).idea_id == kept.id
        and session.get(Comment, reply.id).idea_id == kept.id
    )
    assert world.idea.status is IdeaStatus.MERGED and world.idea.merged_into_id == kept.id
    assert world.idea.status_reason == "Duplicate of Kept"
    assert actions(session)[-2:] == ["idea.status_changed", "idea.merged"]
    entry = session.scalar(
        select(AuditLog).where(AuditLog.action == "idea.merged", AuditLog.object_id == world.idea.id)
    )
    assert entry.details == {
        "kept_idea": kept.id,
        "supporters_moved": 1,
        "supporters_already_there": 1,
        "comments_moved": 2,
    }


def test_merge_refuses_bad_targets_and_changes_nothing(world, make, session):
    make.idea_support(world.idea, world.member)
    workflow.decide(world.moderator, world.idea, IdeaStatus.UNDER_REVIEW, None)
    merged = make.idea(world.ws, status=IdeaStatus.MERGED)
    hidden = make.idea(world.ws, hidden_at=utcnow(), hidden_reason="x")
    for target in (None, world.idea, world.other_idea, merged, hidden):
        with pytest.raises(IdeaError) as error:
            workflow.merge(world.moderator, world.idea, target, "Duplicate")
        assert error.value.field == "merged_into"
    with pytest.raises(IdeaError) as error:
        workflow.merge(world.moderator, world.idea, make.idea(world.ws), "")
    assert error.value.field == "reason"
    assert world.idea.status is IdeaStatus.UNDER_REVIEW and supporters(session, world.idea) == {
        world.member.id
    }


@pytest.mark.parametrize("final", [IdeaStatus.ACCEPTED, IdeaStatus.MERGED])
def test_a_decided_idea_is_not_merged(world, make, final):
    idea = make.idea(world.ws, status=final)
    with pytest.raises(IdeaError):
        workflow.merge(world.moderator, idea, make.idea(world.ws), "Duplicate")
    assert idea.status is final


@pytest.mark.parametrize("start", [IdeaStatus.NEW, IdeaStatus.UNDER_REVIEW, IdeaStatus.NOT_TAKEN])
def test_an_undecided_idea_is_merged_from_any_state(world, make, start):
    idea, kept = make.idea(world.ws, status=start), make.idea(world.ws)
    workflow.merge(world.moderator, idea, kept, "Duplicate")
    assert idea.status is IdeaStatus.MERGED and idea.merged_into_id == kept.id


def test_merge_candidates(world, make):
    merged = make.idea(world.ws, status=IdeaStatus.MERGED)
    hidden = make.idea(world.ws, hidden_at=utcnow())
    fine = make.idea(world.ws, status=IdeaStatus.ACCEPTED)
    ids = [i.id for i in workflow.merge_candidates(world.idea)]
    assert fine.id in ids and world.idea.id not in ids and merged.id not in ids and hidden.id not in ids
    assert world.other_idea.id not in ids


# --- promoting ---------------------------------------------------------------------------------


def accept(world, idea):
    workflow.decide(world.moderator, idea, IdeaStatus.UNDER_REVIEW, None)
    workflow.decide(world.moderator, idea, IdeaStatus.ACCEPTED, "Yes")


def test_promote_makes_a_measure_that_remembers_the_idea(world, session):
    accept(world, world.idea)
    measure = workflow.promote(
        world.moderator,
        world.ws,
        world.idea,
        world.theme,
        text={"fi": "Uusi toimenpide"},
        goal={},
        schedule={"fi": "2024–"},
        responsible={},
        status=MeasureStatus.PROPOSED,
    )
    assert measure.origin_idea_id == world.idea.id and measure.theme_id == world.theme.id
    assert measure.status is MeasureStatus.PROPOSED and measure.text == {"fi": "Uusi toimenpide"}
    assert workflow.measures_from(world.idea) == [measure]
    assert actions(session)[-2:] == ["measure.create", "idea.promoted"]
    with pytest.raises(ModerationError):  # once only
        workflow.promote(world.moderator, world.ws, world.idea, world.theme, text={"fi": "Toinen"})


def test_promote_refuses_what_is_not_accepted_or_another_workspace_theme(world, session):
    with pytest.raises(ModerationError):
        workflow.promote(world.moderator, world.ws, world.idea, world.theme, text={"fi": "X"})
    accept(world, world.idea)
    with pytest.raises(ModerationError) as error:
        workflow.promote(world.moderator, world.ws, world.idea, world.other_theme, text={"fi": "X"})
    assert error.value.field == "theme_id"
    with pytest.raises(ModerationError) as error:
        workflow.promote(world.moderator, world.ws, world.idea, world.theme, text={})
    assert error.value.field == "text"
    with pytest.raises(ModerationError):
        workflow.promote(
            world.moderator, world.ws, world.idea, world.theme, text={"fi": "X"}, status=MeasureStatus.DROPPED
        )
    assert session.scalar(select(func.count(Measure.id))) == 0


def test_promote_defaults_come_from_the_idea(world):
    defaults = workflow.promote_defaults(world.idea, world.ws)
    assert defaults["text"] == {"fi": "Ideatynnyrin idea"}
    assert "Idean kuvaus" in defaults["goal"]["fi"] and "<" not in defaults["goal"]["fi"]
