from datetime import date, timedelta
from decimal import Decimal

import pytest

from ideaspace.models import ActivityKind, MemberRole, utcnow
from ideaspace.stats.service import rate, workspace_statistics

from .conftest import at


def test_rate_rounds_half_up_to_one_decimal():
    assert rate(84, 163) == Decimal("51.5")
    assert rate(20, 163) == Decimal("12.3")
    assert rate(1, 8) == Decimal("12.5")
    assert rate(1, 16) == Decimal("6.3")  # 6.25 rounds up, not to even
    assert rate(3, 0) is None


def test_funnel_reproduces_the_seed_process(make, rows):
    ws = make.workspace()
    rows.members(ws, 163, visited=84, contributed=20)
    # Moderators run the workspace: not part of its funnel.
    rows.members(ws, 3, visited=3, contributed=3, role=MemberRole.MODERATOR)
    # Another workspace's people do not count here.
    rows.members(make.workspace(), 7, visited=7, contributed=7)

    funnel = workspace_statistics(ws).funnel

    assert (funnel.invited, funnel.visited, funnel.contributed) == (163, 84, 20)
    assert funnel.visited_rate == Decimal("51.5")
    assert funnel.contributed_rate == Decimal("12.3")
    assert (funnel.uninvited_visited, funnel.uninvited_contributed) == (0, 0)


def test_people_who_joined_without_invitation_are_counted_apart(make, rows):
    ws = make.workspace()
    rows.members(ws, 10, visited=5, contributed=1)
    rows.members(ws, 4, visited=4, contributed=2, invited=False)

    funnel = workspace_statistics(ws).funnel

    assert (funnel.invited, funnel.visited, funnel.contributed) == (10, 5, 1)
    assert (funnel.uninvited_visited, funnel.uninvited_contributed) == (4, 2)
    assert funnel.visited_rate == Decimal("50.0")


def test_empty_workspace_has_no_rates(make):
    stats = workspace_statistics(make.workspace(opens_on=None, closes_on=None))
    assert stats.funnel.invited == 0
    assert stats.funnel.visited_rate is None and stats.funnel.contributed_rate is None
    assert stats.units == [] and stats.themes == [] and stats.daily == []


# --- units ----------------------------------------------------------------------------------


def test_small_units_are_merged_and_totals_still_add_up(make, rows):
    ws = make.workspace()  # min_group_size 5
    department = make.unit("Sivistyspalvelut")
    big = make.unit("Varhaiskasvatus", parent=department)
    exactly_five = make.unit("Perusopetus")
    small_a, small_b = make.unit("Pieni A"), make.unit("Pieni B")
    rows.members(ws, 10, unit=big, visited=6, contributed=2)
    rows.members(ws, 5, unit=exactly_five, visited=5, contributed=5)
    rows.members(ws, 2, unit=small_a, visited=1, contributed=1)
    rows.members(ws, 1, unit=small_b, visited=1, contributed=0)
    rows.members(ws, 3, unit=None, visited=0, contributed=0)

    stats = workspace_statistics(ws)
    by_name = {(r.name or {}).get("fi"): r for r in stats.units if not r.is_other}

    assert set(by_name) == {"Varhaiskasvatus", "Perusopetus"}
    assert by_name["Varhaiskasvatus"].parent_name["fi"] == "Sivistyspalvelut"
    assert (by_name["Varhaiskasvatus"].invited, by_name["Varhaiskasvatus"].visited) == (10, 6)
    assert by_name["Varhaiskasvatus"].visited_rate == Decimal("60.0")
    other = stats.units[-1]
    assert other.is_other and not other.merged_larger
    assert other.merged_units == 3  # two small units and the people with no unit
    assert (other.invited, other.visited, other.contributed) == (6, 2, 1)
    total = stats.unit_totals
    assert (total.invited, total.visited, total.contributed) == (21, 13, 8)
    assert (total.invited, total.visited, total.contributed) == (
        stats.funnel.invited, stats.funnel.visited, stats.funnel.contributed)
    # No row shows fewer people than the minimum group size.
    assert all(row.invited >= ws.min_group_size for row in stats.units)


