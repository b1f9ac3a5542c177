"""The workspace-building operations, called directly."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from ideaspace.models import (
    Activity,
    ActivityKind,
    AuditLog,
    Comparator,
    Indicator,
    IndicatorReading,
    Measure,
    MeasureStatus,
    MemberRole,
    Membership,
    Option,
    ResultsVisibility,
    Role,
    Theme,
    Workspace,
    WorkspaceAccess,
    WorkspaceStatus,
)
from ideaspace.workspaces import activities, manage, measures
from ideaspace.workspaces.manage import Refused


@pytest.fixture(autouse=True)
def english(session):
    """Refusal messages in English, whatever the catalogues say (outside a request Finnish is the default)."""
    with force_locale("en"):
        yield


def workspace_values(**kw):
    values = {
        "slug": "henkilostoohjelma",
        "title": {"fi": "Henkilöstöohjelma", "sv": "Personalprogram"},
        "introduction": {"fi": 'Tervetuloa <script>alert("x")</script>'},
        "strategy": {"fi": "Osaava henkilöstö"},
        "primary_language": "fi",
        "status": WorkspaceStatus.DRAFT,
        "access": WorkspaceAccess.INVITED,
        "opens_on": date(2022, 9, 1),
        "closes_on": date(2022, 10, 31),
        "min_group_size": 5,
    }
    values.update(kw)
    return values


def audit_actions(session, workspace_id=None):
    query = select(AuditLog.action).order_by(AuditLog.id)
    if workspace_id is not None:
        query = query.where(AuditLog.workspace_id == workspace_id)
    return list(session.scalars(query))


def positions(items):
    return [item.position for item in sorted(items, key=lambda i: i.position)]


# --- workspaces --------------------------------------------------------------------------------


def test_create_workspace_makes_the_creator_its_moderator_and_audits(make, session):
    actor = make.user(Role.MODERATOR)
    ws = manage.create_workspace(actor, **workspace_values())
    membership = session.scalar(select(Membership).where(Membership.workspace_id == ws.id))
    assert membership.user_id == actor.id and membership.role is MemberRole.MODERATOR
    assert "<script>" not in ws.introduction["fi"] and "Tervetuloa" in ws.introduction["fi"]
    assert audit_actions(session, ws.id) == ["workspace.create"]


def test_create_workspace_refuses_a_taken_slug_and_bad_dates(make, session):
    actor = make.user(Role.ADMIN)
    make.workspace(slug="taken")
    with pytest.raises(Refused):
        manage.create_workspace(actor, **workspace_values(slug="taken"))
    with pytest.raises(Refused):
        manage.create_workspace(
            actor, **workspace_values(opens_on=date(2023, 1, 2), closes_on=date(2023, 1, 1))
        )
    assert session.scalar(select(func.count()).select_from(Workspace)) == 1


def test_update_workspace_audits_what_changed(make, session):
    actor = make.user(Role.ADMIN)
    ws = make.workspace(slug="vanha")
    values = workspace_values(slug="uusi", status=WorkspaceStatus.ARCHIVED)
    changed = manage.update_workspace(actor, ws, **values)
    assert "slug" in changed and "status" in changed and ws.slug == "uusi"
    entry = session.scalar(select(AuditLog).where(AuditLog.action == "workspace.update"))
    assert set(entry.details["changed"]) == set(changed)
    # Saving the same values again changes nothing and writes nothing.
    assert manage.update_workspace(actor, ws, **values) == []
    assert audit_actions(session).count("workspace.update") == 1


def test_moderators_are_added_and_removed_but_one_stays(make, session):
    actor = make.user(Role.ADMIN)
    ws = make.workspace()
    first, second = make.user(Role.MODERATOR), make.user(Role.MODERATOR)
    manage.add_moderator(actor, ws, first)
    make.member(ws, second)  # already a participant member: the membership is kept and promoted
    manage.add_moderator(actor, ws, second)
    assert {u.id for u in manage.moderators(ws)} == {first.id, second.id}
    assert (
        session.scalar(select(func.count()).select_from(Membership).where(Membership.user_id == second.id))
        == 1
    )
    with pytest.raises(Refused):
        manage.add_moderator(actor, ws, first)
    with pytest.raises(Refused):
        manage.add_moderator(actor, ws, make.user(Role.PARTICIPANT))

    manage.remove_moderator(actor, ws, first)
    assert [u.id for u in manage.moderators(ws)] == [second.id]
    assert (
        session.scalar(select(Membership.role).where(Membership.user_id == first.id))
        is MemberRole.PARTICIPANT
    )
    with pytest.raises(Refused):
        manage.remove_moderator(actor, ws, second)
    assert audit_actions(session, ws.id) == [
        "workspace.moderator_add",
        "workspace.moderator_add",
        "workspace.moderator_remove",
    ]
    assert first in manage.moderator_candidates(ws)  # demoted, so a candidate again
    assert second not in manage.moderator_candidates(ws)


# --- themes ------------------------------------------------------------------------------------


def test_themes_are_appended_moved_and_kept_dense(make, session):
    actor = make.user(Role.ADMIN)
    ws = make.workspace()
    a = manage.create_theme(actor, ws, title={"fi": "A"}, introduction={"fi": "<b>x</b><script>y</script>"})
    b = manage.create_theme(actor, ws, title={"fi": "B"})
    c = manage.create_theme(actor, ws, title={"fi": "C"})
    assert [a.position, b.position, c.position] == [0, 1, 2]
    assert "<script>" not in a.introduction["fi"]

    assert manage.move(actor, c, "up", workspace_id=ws.id) is True
    assert [t.title["fi"] for t in manage.themes_of(ws)] == ["A", "C", "B"]
    assert manage.move(actor, a, "up", workspace_id=ws.id) is False  # already first
    assert manage.move(actor, b, "down", workspace_id=ws.id) is False  # already last
    assert positions(manage.themes_of(ws)) == [0, 1, 2]
    entry = session.scalar(select(AuditLog).where(AuditLog.action == "theme.move"))
    assert entry.object_id == c.id and entry.details == {"direction": "up", "position": 1}


def test_move_repairs_gaps_in_positions(make, session):
    actor = make.user(Role.ADMIN)
    ws = make.workspace()
    themes = [make.theme(ws, position=p) for p in (3, 7, 20)]
    manage.move(actor, themes[2], "up", workspace_id=ws.id)
    assert [(t.title, t.position) for t in manage.themes_of(ws)] == [
        (themes[0].title, 0),
        (themes[2].title, 1),
        (themes[1].title, 2),
    ]


def test_delete_theme_when_nobody_wrote_on_it(make, session):
    actor = make.user(Role.ADMIN)
    ws = make.workspace()
    first, second, third = make.theme(ws), make.theme(ws), make.theme(ws)
    measure = make.measure(second)
    make.indicator(measure)
    make.activity(second, options=2)
    manage.delete_theme(actor, second)
    assert [t.id for t in manage.themes_of(ws)] == [first.id, third.id]
    assert positions(manage.themes_of(ws)) == [0, 1]
    assert session.get(Measure, measure.id) is None
    entry = session.scalar(select(AuditLog).where(AuditLog.action == "theme.delete"))
    assert entry.object_id == second.id and entry.workspace_id == ws.id


@pytest.mark.parametrize(
    "what", ["comment", "measure_comment", "answer", "note", "idea", "vote_from_elsewhere"]
)
def test_delete_theme_refuses_when_people_wrote_on_it(make, session, given, what):
    actor = make.user(Role.ADMIN)
    person = make.user()
    ws = make.workspace()
    theme = make.theme(ws)
    measure = make.measure(theme)
    poll = make.activity(theme, options=2)
    if what == "comment":
        given.comment(ws, person, theme_id=theme.id)
    elif what == "measure_comment":
        given.comment(ws, person, measure_id=measure.id)
    elif what == "answer":
        given.answer(poll, person, [poll.options[0]])
    elif what == "note":
        given.note(ws, make.activity(theme, ActivityKind.NOTES), person)
    elif what == "idea":
        given.idea(ws, person, theme)
    else:
        elsewhere = make.activity(make.theme(ws), options=0)
        session.add(Option(activity_id=elsewhere.id, label={"fi": "x"}, measure_id=measure.id))
        session.flush()
    with pytest.raises(Refused) as error:
        manage.delete_theme(actor, theme)
    assert "Nothing was deleted" in str(error.value)
    assert session.get(Theme, theme.id) is not None
    assert "theme.delete" not in audit_actions(session)


# --- measures and indicators -------------------------------------------------------------------


def measure_values(**kw):
    values = {
        "goal": {"fi": "Osaava henkilöstö"},
        "text": {"fi": "Anonyymi rekrytointi", "sv": "Anonym rekrytering"},
        "schedule": {"fi": "2022– jatkuva"},
        "responsible": {"fi": "Henkilöstöpalvelut"},
        "status": MeasureStatus.IN_PROGRAMME,
    }
    values.update(kw)
    return values


def test_measures_are_created_updated_moved_and_deleted(make, session):
    actor = make.user(Role.ADMIN)
    ws = make.workspace()
    theme = make.theme(ws)
    one = measures.create_measure(actor, theme, **measure_values())
    two = measures.create_measure(actor, theme, **measure_values(text={"fi": "Toinen"}))
    assert (one.position, two.position) == (0, 1)
    changed = measures.update_measure(
        actor, one, workspace_id=ws.id, **measure_values(status=MeasureStatus.DROPPED)
    )
    assert changed == ["status"]
    manage.move(actor, two, "up", workspace_id=ws.id)
    assert (two.position, one.position) == (0, 1)
    measures.delete_measure(actor, two, workspace_id=ws.id)
    assert session.get(Measure, two.id) is None and one.position == 0
    assert audit_actions(session, ws.id) == [
        "measure.create",
        "measure.create",
        "measure.update",
        "measure.move",
        "measure.delete",
    ]


def test_a_measure_needs_its_text(make):
    theme = make.theme(make.workspace())
    with pytest.raises(Refused):
        measures.create_measure(make.user(Role.ADMIN), theme, **measure_values(text={"fi": "  "}))


@pytest.mark.parametrize("what", ["comment", "option", "reading"])
def test_delete_measure_refuses_and_suggests_dropping(make, session, given, what):
    actor = make.user(Role.ADMIN)
    ws = make.workspace()
    theme = make.theme(ws)
    measure = make.measure(theme)
    if what == "comment":
        given.comment(ws, make.user(), measure_id=measure.id)
    elif what == "option":
        poll = make.activity(theme)
        session.add(Option(activity_id=poll.id, label={"fi": "x"}, measure_id=measure.id))
    else:
        indicator = make.indicator(measure)
        session.add(IndicatorReading(indicator_id=indicator.id, year=2023, value=Decimal(12)))
    session.flush()
    with pytest.raises(Refused) as error:
        measures.delete_measure(actor, measure, workspace_id=ws.id)
    assert "Dropped" in str(error.value)
    assert session.get(Measure, measure.id) is not None


def indicator_values(**kw):
    values = {
        "description": {"fi": "Anonyymit rekrytoinnit"},
        "unit_of_measure": {"fi": "kpl"},
        "baseline_year": 2022,
        "baseline_value": Decimal("11"),
        "baseline_source": {},
        "comparator": Comparator.GT,
        "target_value": Decimal("20"),
        "target_text": {},
    }
    values.update(kw)
    return values


def test_indicators_are_created_moved_and_deleted(make, session):
    actor = make.user(Role.ADMIN)
    ws = make.workspace()
    measure = make.measure(make.theme(ws))
    first = measures.create_indicator(actor, measure, workspace_id=ws.id, **indicator_values())
    second = measures.create_indicator(
        actor,
        measure,
        workspace_id=ws.id,
        **indicator_values(
            comparator=Comparator.QUALITATIVE, target_value=Decimal(5), target_text={"fi": "Selvitys tehty"}
        ),
    )
    assert second.target_value is None  # a qualitative target has no value
    manage.move(actor, second, "up", workspace_id=ws.id)
    assert (second.position, first.position) == (0, 1)
    measures.delete_indicator(actor, second, workspace_id=ws.id)
    assert first.position == 0
    assert audit_actions(session, ws.id) == [
        "indicator.create",
        "indicator.create",
        "indicator.move",
        "indicator.delete",
    ]


def test_indicator_rules(make, session):
    actor = make.user(Role.ADMIN)
    ws = make.workspace()
    measure = make.measure(make.theme(ws))
    with pytest.raises(Refused):
        measures.create_indicator(actor, measure, workspace_id=ws.id, **indicator_values(target_value=None))
    with pytest.raises(Refused):
        measures.create_indicator(actor, measure, workspace_id=ws.id, **indicator_values(baseline_year=1899))
    indicator = make.indicator(measure)
    session.add(IndicatorReading(indicator_id=indicator.id, year=2023, value=Decimal(14)))
    session.flush()
    with pytest.raises(Refused):
        measures.delete_indicator(actor, indicator, workspace_id=ws.id)
    assert session.get(Indicator, indicator.id) is not None


# --- activities --------------------------------------------------------------------------------


def activity_values(**kw):
    values = {
        "kind": ActivityKind.SINGLE_CHOICE,
        "title": {"fi": "Mitkä toimenpiteet ovat tärkeitä?"},
        "prompt": {"fi": "Valitse yksi <script>x</script>"},
        "is_anonymous": False,
        "results_visibility": ResultsVisibility.AFTER_ANSWERING,
        "answers_changeable": True,
        "max_selections": None,
        "options": [
            {"id": None, "label": {"fi": "Yksi"}, "measure_id": None},
            {"id": None, "label": {"fi": "Kaksi"}, "measure_id": None},
        ],
    }
    values.update(kw)
    return values


def test_create_a_poll_whose_options_vote_on_measures(make, session):
    actor = make.user(Role.ADMIN)
    ws = make.workspace()
    theme = make.theme(ws)
    measure = make.measure(theme, text={"fi": "PRO24-ilmoitukset"})
    options = [
        {"id": None, "label": {}, "measure_id": measure.id},
        {"id": None, "label": {"fi": "Muu"}, "measure_id": None},
    ]
    poll = activities.create_activity(actor, ws, theme, **activity_values(options=options))
    assert [o.label for o in poll.options] == [{"fi": "PRO24-ilmoitukset"}, {"fi": "Muu"}]
    assert poll.options[0].measure_id == measure.id
    assert "<script>" not in poll.prompt["fi"]
    assert audit_actions(session, ws.id) == ["activity.create"]


@pytest.mark.parametrize(
    "change",
    [
        {"options": [{"id": None, "label": {"fi": "Vain yksi"}, "measure_id": None}]},
        {"kind": ActivityKind.DISCUSSION},
        {"kind": ActivityKind.MULTIPLE_CHOICE, "max_selections": 3},
        {"kind": ActivityKind.MULTIPLE_CHOICE, "max_selections": 0},
        {"title": {"fi": ""}},
    ],
    ids=["too-few-options", "options-on-a-discussion", "max-over-options", "max-zero", "no-title"],
)
def test_create_activity_refuses_bad_settings(make, session, change):
    ws = make.workspace()
    theme = make.theme(ws)
    with pytest.raises(Refused):
        activities.create_activity(make.user(Role.ADMIN), ws, theme, **activity_values(**change))
    assert session.scalar(select(func.count()).select_from(Activity)) == 0


def test_an_option_cannot_vote_on_a_measure_of_another_workspace(make, session):
    ws, other = make.workspace(), make.workspace()
    foreign = make.measure(make.theme(other))
    options = [
        {"id": None, "label": {"fi": "x"}, "measure_id": foreign.id},
        {"id": None, "label": {"fi": "y"}, "measure_id": None},
    ]
    with pytest.raises(Refused):
        activities.create_activity(
            make.user(Role.ADMIN), ws, make.theme(ws), **activity_values(options=options)
        )


def test_multiple_choice_keeps_max_selections_others_drop_it(make):
    actor = make.user(Role.ADMIN)
    ws = make.workspace()
    theme = make.theme(ws)
    multi = activities.create_activity(
        actor, ws, theme, **activity_values(kind=ActivityKind.MULTIPLE_CHOICE, max_selections=2)
    )
    single = activities.create_activity(actor, ws, theme, **activity_values(max_selections=2))
    assert multi.max_selections == 2 and single.max_selections is None
    assert (multi.position, single.position) == (0, 1)


def existing(poll):
    return [{"id": o.id, "label": o.label, "measure_id": o.measure_id} for o in poll.options]


def test_update_activity_edits_adds_and_removes_options(make, session):
    actor = make.user(Role.ADMIN)
    ws = make.workspace()
    poll = make.activity(make.theme(ws), options=3)
    rows = existing(poll)
    rows[0]["label"] = {"fi": "Korjattu"}
    rows = [rows[0], rows[2], {"id": None, "label": {"fi": "Uusi"}, "measure_id": None}]  # drop the 2nd
    changed = activities.update_activity(actor, ws, poll, **activity_values(options=rows))
    assert "options" in changed
    assert [o.label["fi"] for o in poll.options] == ["Korjattu", "Vaihtoehto 3", "Uusi"]
    assert [o.position for o in poll.options] == [0, 1, 2]
    entry = session.scalar(select(AuditLog).where(AuditLog.action == "activity.update"))
    assert entry.details["options_added"] == 1 and entry.details["options_removed"] == 1


def test_answered_activity_refuses_changes_that_corrupt_results(make, session, given):
    actor = make.user(Role.ADMIN)
    ws = make.workspace()
    poll = make.activity(make.theme(ws), options=3, is_anonymous=True)
    given.answer(poll, make.user(), [poll.options[1]])
    base = activity_values(is_anonymous=True, title=poll.title, options=existing(poll))

    for change in (
        {"kind": ActivityKind.MULTIPLE_CHOICE},
        {"is_anonymous": False},
        {"options": existing(poll)[:1] + existing(poll)[2:]},  # removes the answered option
    ):
        with pytest.raises(Refused):
            activities.update_activity(actor, ws, poll, **{**base, **change})
    session.refresh(poll)
    assert poll.kind is ActivityKind.SINGLE_CHOICE and poll.is_anonymous and len(poll.options) == 3

    # Removing an option nobody chose, and fixing a label, stay possible.
    rows = existing(poll)[:2]
    rows[1]["label"] = {"fi": "Selkeämpi"}
    activities.update_activity(actor, ws, poll, **{**base, "options": rows})
    assert [o.label["fi"] for o in poll.options] == ["Vaihtoehto 1", "Selkeämpi"]


def test_update_activity_refuses_an_option_of_another_activity(make):
    ws = make.workspace()
    theme = make.theme(ws)
    poll, other = make.activity(theme, options=2), make.activity(theme, options=2)
    rows = existing(poll)[:1] + existing(other)[:1]
    with pytest.raises(Refused):
        activities.update_activity(make.user(Role.ADMIN), ws, poll, **activity_values(options=rows))


def test_delete_activity_only_without_answers(make, session, given):
    actor = make.user(Role.ADMIN)
    ws = make.workspace()
    theme = make.theme(ws)
    empty, answered = make.activity(theme, options=2), make.activity(theme, options=2)
    given.answer(answered, make.user(), [answered.options[0]])
    with pytest.raises(Refused):
        activities.delete_activity(actor, ws, answered)
    activities.delete_activity(actor, ws, empty)
    assert session.get(Activity, empty.id) is None and session.get(Activity, answered.id) is not None
    assert answered.position == 0


def test_contents_by_activity_counts_in_bulk(make, given, count_queries):
    ws = make.workspace()
    theme = make.theme(ws)
    poll, wall = make.activity(theme, options=2), make.activity(theme, ActivityKind.NOTES)
    person = make.user()
    given.answer(poll, person, [poll.options[0]])
    given.note(ws, wall, person)
    given.note(ws, wall, person)
    with count_queries() as statements:
        counts = activities.contents_by_activity([poll.id, wall.id])
    assert len(statements) == 3
    assert counts[poll.id] == {"answers": 1, "notes": 0, "comments": 0}
    assert counts[wall.id] == {"answers": 0, "notes": 2, "comments": 0}
