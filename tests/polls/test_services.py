"""Answering, changing, refusing, results and their visibility, called directly."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from ideaspace.models import (
    ActivityKind,
    ActivityStatus,
    Answer,
    AnswerChoice,
    Membership,
    Respondent,
    ResultsVisibility,
    Role,
    WorkspaceStatus,
)
from ideaspace.models.ballot import Ballot
from ideaspace.polls import service
from ideaspace.polls.results import results_for

from .conftest import fill, fill_counts


def count(session, model, **where):
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return session.scalar(query)


def membership(session, world, user):
    return session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.workspace_id == world.workspace.id)
    )


def opt(activity, i):
    return activity.options[i].id


# --- answering ---------------------------------------------------------------------------------


def test_a_single_choice_answer_stores_the_answer_and_that_the_person_answered(session, world):
    m = membership(session, world, world.member)
    assert m.first_contribution_at is None
    answer = service.answer(world.member, world.workspace, world.single, m, option_ids=[opt(world.single, 1)])
    assert [c.option_id for c in answer.choices] == [opt(world.single, 1)]
    record = session.get(Respondent, (world.single.id, world.member.id))
    assert record is not None
    assert record.answer_key == answer.key  # named and changeable: the person can change it
    assert m.first_contribution_at is not None


def test_the_first_contribution_is_not_overwritten_by_later_answers(session, world):
    m = membership(session, world, world.member)
    service.answer(world.member, world.workspace, world.single, m, option_ids=[opt(world.single, 0)])
    first = m.first_contribution_at
    service.answer(world.member, world.workspace, world.scale, m, scale_value=7)
    assert m.first_contribution_at == first


def test_answering_twice_is_refused_and_counts_once(session, world):
    world.single.answers_changeable = False
    service.answer(world.member, world.workspace, world.single, None, option_ids=[opt(world.single, 0)])
    with pytest.raises(service.AlreadyAnswered):
        service.answer(world.member, world.workspace, world.single, None, option_ids=[opt(world.single, 1)])
    with pytest.raises(service.AlreadyAnswered):
        service.submit(world.member, world.workspace, world.single, None, option_ids=[opt(world.single, 1)])
    assert count(session, Answer, activity_id=world.single.id) == 1
    assert count(session, Respondent, activity_id=world.single.id) == 1
    assert results_for([world.single])[world.single.id].rows[0].count == 1


@pytest.mark.parametrize("poll", ["single", "anonymous"])  # named and linked (answer first), anonymous
def test_the_respondent_primary_key_stops_a_second_answer_that_slipped_past_the_check(
    session, world, monkeypatch, poll
):
    activity = getattr(world, poll)
    service.answer(world.member, world.workspace, activity, None, option_ids=[opt(activity, 0)])
    # As in a race: the second request did not see the first one's respondent row.
    monkeypatch.setattr(service, "respondent", lambda user, activity: None)
    with pytest.raises(service.AlreadyAnswered):
        service.answer(world.member, world.workspace, activity, None, option_ids=[opt(activity, 1)])
    if activity.is_anonymous:  # sealed in the ballot box until k people have answered
        assert count(session, Ballot, activity_id=activity.id) == 1
    else:
        assert count(session, Answer, activity_id=activity.id) == 1
    assert count(session, AnswerChoice, option_id=opt(activity, 1)) == 0
    # Nothing failed in the database: the transaction carries on.
    assert count(session, Respondent, activity_id=activity.id) == 1


def test_a_changeable_answer_is_replaced_not_added(session, world):
    first, is_first = service.submit(
        world.member, world.workspace, world.multiple, None, option_ids=[opt(world.multiple, 0)]
    )
    assert is_first
    changed, is_first = service.submit(
        world.member,
        world.workspace,
        world.multiple,
        None,
        option_ids=[opt(world.multiple, 2), opt(world.multiple, 3)],
    )
    assert not is_first and changed.key == first.key
    assert count(session, Answer, activity_id=world.multiple.id) == 1
    counts = [row.count for row in results_for([world.multiple])[world.multiple.id].rows]
    assert counts == [0, 0, 1, 1]


def test_a_scale_answer_can_be_changed(session, world):
    service.submit(world.member, world.workspace, world.scale, None, scale_value=3)
    service.submit(world.member, world.workspace, world.scale, None, scale_value=9)
    result = results_for([world.scale])[world.scale.id]
    assert result.answers == 1 and result.rows[9].count == 1 and result.rows[3].count == 0


def test_an_answer_marked_final_cannot_be_changed(session, world):
    world.single.answers_changeable = False
    service.answer(world.member, world.workspace, world.single, None, option_ids=[opt(world.single, 0)])
    assert session.get(Respondent, (world.single.id, world.member.id)).answer_key is None
    with pytest.raises(service.AnswerRefused, match="cannot be changed"):
        service.change_answer(world.member, world.workspace, world.single, option_ids=[opt(world.single, 1)])


def test_an_anonymous_answer_cannot_be_changed(session, world):
    service.answer(world.member, world.workspace, world.anonymous, None, option_ids=[opt(world.anonymous, 0)])
    with pytest.raises(service.AnswerRefused, match="Anonymous"):
        service.submit(
            world.member, world.workspace, world.anonymous, None, option_ids=[opt(world.anonymous, 1)]
        )
    assert count(session, AnswerChoice, option_id=opt(world.anonymous, 1)) == 0


@pytest.mark.parametrize(
    ("which", "choose", "message"),
    [
        ("single", lambda w: [], "Choose an option"),
        ("single", lambda w: [w.other_activity.options[0].id], "not part of this poll"),
        ("single", lambda w: [w.multiple.options[0].id], "not part of this poll"),
        ("single", lambda w: [opt(w.single, 0), opt(w.single, 1)], "only one"),
        ("multiple", lambda w: [opt(w.multiple, 0), opt(w.multiple, 1), opt(w.multiple, 2)], "at most 2"),
    ],
)
def test_bad_choices_are_refused_and_nothing_is_saved(session, world, which, choose, message):
    activity = getattr(world, which)
    with pytest.raises(service.AnswerRefused, match=message):
        service.answer(world.member, world.workspace, activity, None, option_ids=choose(world))
    assert count(session, Answer) == 0 and count(session, Respondent) == 0


def test_choosing_the_same_option_twice_counts_it_once(session, world):
    answer = service.answer(
        world.member,
        world.workspace,
        world.multiple,
        None,
        option_ids=[opt(world.multiple, 0), opt(world.multiple, 0)],
    )
    assert len(answer.choices) == 1


@pytest.mark.parametrize("value", [None, -1, 11, 100])
def test_scale_values_outside_0_to_10_are_refused(session, world, value):
    with pytest.raises(service.AnswerRefused):
        service.answer(world.member, world.workspace, world.scale, None, scale_value=value)
    assert count(session, Answer) == 0


@pytest.mark.parametrize("value", [0, 10])
def test_scale_accepts_both_ends(session, world, value):
    answer = service.answer(world.member, world.workspace, world.scale, None, scale_value=value)
    assert answer.scale_value == value and answer.choices == []


@pytest.mark.parametrize(
    ("activity_status", "workspace_status"),
    [
        (ActivityStatus.CLOSED, WorkspaceStatus.OPEN),
        (ActivityStatus.DRAFT, WorkspaceStatus.OPEN),
        (ActivityStatus.OPEN, WorkspaceStatus.CLOSED),
        (ActivityStatus.OPEN, WorkspaceStatus.DRAFT),
        (ActivityStatus.OPEN, WorkspaceStatus.ARCHIVED),
    ],
)
def test_only_open_activities_in_open_workspaces_take_answers(
    session, world, activity_status, workspace_status
):
    world.single.status = activity_status
    world.workspace.status = workspace_status
    assert service.refusal(world.member, world.workspace, world.single)
    with pytest.raises(service.AnswerRefused, match="not open"):
        service.answer(world.member, world.workspace, world.single, None, option_ids=[opt(world.single, 0)])
    assert count(session, Answer) == 0


def test_observers_and_outsiders_cannot_answer(session, world):
    for person in (world.observer, world.outsider):
        with pytest.raises(service.AnswerRefused):
            service.answer(person, world.workspace, world.single, None, option_ids=[opt(world.single, 0)])
    assert count(session, Answer) == 0


def test_an_answer_can_not_be_changed_once_the_activity_closes(session, world):
    service.answer(world.member, world.workspace, world.single, None, option_ids=[opt(world.single, 0)])
    world.single.status = ActivityStatus.CLOSED
    with pytest.raises(service.AnswerRefused, match="not open"):
        service.change_answer(world.member, world.workspace, world.single, option_ids=[opt(world.single, 1)])


def test_the_unit_is_kept_only_for_units_of_at_least_the_minimum_group_size(session, world, make):
    small, large = make.unit(), make.unit()
    shy = make.user(unit=small)
    make.member(world.workspace, shy)
    for _ in range(world.workspace.min_group_size - 1):
        make.user(unit=large)
    crowd = make.user(unit=large)  # the fifth in the unit
    make.member(world.workspace, crowd)
    assert service.answer(shy, world.workspace, world.scale, None, scale_value=5).unit_id is None
    assert service.answer(crowd, world.workspace, world.scale, None, scale_value=5).unit_id == large.id


# --- results -----------------------------------------------------------------------------------


def test_results_of_the_seed_poll(session, world, make):
    poll = make.activity(world.theme, ActivityKind.SINGLE_CHOICE, options=5)
    fill_counts(session, poll, [3, 12, 2, 8, 10])
    result = results_for([poll])[poll.id]
    assert result.answers == 35 and result.selections == 35
    assert [row.count for row in result.rows] == [3, 12, 2, 8, 10]
    assert [row.percent for row in result.rows] == [
        Decimal("8.57"),
        Decimal("34.29"),
        Decimal("5.71"),
        Decimal("22.86"),
        Decimal("28.57"),
    ]
    assert [row.width for row in result.rows] == [9, 34, 6, 23, 29]


def test_multiple_choice_results_are_shares_of_respondents(session, world):
    a, b, c, d = (option.id for option in world.multiple.options)
    fill(session, world.multiple, [[a, b], [a], [a, c], [b, c]])
    result = results_for([world.multiple])[world.multiple.id]
    assert result.answers == 4 and result.selections == 7
    assert [row.count for row in result.rows] == [3, 2, 2, 0]
    assert [row.percent for row in result.rows] == [
        Decimal("75.00"),
        Decimal("50.00"),
        Decimal("50.00"),
        Decimal("0.00"),
    ]


def test_scale_results_give_the_distribution_and_enps(session, world):
    fill(
        session, world.scale, scale=[10] * 6 + [9] * 4 + [8] * 5 + [7] * 3 + [6] * 2 + [5] * 2 + [3] + [0] * 2
    )
    result = results_for([world.scale])[world.scale.id]
    assert result.answers == 25
    assert [row.count for row in result.rows] == [2, 0, 0, 1, 0, 2, 2, 3, 5, 4, 6]
    assert (result.promoters, result.passives, result.detractors) == (10, 8, 7)
    assert result.enps == 12 and result.enps_text == "+12"
    assert result.promoters_percent == Decimal("40.00")


def test_no_answers_yet(session, world):
    results = results_for([world.single, world.scale])
    assert results[world.single.id].is_empty
    assert all(row.percent is None and row.count == 0 for row in results[world.single.id].rows)
    assert results[world.scale.id].enps is None


def test_results_take_the_same_one_query_for_any_number_of_activities(session, world, make, count_queries):
    def loaded(*activities):
        for activity in activities:  # the theme loader eager-loads these
            assert activity.kind and activity.options is not None
        return activities

    fill_counts(session, world.single, [1, 2, 3])
    fill(session, world.scale, scale=[1, 9])
    few_activities = loaded(world.single, world.scale)
    with count_queries() as few:
        results_for(few_activities)
    polls = [make.activity(world.theme, ActivityKind.SINGLE_CHOICE, options=4) for _ in range(6)]
    for poll in polls:
        fill_counts(session, poll, [2, 1, 0, 5])
    many_activities = loaded(world.single, world.scale, world.multiple, *polls)
    with count_queries() as many:
        results = results_for(many_activities)
    assert len(few) == len(many) == 1
    assert [row.count for row in results[polls[3].id].rows] == [2, 1, 0, 5]


def test_the_version_changes_exactly_when_a_count_changes(session, world):
    before = results_for([world.single])[world.single.id].version
    assert results_for([world.single])[world.single.id].version == before
    fill_counts(session, world.single, [0, 1, 0])
    assert results_for([world.single])[world.single.id].version != before


# --- what a reader sees ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "before", "after_answering", "after_closing"),
    [
        (ResultsVisibility.ALWAYS, True, True, True),
        (ResultsVisibility.AFTER_ANSWERING, False, True, True),
        (ResultsVisibility.AFTER_CLOSING, False, False, True),
        (ResultsVisibility.MODERATORS, False, False, False),
    ],
)
def test_results_are_visible_by_the_activity_rule(
    session, world, rule, before, after_answering, after_closing
):
    world.single.results_visibility = rule
    state = service.poll_states(world.member, world.workspace, [world.single])[world.single.id]
    assert state.results_visible is before and (state.results is not None) is before
    assert state.can_answer and not state.has_answered
    service.answer(world.member, world.workspace, world.single, None, option_ids=[opt(world.single, 0)])
    state = service.poll_states(world.member, world.workspace, [world.single])[world.single.id]
    assert state.results_visible is after_answering and state.has_answered and not state.can_answer
    world.single.status = ActivityStatus.CLOSED
    state = service.poll_states(world.member, world.workspace, [world.single])[world.single.id]
    assert state.results_visible is after_closing and not state.live
    # Moderators always see the results.
    assert service.poll_states(world.moderator, world.workspace, [world.single])[
        world.single.id
    ].results_visible


def test_the_change_form_is_filled_in_with_the_persons_own_answer(session, world):
    chosen = [opt(world.multiple, 1), opt(world.multiple, 3)]
    service.answer(world.member, world.workspace, world.multiple, None, option_ids=chosen)
    service.answer(world.member, world.workspace, world.scale, None, scale_value=8)
    service.answer(world.member, world.workspace, world.anonymous, None, option_ids=[opt(world.anonymous, 0)])
    states = service.poll_states(
        world.member, world.workspace, [world.multiple, world.scale, world.anonymous]
    )
    assert states[world.multiple.id].selected == set(chosen) and states[world.multiple.id].can_change
    assert states[world.scale.id].scale_value == 8
    # Nothing leads back to the anonymous answer, so nothing can be shown or changed.
    assert states[world.anonymous.id].has_answered
    assert states[world.anonymous.id].selected == set() and not states[world.anonymous.id].can_change


def test_an_observer_sees_but_cannot_answer(session, world):
    state = service.poll_states(world.observer, world.workspace, [world.single])[world.single.id]
    assert not state.can_answer and state.results_visible


def test_other_kinds_of_activity_are_left_to_their_features(session, world, make):
    notes = make.activity(world.theme, ActivityKind.NOTES)
    assert notes.id not in service.poll_states(world.member, world.workspace, [notes, world.single])
    assert results_for([notes]) == {}


def test_an_activity_from_another_workspace_does_not_load(session, world):
    from werkzeug.exceptions import NotFound

    with pytest.raises(NotFound):
        service.get_activity(world.workspace, world.other_activity.id)
    assert service.get_activity(world.workspace, world.single.id) is world.single


def test_a_moderator_can_answer_and_an_admin_too(session, world):
    service.answer(world.moderator, world.workspace, world.single, None, option_ids=[opt(world.single, 0)])
    service.answer(world.admin, world.workspace, world.single, None, option_ids=[opt(world.single, 0)])
    assert count(session, Answer, activity_id=world.single.id) == 2
    assert world.admin.role is Role.ADMIN
