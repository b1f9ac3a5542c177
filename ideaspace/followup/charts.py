"""A small line chart of an indicator: the baseline, the yearly readings and the target line.

Only the geometry is computed here (pure, tested); templates/followup/_chart.html draws it as an
inline SVG with a <title>, a <desc> and CSS classes (no style attributes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

WIDTH, HEIGHT = 260, 110
LEFT, RIGHT, TOP, BOTTOM = 40, 12, 10, 22


@dataclass
class Point:
    year: int
    value: Decimal
    x: float
    y: float
    baseline: bool = False


@dataclass
class Chart:
    width: int
    height: int
    points: list[Point] = field(default_factory=list)
    target_y: float | None = None
    target: Decimal | None = None
    low: Decimal = Decimal(0)
    high: Decimal = Decimal(0)
    low_y: float = 0
    high_y: float = 0
    left: int = LEFT
    right: int = WIDTH - RIGHT
    axis_y: float = HEIGHT - BOTTOM

    @property
    def line(self) -> str:
        """The polyline through the baseline and the readings, in year order."""
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


def chart(indicator) -> Chart | None:
    """The chart of an indicator (baseline_year/value, target_value, readings), or None when there
    is no number to draw (a qualitative indicator without readings)."""
    values: list[tuple[int, Decimal, bool]] = []
    if indicator.baseline_value is not None and indicator.baseline_year is not None:
        values.append((indicator.baseline_year, Decimal(indicator.baseline_value), True))
    readings = {r.year: r.value for r in indicator.readings if r.value is not None}
    if indicator.baseline_year in readings:  # a reading of the baseline year replaces it on the chart
        values = []
    values += [(year, Decimal(value), False) for year, value in sorted(readings.items())]
    if not values:
        return None
    comparator = str(getattr(indicator.comparator, "value", indicator.comparator))
    target = (
        Decimal(indicator.target_value)
        if indicator.target_value is not None and comparator != "qualitative"
        else None
    )
    numbers = [v for _, v, _ in values] + ([target] if target is not None else [])
    low, high = min(numbers + [Decimal(0)]), max(numbers)
    if high == low:
        high = low + 1
    years = [y for y, _, _ in values]
    first, last = min(years), max(years)
    span = max(last - first, 1)
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM

    def x(year: int) -> float:
        if first == last:
            return LEFT + plot_w / 2
        return LEFT + (year - first) * plot_w / span

    def y(value: Decimal) -> float:
        return TOP + float((high - value) / (high - low)) * plot_h

    return Chart(
        width=WIDTH,
        height=HEIGHT,
        points=[Point(year, value, x(year), y(value), baseline) for year, value, baseline in values],
        target_y=y(target) if target is not None else None,
        target=target,
        low=low,
        high=high,
        low_y=y(low),
        high_y=y(high),
    )
