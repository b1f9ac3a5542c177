"""Compare two programme dicts (two published versions, or a version and the draft): a pure function.

The result says, theme by theme, which measures were added, removed or changed (field by field,
indicators included), which results changed (answers, votes, percentages, eNPS) and which quotes
were added, removed or changed. Things are matched by their ids, which a version keeps.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MEASURE_FIELDS = ("goal", "text", "schedule", "responsible", "status")
INDICATOR_FIELDS = (
    "description",
    "unit_of_measure",
    "baseline_year",
    "baseline_value",
    "baseline_source",
    "comparator",
    "target_value",
    "target_text",
    "readings",
    "follow_up",
)
THEME_FIELDS = ("title", "introduction_html")
PARTICIPATION_FIELDS = (
    "invited",
    "visited",
    "contributed",
    "visited_rate",
    "contributed_rate",
    "opens_on",
    "closes_on",
)


@dataclass
class Change:
    field: str
    old: object
    new: object


@dataclass
class ItemChange:
    """One measure, indicator, result or quote present in both, with what changed in it."""

    old: dict
    new: dict
    fields: list[Change] = field(default_factory=list)
    indicators: ListDiff | None = None  # measures
    options: list[Change] = field(default_factory=list)  # results: per option label

    @property
    def changed(self) -> bool:
        return bool(self.fields or self.options or (self.indicators is not None and self.indicators.any))


@dataclass
class ListDiff:
    added: list[dict] = field(default_factory=list)
    removed: list[dict] = field(default_factory=list)
    changed: list[ItemChange] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return bool(self.added or self.removed or self.changed)


@dataclass
class ThemeDiff:
    status: str  # "added", "removed", "changed", "same"
    old: dict | None
    new: dict | None
    fields: list[Change] = field(default_factory=list)
    measures: ListDiff = field(default_factory=ListDiff)
    results: ListDiff = field(default_factory=ListDiff)
    quotes: ListDiff = field(default_factory=ListDiff)

    @property
    def title(self) -> str:
        return (self.new or self.old)["title"]

    @property
    def id(self) -> int:
        return (self.new or self.old)["id"]


@dataclass
class ProgrammeDiff:
    themes: list[ThemeDiff]
    participation: list[Change]

    @property
    def changed(self) -> bool:
        return bool(self.participation) or any(t.status != "same" for t in self.themes)


def _fields(old: dict, new: dict, names) -> list[Change]:
    return [Change(name, old.get(name), new.get(name)) for name in names if old.get(name) != new.get(name)]


def _by_id(items: list[dict], key: str = "id") -> dict:
    return {item[key]: item for item in items}


def _list_diff(old: list[dict], new: list[dict], compare, key: str = "id") -> ListDiff:
    before, after = _by_id(old, key), _by_id(new, key)
    diff = ListDiff(
        added=[item for item in new if item[key] not in before],
        removed=[item for item in old if item[key] not in after],
    )
    for item in new:
        if item[key] in before:
            change = compare(before[item[key]], item)
            if change.changed:
                diff.changed.append(change)
    return diff


def _readings_text(readings: list[dict]) -> str:
    return "; ".join(f"{r['year']}: {r['value'] if r['value'] is not None else '–'}" for r in readings)


def _indicator(old: dict, new: dict) -> ItemChange:
    old_r = {**old, "readings": _readings_text(old.get("readings", []))}
    new_r = {**new, "readings": _readings_text(new.get("readings", []))}
    return ItemChange(old, new, _fields(old_r, new_r, INDICATOR_FIELDS))


def _measure(old: dict, new: dict) -> ItemChange:
    return ItemChange(
        old,
        new,
        _fields(old, new, MEASURE_FIELDS),
        indicators=_list_diff(old.get("indicators", []), new.get("indicators", []), _indicator),
    )


def _result(old: dict, new: dict) -> ItemChange:
    fields = _fields(old, new, ("title", "question", "answers", "respondents", "enps"))
    options = []
    old_options = {o["label"]: o for o in old.get("options", [])}
    new_options = {o["label"]: o for o in new.get("options", [])}
    for label in [*old_options, *(k for k in new_options if k not in old_options)]:
        a, b = old_options.get(label), new_options.get(label)
        before = (a["votes"], a["percent"]) if a else None
        after = (b["votes"], b["percent"]) if b else None
        if before != after:
            options.append(Change(label, before, after))
    if old.get("distribution") != new.get("distribution"):
        fields.append(Change("distribution", old.get("distribution"), new.get("distribution")))
    return ItemChange(old, new, fields, options=options)


def _quote(old: dict, new: dict) -> ItemChange:
    return ItemChange(old, new, _fields(old, new, ("text", "attribution")))


def compare(old: dict, new: dict) -> ProgrammeDiff:
    """What changed from `old` to `new` (two programme dicts in the same language)."""
    before, after = _by_id(old["themes"]), _by_id(new["themes"])
    themes = []
    for theme in new["themes"]:
        if theme["id"] not in before:
            themes.append(ThemeDiff("added", None, theme))
            continue
        previous = before[theme["id"]]
        diff = ThemeDiff(
            "same",
            previous,
            theme,
            fields=_fields(previous, theme, THEME_FIELDS),
            measures=_list_diff(previous["measures"], theme["measures"], _measure),
            results=_list_diff(previous["results"], theme["results"], _result, key="activity_id"),
            quotes=_list_diff(previous["quotes"], theme["quotes"], _quote),
        )
        if diff.fields or diff.measures.any or diff.results.any or diff.quotes.any:
            diff.status = "changed"
        themes.append(diff)
    themes.extend(ThemeDiff("removed", theme, None) for theme in old["themes"] if theme["id"] not in after)
    return ProgrammeDiff(themes, _fields(old["participation"], new["participation"], PARTICIPATION_FIELDS))