def test_a_merged_row_below_the_minimum_takes_in_the_next_smallest_unit(make, rows):
    ws = make.workspace()
    big, medium, small = make.unit("Iso"), make.unit("Keski"), make.unit("Pieni")
    rows.members(ws, 12, unit=big, visited=3)
    rows.members(ws, 6, unit=medium, visited=2)
    rows.members(ws, 2, unit=small, visited=1)

    stats = workspace_statistics(ws)

    assert [r.name["fi"] for r in stats.units if not r.is_other] == ["Iso"]
    other = stats.units[-1]
    assert other.is_other and other.merged_larger and other.merged_units == 2
    assert (other.invited, other.visited) == (8, 3)
    assert stats.unit_totals.invited == 20


def test_minimum_group_size_comes_from_the_workspace(make, rows):
    ws = make.workspace(min_group_size=6)
    rows.members(ws, 6, unit=make.unit("Kuusi"), visited=1)
    rows.members(ws, 5, unit=make.unit("Viisi"))
    rows.members(ws, 2, unit=make.unit("Kaksi"))

    stats = workspace_statistics(ws)

    assert stats.min_group_size == 6
    assert [(r.invited, r.is_other) for r in stats.units] == [(6, False), (7, True)]


def test_a_minimum_group_size_stored_below_the_floor_counts_as_the_floor(make, rows):
    """An old row (before the floor) says 2: the breakdown still hides groups below 5."""
    ws = make.workspace(min_group_size=2)
    rows.members(ws, 2, unit=make.unit("Pieni"), visited=1)
    rows.members(ws, 3, unit=make.unit("Toinen"))
    rows.members(ws, 5, unit=make.unit("Iso"))

    stats = workspace_statistics(ws)

    assert stats.min_group_size == 5
    assert [(r.invited, r.is_other) for r in stats.units] == [(5, False), (5, True)]


def test_no_unit_is_shown_when_everyone_is_in_small_units(make, rows):
    ws = make.workspace()
    rows.members(ws, 2, unit=make.unit(), visited=2)
    rows.members(ws, 1, unit=make.unit(), visited=0)

    stats = workspace_statistics(ws)

    assert len(stats.units) == 1 and stats.units[0].is_other
    assert stats.units[0].invited == 3


# --- activity per theme and activity --------------------------------------------------------


@pytest.fixture
def content(make, rows):
    """A workspace with two themes; theme one holds a discussion, an anonymous poll and a notes wall."""
    ws = make.workspace()
    one, two = make.theme(ws), make.theme(ws)
    measure = make.measure(one)
    discussion = make.activity(one, ActivityKind.DISCUSSION)
    poll = make.activity(one, ActivityKind.SINGLE_CHOICE, options=3, is_anonymous=True)
    wall = make.activity(one, ActivityKind.NOTES)
    people = [make.user() for _ in range(4)]
    hidden = {"hidden_at": utcnow(), "hidden_reason": "Asiaton"}

    rows.comment(ws, activity=discussion, author=people[0])
    rows.comment(ws, activity=discussion, author=people[1])
    rows.comment(ws, activity=discussion, **hidden)
    rows.comment(ws, activity=discussion, withdrawn_at=utcnow())
    rows.comment(ws, theme=one)
    rows.comment(ws, measure=measure)
    for person in people[:3]:
        rows.answer(poll, person)
    rows.note(ws, wall)
    rows.note(ws, wall)
    rows.note(ws, wall, **hidden)
    idea = rows.idea(ws, theme=two)
    rows.support(idea, people[0])
    rows.support(idea, people[1])
    rows.comment(ws, idea=idea)
    hidden_idea = rows.idea(ws, theme=two, **hidden)
    rows.support(hidden_idea, people[2])
    rows.comment(ws, idea=hidden_idea)
    loose = rows.idea(ws)  # no theme
    rows.support(loose, people[3])
    # Another workspace's content.
    other = make.workspace()
    other_theme = make.theme(other)
    rows.comment(other, theme=other_theme)
    rows.answer(make.activity(other_theme), people[0])
    return {"ws": ws, "themes": (one, two), "activities": (discussion, poll, wall)}


