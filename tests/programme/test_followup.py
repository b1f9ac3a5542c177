"""The follow-up rule: met, on track, not met, no data."""

from decimal import Decimal as D
from types import SimpleNamespace

import pytest

from ideaspace.models import Comparator
from ideaspace.programme.followup import FollowUp, follow_up, latest_value


@pytest.mark.parametrize(
    ("comparator", "baseline", "target", "latest", "expected"),
    [
        (">", D(11), D(20), D(21), FollowUp.MET),
        (">", D(11), D(20), D(20), FollowUp.ON_TRACK),  # not above 20 yet, but up from 11
        (">", D(11), D(20), D(11), FollowUp.NOT_MET),  # no move
        (">", D(11), D(20), D(9), FollowUp.NOT_MET),
        ("≥", D(84), D(100), D(100), FollowUp.MET),
        ("≥", D(84), D(100), D(90), FollowUp.ON_TRACK),
        ("<", D(10), D(5), D(4), FollowUp.MET),
        ("<", D(10), D(5), D(5), FollowUp.ON_TRACK),
        ("<", D(10), D(5), D(12), FollowUp.NOT_MET),
        ("≤", D(10), D(5), D(5), FollowUp.MET),
        ("=", D(10), D(5), D(5), FollowUp.MET),
        ("=", D(10), D(5), D(7), FollowUp.ON_TRACK),
        ("=", D(10), D(5), D(0), FollowUp.NOT_MET),  # further away than the baseline was
        (">", None, D(20), D(15), FollowUp.NOT_MET),  # no baseline to have moved from
        (">", None, D(20), D(25), FollowUp.MET),
        (">", D(11), D(20), None, FollowUp.NO_DATA),
        (">", D(11), None, D(30), FollowUp.NO_DATA),
        ("qualitative", None, None, D(1), FollowUp.NO_DATA),
        (Comparator.GT, D(12), D(20), D("20.01"), FollowUp.MET),
        (Comparator.QUALITATIVE, D(1), D(2), D(3), FollowUp.NO_DATA),
    ],
)
def test_follow_up(comparator, baseline, target, latest, expected):
    assert follow_up(comparator, baseline, target, latest) is expected


def test_latest_value_is_the_most_recent_year_with_a_value():
    readings = [
        SimpleNamespace(year=2024, value=None),
        SimpleNamespace(year=2022, value=D(5)),
        SimpleNamespace(year=2023, value=D(8)),
    ]
    assert latest_value(readings) == D(8)
    assert latest_value([SimpleNamespace(year=2023, value=None)]) is None
    assert latest_value([]) is None
