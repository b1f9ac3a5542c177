"""People who take part together, so that the ballot box holds k of them (tests of anonymity)."""

from __future__ import annotations


def crowd(make, workspace, n: int, unit=None) -> list:
    """n new members of the workspace (in `unit`, if given)."""
    people = []
    for _ in range(n):
        person = make.user(unit=unit)
        make.member(workspace, person)
        people.append(person)
    return people
