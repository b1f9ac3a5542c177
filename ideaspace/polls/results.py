"""Exact poll results: counts aggregated in the database, percentages computed from the counts.

Single choice: each option as a share of the answers. Multiple choice: each option as a share of
the respondents (one person may choose several, so the shares can add up to more than 100).
Scale 0–10: the distribution of the answers and eNPS = % promoters (9–10) − % detractors (0–6).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from sqlalchemy import bindparam, func, null, select

from ..extensions import db
from ..models import Activity, ActivityKind, Answer, AnswerChoice, Option

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
SCALE_VALUES = tuple(range(11))
PROMOTERS = frozenset((9, 10))
DETRACTORS = frozenset(range(7))


# --- the arithmetic (pure, unit-tested) ------------------------------------------------------


def percentage(count: int, denominator: int) -> Decimal | None:
    """count / denominator as a percentage with two decimals, halves rounded up; None for 0 / 0."""
    if denominator <= 0:
        return None
    # Decimal division is exact for every terminating quotient this size, so a true half
    # (e.g. 1/8 = 12.5 %) is rounded up and never lost to a binary float.
    return (Decimal(count) * HUNDRED / Decimal(denominator)).quantize(CENT, rounding=ROUND_HALF_UP)


def percentages(counts: Sequence[int], denominator: int) -> list[Decimal | None]:
    """Each count as a percentage of the denominator, each rounded on its own.

    The counts are never adjusted to make the percentages add up to 100: rounded shares may sum
    to 99.99 or 100.01, and that is the honest result.
    """
    return [percentage(count, denominator) for count in counts]


def enps(distribution: Mapping[int, int] | Sequence[int]) -> int | None:
    """eNPS from a 0–10 distribution: % promoters − % detractors, rounded to an integer.

    Takes {value: count} or a sequence of eleven counts (index = value). Computed from the exact
    counts, not from rounded percentages. None when nobody has answered.
    """
    counts = dict(distribution) if isinstance(distribution, Mapping) else dict(enumerate(distribution))
    total = sum(counts.values())
    if total <= 0:
        return None
    promoters = sum(n for value, n in counts.items() if value in PROMOTERS)
    detractors = sum(n for value, n in counts.items() if value in DETRACTORS)
    exact = Decimal(promoters - detractors) * HUNDRED / Decimal(total)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def signed(value: int | None) -> str:
    """An eNPS as people write it: +12, −5 (a real minus sign), 0."""
    if value is None:
        return "–"
    if value > 0:
        return f"+{value}"
    if value < 0:
        return f"\u2212{-value}"
    return "0"


# --- results of activities ---------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One line of a result: an option (or a scale value), its count and its share."""

    key: int
    count: int
    percent: Decimal | None
    option: Option | None = None
    group: str = ""  # scale: promoter / passive / detractor

    @property
    def width(self) -> int:
        """The bar's width class step, 0–100."""
        if self.percent is None:
            return 0
        return max(0, min(100, int(self.percent.quantize(Decimal(1), rounding=ROUND_HALF_UP))))


@dataclass(frozen=True)
class PollResults:
    activity_id: int
    kind: ActivityKind
    answers: int  # answers = respondents: one answer per person
    selections: int  # chosen options in all (multiple choice may exceed the answers)
    rows: list[Row] = field(default_factory=list)
    enps: int | None = None
    promoters: int = 0
    passives: int = 0
    detractors: int = 0

    @property
    def is_empty(self) -> bool:
        return self.answers == 0

    @property
    def enps_text(self) -> str:
        return signed(self.enps)

    @property
    def promoters_percent(self) -> Decimal | None:
        return percentage(self.promoters, self.answers)

    @property
    def passives_percent(self) -> Decimal | None:
        return percentage(self.passives, self.answers)

    @property
    def detractors_percent(self) -> Decimal | None:
        return percentage(self.detractors, self.answers)

    @property
    def version(self) -> str:
        """Changes exactly when a count changes (drives the live refresh)."""
        raw = f"{self.answers}|{self.selections}|" + ",".join(f"{r.key}:{r.count}" for r in self.rows)
        return hashlib.sha256(raw.encode()).hexdigest()[:16]


