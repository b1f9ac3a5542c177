"""Geometry of the SVG charts: plain numbers, so templates only place them (no inline styles)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache

from babel.dates import format_date, format_skeleton
from flask_babel import ngettext

from .service import DayRow, Funnel

FUNNEL_BAR_MAX = 280


@dataclass
class FunnelBar:
    key: str
    value: int
    width: float
    y: int


def funnel_bars(funnel: Funnel) -> list[FunnelBar]:
    """Three bars scaled to the invited (or to the largest, should more have visited than were invited)."""
    values = [("invited", funnel.invited), ("visited", funnel.visited), ("contributed", funnel.contributed)]
    top = max(value for _, value in values) or 1
    return [
        FunnelBar(key, value, round(value / top * FUNNEL_BAR_MAX, 1), 8 + index * 52)
        for index, (key, value) in enumerate(values)
    ]


@dataclass
class DayBar:
    x: float
    y: float
    height: float
    title: str
    series: str


@dataclass
class DailyChart:
    width: int
    height: int
    plot_top: int
    plot_bottom: int
    left: int
    bar_width: int
    bars: list[DayBar] = field(default_factory=list)
    ticks: list[tuple[float, int]] = field(default_factory=list)  # (y, value)
    labels: list[tuple[float, str]] = field(default_factory=list)  # (x, short date)


SLOT, BAR, LEFT, TOP, PLOT_HEIGHT, BOTTOM, RIGHT = 14, 6, 44, 12, 180, 36, 12


def nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5 × 10^k (times 1–4 steps) at or above value, for readable axis ticks."""
    if value <= 0:
        return 1
    magnitude = 10 ** max(0, int(math.floor(math.log10(value))))
    for step in (1, 2, 2.5, 5, 10):
        candidate = int(math.ceil(step * magnitude))
        if candidate >= value:
            return candidate
    return 10 * magnitude


def daily_chart(days: list[DayRow], language: str) -> DailyChart:
    plot_bottom = TOP + PLOT_HEIGHT
    chart = DailyChart(
        width=LEFT + SLOT * len(days) + RIGHT,
        height=plot_bottom + BOTTOM,
        plot_top=TOP,
        plot_bottom=plot_bottom,
        left=LEFT,
        bar_width=BAR,
    )
    top = nice_ceiling(max((max(d.visits, d.contributions) for d in days), default=0))
    chart.ticks = [(plot_bottom - PLOT_HEIGHT * i / 2, round(top * i / 2)) for i in range(3)]
    if top % 2:  # an odd top has no whole middle tick
        chart.ticks = [chart.ticks[0], chart.ticks[2]]
    every = max(1, math.ceil(len(days) / 12))
    # The days repeat the same counts: each text is translated once per chart.
    visits = cache(lambda n: ngettext("%(num)d visit", "%(num)d visits", n))
    contributions = cache(lambda n: ngettext("%(num)d contribution", "%(num)d contributions", n))
    for index, day in enumerate(days):
        x = LEFT + SLOT * index
        when = format_date(day.day, "medium", locale=language)
        for offset, series, value, text in (
            (1, "visits", day.visits, visits(day.visits)),
            (1 + BAR, "contributions", day.contributions, contributions(day.contributions)),
        ):
            if value:
                height = round(PLOT_HEIGHT * value / top, 1)
                chart.bars.append(
                    DayBar(x + offset, round(plot_bottom - height, 1), height, f"{when}: {text}", series)
                )
        if index % every == 0:
            chart.labels.append((x + SLOT / 2, format_skeleton("Md", day.day, locale=language)))
    return chart
