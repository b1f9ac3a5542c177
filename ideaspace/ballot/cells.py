"""The unit label of each person of a published batch: every (batch, unit) group holds k people.

Plain Python with no imports of the app, so that migrations can use it as it is.
"""

from __future__ import annotations


def cell_labels(
    units: dict[str, int | None], parents: dict[int, int | None], k: int
) -> dict[str, int | None]:
    """The unit shown for each person of a batch, so that every (batch, label) group has ≥ k people.

    Walking up the unit tree from the bottom, a unit labels every not-yet-labelled person of its
    subtree once they number at least k. If the people left without a label number 1 to k−1,
    they would be a group of their own (the complement of the labelled ones): then nobody in the
    batch gets a label.
    """
    chains: dict[str, list[int]] = {}
    depth: dict[int, int] = {}
    for person, unit in units.items():
        chain, seen = [], set()
        while unit is not None and unit not in seen:  # `seen`: a cycle in bad data ends the walk
            seen.add(unit)
            chain.append(unit)
            unit = parents.get(unit)
        chains[person] = chain
        for level, ancestor in enumerate(reversed(chain)):
            depth[ancestor] = max(depth.get(ancestor, 0), level)
    labels: dict[str, int] = {}
    for unit in sorted(depth, key=lambda u: (-depth[u], u)):
        people = [p for p, chain in chains.items() if p not in labels and unit in chain]
        if len(people) >= k:
            labels.update(dict.fromkeys(people, unit))
    if 0 < len(units) - len(labels) < k:
        return dict.fromkeys(units)
    return {person: labels.get(person) for person in units}
