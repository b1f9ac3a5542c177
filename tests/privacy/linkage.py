"""A linkage attack on anonymous content: evidence → the set of people each anonymous item could be from.

The attacker holds some *knowledge* about people (who they are, their unit, when they were seen,
who took part in what and in which order, the transaction ids of their rows) and some
*observations* of anonymous items (each with what one output or the database shows of it: a unit,
a day or time, a position, a transaction id). A *channel* turns one kind of evidence into a
candidate set for an item, or None when it says nothing. The candidate set of an item is the
intersection over all channels; the attack succeeds when it is smaller than k.

Every channel is written so that it never drops the true author under either the old code (rows
written in the contributor's own request) or the ballot box (rows written at publication, in
batches, all with the publication time): `check_sound` verifies that against the test's own truth.
A new output joins by producing `Observation`s (and, if it tells about people, `Knowledge`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

Moment = date | datetime


@dataclass
class Knowledge:
    """What the attacker knows about people, from the same outputs (or the same database)."""

    units: dict[str, str | None]  # person → unit path ("Dept / Unit")
    # scope → the people who took part in it (None: unknown, anybody could have)
    participants: dict[str, set[str]] = field(default_factory=dict)
    # person → moments they were seen (dates: that day; datetimes: that instant)
    moments: dict[str, set[Moment]] = field(default_factory=lambda: defaultdict(set))
    # scope → people in the order their participation was written (one item per person scopes)
    order: dict[str, list[str]] = field(default_factory=dict)
    # person → transaction ids of the rows written about them (PostgreSQL xmin)
    txids: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    # person → the languages they are known to write (empty: unknown)
    languages: dict[str, set[str]] = field(default_factory=dict)

    def people(self) -> set[str]:
        return set(self.units)

    def base(self, scope: str) -> set[str]:
        return set(self.participants.get(scope) or self.people())


@dataclass
class Observation:
    """One anonymous item as one source shows it."""

    source: str  # "export", "content.csv", "database" ...
    scope: str  # "answer:<activity>", "note:<activity>", "comment:<activity>", "idea:barrel"
    ref: str  # how that source names the item
    unit: str | None = None  # the unit path it shows, if any
    when: Moment | None = None  # the day or time it shows, if any
    position: tuple | None = None  # its place in the stored order (rowid, ctid, id), if any
    batch: object = None  # what the rows written together share (xmin, time), if known
    txid: str | None = None  # its transaction id, if known
    language: str | None = None  # the language it is shown as written in, if any
    truth: frozenset[str] = frozenset()  # (the test's own) the people it may truly be from


Channel = Callable[[Observation, list[Observation], Knowledge], set[str] | None]


def unit_channel(item: Observation, scope_items: list[Observation], k: Knowledge) -> set[str] | None:
    """A unit shown: the item is from someone of that unit (or of a unit below it)."""
    if not item.unit:
        return None
    return {
        p for p, path in k.units.items() if path and (path == item.unit or path.startswith(item.unit + " / "))
    }


def _day(moment: Moment) -> date:
    return moment.date() if isinstance(moment, datetime) else moment


def _within(moment: Moment, start: Moment | None, end: Moment) -> bool:
    """Could `moment` lie in (start, end]? Instants compare exactly, anything with a date by day."""
    if isinstance(moment, datetime) and isinstance(end, datetime):
        if moment > end:
            return False
    elif _day(moment) > _day(end):
        return False
    if start is None:
        return True
    if isinstance(moment, datetime) and isinstance(start, datetime):
        return moment > start
    return _day(moment) >= _day(start)


def _before(a: Moment, b: Moment) -> bool:
    if isinstance(a, datetime) and isinstance(b, datetime):
        return a < b
    return _day(a) < _day(b)


def _sort_key(moment: Moment) -> tuple:
    return (_day(moment), moment.timestamp() if isinstance(moment, datetime) else -1.0)


def time_channel(item: Observation, scope_items: list[Observation], k: Knowledge) -> set[str] | None:
    """A day or time shown: the author took part at or before it, and after the scope's previous
    distinct time (rows are written when given, or at publication with the whole pool)."""
    if item.when is None or not any(k.moments.values()):
        return None
    earlier = [o.when for o in scope_items if o.when is not None and _before(o.when, item.when)]
    start = max(earlier, key=_sort_key) if earlier else None
    # Someone never seen cannot be ruled out.
    unseen = {p for p in k.people() if not k.moments.get(p)}
    return unseen | {p for p, seen in k.moments.items() if any(_within(m, start, item.when) for m in seen)}


def order_channel(item: Observation, scope_items: list[Observation], k: Knowledge) -> set[str] | None:
    """A stored position, in a scope of one item per person whose participation order is known:
    the rows written together (same batch) take the places of the people who took part then."""
    order = k.order.get(item.scope)
    if item.position is None or not order:
        return None
    ranked = sorted((o for o in scope_items if o.position is not None), key=lambda o: o.position)
    if len(ranked) > len(order):  # not one item per person: positions cannot be lined up
        return None
    start = next(i for i, o in enumerate(ranked) if o.batch == item.batch)
    end = max(i for i, o in enumerate(ranked) if o.batch == item.batch) + 1
    return set(order[start:end])


def txid_channel(item: Observation, scope_items: list[Observation], k: Knowledge) -> set[str] | None:
    """A transaction id shared with rows about people: the item was written with them."""
    if item.txid is None:
        return None
    sharing = {p for p, ids in k.txids.items() if item.txid in ids}
    return sharing or None


def language_channel(item: Observation, scope_items: list[Observation], k: Knowledge) -> set[str] | None:
    """A language shown for the item: its author writes that language (or is not known not to)."""
    if not item.language or not k.languages:
        return None
    return {p for p in k.people() if not k.languages.get(p) or item.language in k.languages[p]}


CHANNELS: dict[str, Channel] = {
    "unit": unit_channel,
    "language": language_channel,
    "day/time": time_channel,
    "order": order_channel,
    "transaction id": txid_channel,
}


def candidates(
    items: list[Observation], knowledge: Knowledge, channels: dict[str, Channel] = CHANNELS
) -> list[tuple[Observation, set[str], list[str]]]:
    """For each item: the people consistent with all the evidence, and the channels that narrowed it."""
    by_scope = defaultdict(list)  # what one source shows of one scope
    for item in items:
        by_scope[(item.source, item.scope)].append(item)
    out = []
    for item in items:
        people = knowledge.base(item.scope)
        narrowed = []
        for name, channel in channels.items():
            found = channel(item, by_scope[(item.source, item.scope)], knowledge)
            if found is not None and not people <= found:
                people &= found
                narrowed.append(name)
        out.append((item, people, narrowed))
    return out


def difference(
    before: list[Observation],
    after: list[Observation],
    signature: Callable[[Observation], object],
    knowledge_before: Knowledge,
    knowledge_after: Knowledge,
) -> list[tuple[Observation, set[str], list[str]]]:
    """Two takes of the same output, before and after more people took part.

    For a scope whose every participant's item was already shown before (nothing was held back),
    the items that are new afterwards are from the people who are new afterwards. Otherwise the
    new items could be anybody's who took part, and the difference says nothing.
    """
    shown = defaultdict(Counter)
    for item in before:
        shown[item.scope][signature(item)] += 1
    out = []
    new_by_scope = defaultdict(list)
    for item in after:
        key = signature(item)
        if shown[item.scope][key]:
            shown[item.scope][key] -= 1
        else:
            new_by_scope[item.scope].append(item)
    for scope, new in new_by_scope.items():
        had = knowledge_before.participants.get(scope)
        has = knowledge_after.base(scope)
        shown_before = sum(1 for o in before if o.scope == scope)
        if had is not None and len(had) == shown_before:
            for item in new:
                out.append((item, has - had, ["before/after"]))
        else:
            for item in new:
                out.append((item, has, []))
    return out


def check_sound(results: Iterable[tuple[Observation, set[str], list[str]]]) -> list[str]:
    """Where the attack dropped every possible true author, its model of a channel is wrong."""
    return [
        f"{item.source} {item.scope} {item.ref} (unit {item.unit}, {item.when}): true author(s)"
        f" {sorted(item.truth)} not in {sorted(people)} left by {' + '.join(ways)}"
        for item, people, ways in results
        if item.truth and not (people & item.truth)
    ]


def linked(results, k: int) -> list[str]:
    """The items the attack narrows to fewer than k people, described for the failure message."""
    return [
        f"{item.source} {item.scope} {item.ref} → {len(people)} people via {' + '.join(ways) or '-'}"
        for item, people, ways in results
        if len(people) < k
    ]