def _scale_group(value: int) -> str:
    if value in PROMOTERS:
        return "promoter"
    if value in DETRACTORS:
        return "detractor"
    return "passive"


def results_for(activities: Iterable[Activity]) -> dict[int, PollResults]:
    """Results of the answered activities given, in one query whatever their number.

    The activities' options must be loaded (the theme loader eager-loads them): the choices are
    counted by option id, which the index on answer_choice.option_id answers directly (joining
    the option table instead let PostgreSQL scan every choice of every poll).
    """
    activities = [a for a in activities if a.kind.is_answered]
    if not activities:
        return {}
    ids = [a.id for a in activities]
    option_ids = [option.id for a in activities if a.kind.is_poll for option in a.options]

    per_value: dict[int, dict[int | None, int]] = defaultdict(dict)
    option_counts: dict[int, int] = {}
    parameters = {"ids": ids, "option_ids": option_ids} if option_ids else {"ids": ids}
    for activity_id, value, option_id, count in db.session.execute(_counts(bool(option_ids)), parameters):
        if option_id is None:
            per_value[activity_id][value] = count
        else:
            option_counts[option_id] = count

    results = {}
    for activity in activities:
        values = per_value.get(activity.id, {})
        answers = sum(values.values())
        if activity.kind is ActivityKind.SCALE:
            results[activity.id] = _scale_results(activity, values, answers)
        else:
            counts = [option_counts.get(option.id, 0) for option in activity.options]
            # Single choice: a share of the answers; multiple choice: a share of the respondents.
            # With one answer per person both denominators are the number of answers.
            shares = percentages(counts, answers)
            rows = [
                Row(key=option.id, count=count, percent=share, option=option)
                for option, count, share in zip(activity.options, counts, shares, strict=True)
            ]
            results[activity.id] = PollResults(
                activity_id=activity.id,
                kind=activity.kind,
                answers=answers,
                selections=sum(counts),
                rows=rows,
            )
    return results


@cache
def _counts(with_options: bool):
    """Answers per activity and, for scales, per value; and choices per option: one UNION ALL, each
    row (activity, scale value, None, count) or (None, None, option, count). Built once (building
    it cost more than a cached statement's execution); the ids are expanding bound parameters."""
    counted = (
        select(Answer.activity_id, Answer.scale_value, null().label("option_id"), func.count().label("n"))
        .where(Answer.activity_id.in_(bindparam("ids", expanding=True)))
        .group_by(Answer.activity_id, Answer.scale_value)
    )
    if not with_options:
        return counted
    return counted.union_all(
        select(null(), null(), AnswerChoice.option_id, func.count())
        .where(AnswerChoice.option_id.in_(bindparam("option_ids", expanding=True)))
        .group_by(AnswerChoice.option_id)
    )


def _scale_results(activity: Activity, values: dict[int | None, int], answers: int) -> PollResults:
    counts = [values.get(value, 0) for value in SCALE_VALUES]
    shares = percentages(counts, answers)
    rows = [
        Row(key=value, count=count, percent=share, group=_scale_group(value))
        for value, count, share in zip(SCALE_VALUES, counts, shares, strict=True)
    ]
    return PollResults(
        activity_id=activity.id,
        kind=activity.kind,
        answers=answers,
        selections=answers,
        rows=rows,
        enps=enps(counts),
        promoters=sum(counts[v] for v in PROMOTERS),
        passives=sum(counts[v] for v in SCALE_VALUES if v not in PROMOTERS and v not in DETRACTORS),
        detractors=sum(counts[v] for v in DETRACTORS),
    )
