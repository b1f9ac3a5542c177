"""Yearly follow-up of an indicator: is the target met, on track, not met, or is there no data?

A pure function of the comparator, the baseline, the target and the latest reading, so the rule is
the same in the preview, the published versions and every export.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from decimal import Decimal


class FollowUp(enum.StrEnum):
    MET = "met"
    ON_TRACK = "on_track"
    NOT_MET = "not_met"
    NO_DATA = "no_data"


_HOLDS = {
    ">": lambda value, target: value > target,
    "≥": lambda value, target: value >= target,
    "=": lambda value, target: value == target,
    "≤": lambda value, target: value <= target,
    "<": lambda value, target: value < target,
}


def follow_up(
    comparator: str,
    baseline: Decimal | None,
    target: Decimal | None,
    latest: Decimal | None,
) -> FollowUp:
    """Met when the latest reading satisfies the target; on track when it moved from the baseline
    toward the target; not met otherwise; no data for qualitative targets or without a reading."""
    comparator = str(getattr(comparator, "value", comparator))
    if comparator not in _HOLDS or target is None or latest is None:
        return FollowUp.NO_DATA
    latest, target = Decimal(latest), Decimal(target)
    if _HOLDS[comparator](latest, target):
        return FollowUp.MET
    if baseline is None:
        return FollowUp.NOT_MET
    baseline = Decimal(baseline)
    if comparator in (">", "≥"):
        toward = latest > baseline
    elif comparator in ("<", "≤"):
        toward = latest < baseline
    else:  # "=": closer to the target than the baseline was
        toward = abs(latest - target) < abs(baseline - target)
    return FollowUp.ON_TRACK if toward else FollowUp.NOT_MET


def latest_value(readings: Iterable) -> Decimal | None:
    """The value of the most recent reading that has one (readings carry `year` and `value`)."""
    with_values = [r for r in readings if r.value is not None]
    if not with_values:
        return None
    return max(with_values, key=lambda r: r.year).value