def test_activity_per_theme_excludes_hidden_content(content):
    stats = workspace_statistics(content["ws"])
    one, two = content["themes"]
    rows = {row.id: row for row in stats.themes}

    first = rows[one.id]
    assert (first.comments, first.answers, first.notes, first.ideas, first.supports) == (4, 3, 2, 0, 0)
    second = rows[two.id]
    assert (second.comments, second.answers, second.notes, second.ideas, second.supports) == (1, 0, 0, 1, 2)
    no_theme = stats.themes[-1]
    assert no_theme.id is None and (no_theme.ideas, no_theme.supports) == (1, 1)
    assert [row.id for row in stats.themes] == [one.id, two.id, None]
    totals = stats.theme_totals
    assert (totals.comments, totals.answers, totals.notes, totals.ideas, totals.supports) == (5, 3, 2, 2, 3)


def test_activity_per_activity_counts_anonymous_answers_by_respondent(content):
    stats = workspace_statistics(content["ws"])
    discussion, poll, wall = content["activities"]
    rows = {row.id: row for row in stats.activities}

    assert [row.id for row in stats.activities] == [discussion.id, poll.id, wall.id]
    assert (rows[discussion.id].comments, rows[discussion.id].answers) == (2, 0)
    assert rows[poll.id].answers == 3 and rows[poll.id].is_anonymous
    assert rows[wall.id].notes == 2
    assert rows[poll.id].kind is ActivityKind.SINGLE_CHOICE


def test_no_theme_row_is_left_out_when_empty(make):
    ws = make.workspace()
    make.theme(ws)
    stats = workspace_statistics(ws)
    assert len(stats.themes) == 1 and stats.themes[0].id is not None


# --- the daily series -----------------------------------------------------------------------


def test_daily_series_covers_the_open_period(make, rows):
    start = date(2022, 9, 1)
    ws = make.workspace(opens_on=start, closes_on=start + timedelta(days=9))
    theme = make.theme(ws)
    poll = make.activity(theme, ActivityKind.SINGLE_CHOICE, options=2, is_anonymous=True)
    wall = make.activity(theme, ActivityKind.NOTES)
    members = rows.members(ws, 3, visited=3, contributed=0)
    members[0].first_contribution_at = at(start + timedelta(days=2), hour=23)
    members[1].first_contribution_at = at(start + timedelta(days=2), hour=0)
    rows.visit(members[0], start)
    rows.visit(members[1], start)
    rows.visit(members[0], start + timedelta(days=2))
    moderator = rows.members(ws, 1, visited=1, role=MemberRole.MODERATOR)[0]
    rows.visit(moderator, start)  # moderators' visits are not participation
    rows.comment(ws, theme=theme, created_at=at(start + timedelta(days=2)))
    rows.comment(ws, theme=theme, created_at=at(start + timedelta(days=2)), hidden_at=utcnow())
    rows.note(ws, wall, created_at=at(start + timedelta(days=3)))
    user = make.user()
    rows.answer(poll, user, day=start + timedelta(days=3))
    idea = rows.idea(ws, theme=theme, created_at=at(start + timedelta(days=9), hour=22))
    rows.support(idea, user, created_at=at(start + timedelta(days=9)))
    hidden_idea = rows.idea(ws, theme=theme, hidden_at=utcnow(), hidden_reason="Asiaton")
    for on in (idea, hidden_idea):  # a comment on a hidden idea is not counted
        rows.comment(ws, idea=on, created_at=at(start + timedelta(days=9)))
    # Another workspace's visit on the same day.
    rows.visit(rows.members(make.workspace(), 1, visited=1)[0], start)

    daily = workspace_statistics(ws, today=date(2023, 1, 1)).daily

    assert [d.day for d in daily] == [start + timedelta(days=i) for i in range(10)]
    assert daily[0].visits == 2 and daily[0].contributions == 0
    assert (daily[2].visits, daily[2].new_contributors, daily[2].comments) == (1, 2, 1)
    assert (daily[3].notes, daily[3].answers, daily[3].contributions) == (1, 1, 2)
    assert (daily[9].ideas, daily[9].supports, daily[9].comments) == (1, 1, 1)
    assert sum(d.contributions for d in daily) == 6
    assert all(d.visits == 0 and d.contributions == 0 for d in (daily[1], *daily[4:9]))


