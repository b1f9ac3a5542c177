"""Recording, replacing and deleting readings; the follow-up table, its statuses and charts."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from ideaspace.followup import service
from ideaspace.followup.charts import chart
from ideaspace.followup.forms import parse_value
from ideaspace.models import AuditLog, Comparator, IndicatorReading
from ideaspace.programme.followup import FollowUp


def readings(session, indicator) -> list[tuple[int, Decimal | None]]:
    return list(
        session.execute(
            select(IndicatorReading.year, IndicatorReading.value)
            .where(IndicatorReading.indicator_id == indicator.id)
            .order_by(IndicatorReading.year)
        )
    )


def record(fu, year, value, note="", indicator=None, language="fi"):
    return service.record_reading(
        fu.moderator,
        indicator or fu.recruit,
        year,
        value,
        note,
        language=language,
        workspace_id=fu.workspace.id,
    )


def test_record_a_new_year(fu, session):
    reading = record(fu, 2024, Decimal("22.00"), "Tavoite ylittyi")
    assert readings(session, fu.recruit) == [(2023, Decimal("15.00")), (2024, Decimal("22.00"))]
    assert reading.note == {"fi": "Tavoite ylittyi"} and reading.created_by_id == fu.moderator.id
    entry = session.scalar(select(AuditLog).where(AuditLog.action == "indicator.reading"))
    assert entry.workspace_id == fu.workspace.id and entry.details["year"] == 2024
    assert entry.details["replaced"] is False


def test_the_same_year_replaces_the_value_and_keeps_other_languages_notes(fu, session):
    record(fu, 2023, Decimal("17"), "Korjattu")
    record(fu, 2023, Decimal("18"), "Rättad", language="sv")
    assert readings(session, fu.recruit) == [(2023, Decimal("18.00"))]
    reading = session.scalar(select(IndicatorReading).where(IndicatorReading.indicator_id == fu.recruit.id))
    assert reading.note == {"fi": "Korjattu", "sv": "Rättad"}
    last = session.scalars(select(AuditLog).where(AuditLog.action == "indicator.reading")).all()[-1]
    assert last.details["replaced"] is True and last.details["previous"] == "17.00"


def test_an_empty_value_is_kept_as_no_figure(fu, session):
    record(fu, 2024, None, "Ei mitattu")
    assert readings(session, fu.recruit)[-1] == (2024, None)


@pytest.mark.parametrize("year", [1999, 2101])
def test_years_outside_2000_2100_are_refused(fu, session, year):
    with pytest.raises(ValueError):
        record(fu, year, Decimal(1))
    assert len(readings(session, fu.recruit)) == 1


def test_delete_a_reading(fu, session):
    reading = session.scalar(select(IndicatorReading).where(IndicatorReading.indicator_id == fu.recruit.id))
    service.delete_reading(fu.moderator, reading, workspace_id=fu.workspace.id)
    assert readings(session, fu.recruit) == []
    entry = session.scalar(select(AuditLog).where(AuditLog.action == "indicator.reading.delete"))
    assert entry.details["value"] == "15.00" and entry.details["year"] == 2023


def test_loaders_refuse_another_workspace(fu):
    with pytest.raises(NotFound):
        service.get_indicator(fu.workspace, fu.other_indicator.id)
    with pytest.raises(NotFound):
        service.get_reading(fu.workspace, fu.other_reading.id)
    assert service.get_indicator(fu.workspace, fu.recruit.id).id == fu.recruit.id


def test_the_table_lists_indicators_of_measures_in_the_programme(fu):
    rows = service.follow_up_table(fu.workspace)
    indicators = [i.indicator.id for t in rows for m in t.measures for i in m.indicators]
    assert indicators == [fu.recruit.id, fu.qualitative.id]  # not the proposed measure's
    recruit = rows[0].measures[0].indicators[0]
    assert recruit.status is FollowUp.ON_TRACK and recruit.latest == Decimal("15.00")
    assert rows[0].measures[0].indicators[1].status is FollowUp.NO_DATA
    counts = service.status_counts(rows)
    assert counts[FollowUp.ON_TRACK] == 1 and counts[FollowUp.NO_DATA] == 1 and counts[FollowUp.MET] == 0


def test_a_reading_over_the_target_is_met(fu):
    record(fu, 2024, Decimal(21))
    rows = service.follow_up_table(fu.workspace)
    assert rows[0].measures[0].indicators[0].status is FollowUp.MET


def test_the_table_takes_a_fixed_number_of_queries(fu, make, session, count_queries):
    assert fu.workspace.id
    with count_queries() as few:
        service.follow_up_table(fu.workspace)
    for _ in range(3):
        m = make.measure(fu.theme)
        ind = make.indicator(m)
        session.add(IndicatorReading(indicator_id=ind.id, year=2023, value=Decimal(1)))
    session.commit()
    session.expire_all()
    assert fu.workspace.id  # loaded before counting
    with count_queries() as many:
        service.follow_up_table(fu.workspace)
    assert len(many) == len(few) <= 4


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("15", Decimal("15.00")),
        ("84,5", Decimal("84.50")),
        ("1 200", Decimal("1200.00")),
        ("", None),
        ("  ", None),
    ],
)
def test_values_as_people_type_them(text, value):
    assert parse_value(text) == value


@pytest.mark.parametrize("text", ["12x", "1e20", "NaN", "inf", "1,2,3"])
def test_values_that_are_not_numbers(text):
    with pytest.raises(Exception):  # noqa: B017 (InvalidOperation or ValueError)
        parse_value(text)


def _indicator(**kw):
    defaults = dict(
        baseline_year=2022,
        baseline_value=Decimal(11),
        target_value=Decimal(20),
        comparator=Comparator.GT,
        readings=[],
    )
    defaults.update(kw)
    return SimpleNamespace(**defaults)


def test_chart_geometry():
    c = chart(
        _indicator(
            readings=[
                SimpleNamespace(year=2023, value=Decimal(15)),
                SimpleNamespace(year=2024, value=Decimal(22)),
            ]
        )
    )
    assert [(p.year, p.baseline) for p in c.points] == [(2022, True), (2023, False), (2024, False)]
    xs = [p.x for p in c.points]
    assert xs == sorted(xs) and xs[0] == c.left and xs[-1] == c.right
    ys = {p.year: p.y for p in c.points}
    assert ys[2024] < ys[2023] < ys[2022]  # higher values are drawn higher up
    assert c.high_y <= ys[2024] and c.target_y < ys[2023]
    assert c.line.count(",") == 3


def test_no_chart_without_numbers_and_no_target_line_for_qualitative():
    assert chart(_indicator(baseline_value=None, readings=[])) is None
    c = chart(_indicator(comparator=Comparator.QUALITATIVE, target_value=None))
    assert c.target_y is None and len(c.points) == 1