def test_daily_ideas_and_supports_count_only_the_workspaces_visible_ideas(make, rows):
    """The daily statement reads the workspace's ideas once for both kinds: a hidden idea's
    supports and another workspace's ideas and supports on the same day stay out."""
    day = date(2022, 9, 5)
    ws = make.workspace(opens_on=day, closes_on=day)
    theme = make.theme(ws)
    fans = [make.user() for _ in range(3)]
    shown = rows.idea(ws, theme=theme, created_at=at(day))
    no_theme = rows.idea(ws, created_at=at(day, hour=1))
    hidden = rows.idea(ws, theme=theme, created_at=at(day), hidden_at=utcnow(), hidden_reason="Asiaton")
    for fan in fans:
        rows.support(shown, fan, created_at=at(day))
        rows.support(hidden, fan, created_at=at(day))
    rows.support(no_theme, fans[0], created_at=at(day))
    other = make.workspace(opens_on=day, closes_on=day)
    elsewhere = rows.idea(other, theme=make.theme(other), created_at=at(day))
    for fan in fans:
        rows.support(elsewhere, fan, created_at=at(day))

    daily = workspace_statistics(ws, today=date(2023, 1, 1)).daily
    themes = workspace_statistics(ws, today=date(2023, 1, 1)).theme_totals

    assert [(d.day, d.ideas, d.supports) for d in daily] == [(day, 2, 4)]
    assert (themes.ideas, themes.supports) == (2, 4)
    other_daily = workspace_statistics(other, today=date(2023, 1, 1)).daily
    assert [(d.day, d.ideas, d.supports) for d in other_daily] == [(day, 1, 3)]


def test_daily_series_without_dates_spans_first_to_last_activity(make, rows):
    ws = make.workspace(opens_on=None, closes_on=None)
    theme = make.theme(ws)
    rows.comment(ws, theme=theme, created_at=at(date(2022, 10, 3)))
    rows.comment(ws, theme=theme, created_at=at(date(2022, 10, 5)))

    daily = workspace_statistics(ws, today=date(2023, 1, 1)).daily

    assert [d.day for d in daily] == [date(2022, 10, 3), date(2022, 10, 4), date(2022, 10, 5)]
    assert [d.comments for d in daily] == [1, 0, 1]


def test_daily_series_stops_today_while_the_workspace_is_open(make, rows):
    today = date(2022, 9, 10)
    ws = make.workspace(opens_on=date(2022, 9, 8), closes_on=date(2022, 10, 31))
    theme = make.theme(ws)
    # Content from before the opening (a moderator's preview) widens the series.
    rows.comment(ws, theme=theme, created_at=at(date(2022, 9, 6)))

    daily = workspace_statistics(ws, today=today).daily

    assert daily[0].day == date(2022, 9, 6) and daily[-1].day == today
    assert daily[0].comments == 1


# --- the number of queries ------------------------------------------------------------------


def _populate(make, rows, n: int):
    ws = make.workspace()
    units = [make.unit() for _ in range(3)]
    themes = [make.theme(ws) for _ in range(2)]
    kinds = (ActivityKind.DISCUSSION, ActivityKind.NOTES)
    activities = [make.activity(t, kind) for t in themes for kind in kinds]
    members = []
    for unit in units:
        members += rows.members(ws, n, unit=unit, visited=n // 2, contributed=n // 3)
    people = [make.user() for _ in range(min(n, 10))]
    for i in range(n):
        day = date.today() - timedelta(days=i % 7)
        rows.visit(members[i], day)
        rows.comment(ws, activity=activities[i % 4], created_at=at(day))
        rows.note(ws, activities[(i % 2) * 2 + 1], created_at=at(day))
        idea = rows.idea(ws, theme=themes[i % 2], created_at=at(day))
        rows.support(idea, people[i % len(people)])
    return ws


def test_statistics_take_the_same_queries_for_5_and_100(app, make, rows, session, count_queries):
    small, large = _populate(make, rows, 5), _populate(make, rows, 100)
    counts = []
    for ws in (small, large):
        session.expire_all()
        with count_queries() as statements:
            stats = workspace_statistics(ws)
        counts.append(len(statements))
        assert stats.funnel.invited in (15, 300)
    assert counts[0] == counts[1]
    assert counts[0] <= 10
