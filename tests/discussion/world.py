"""A workspace with a person in every role, shared by the discussion and notes-wall tests."""

from __future__ import annotations

from dataclasses import dataclass

from ideaspace.models import ActivityKind, MemberRole, Role


@dataclass
class World:
    ws: object
    theme: object
    measure: object
    discussion: object
    notes: object
    big_unit: object
    small_unit: object
    member: object
    member2: object
    nonmember: object
    observer: object
    moderator: object
    admin: object
    other_ws: object
    other_theme: object
    other_measure: object
    other_discussion: object
    other_notes: object

    def role(self, name: str):
        return None if name == "anonymous" else getattr(self, name)


def build(make) -> World:
    ws = make.workspace()
    theme = make.theme(ws)
    measure = make.measure(theme)
    discussion = make.activity(theme, kind=ActivityKind.DISCUSSION)
    notes = make.activity(theme, kind=ActivityKind.NOTES)
    big_unit, small_unit = make.unit("Henkilöstöpalvelut"), make.unit("Pieni yksikkö")
    member = make.user(Role.PARTICIPANT, unit=big_unit, name="Maija Meikäläinen")
    for _ in range(4):
        make.user(Role.PARTICIPANT, unit=big_unit)
    member2 = make.user(Role.PARTICIPANT, unit=small_unit, name="Pekka Pienestä")
    nonmember = make.user(Role.PARTICIPANT, unit=big_unit)
    observer = make.user(Role.OBSERVER)
    moderator = make.user(Role.MODERATOR)
    admin = make.user(Role.ADMIN)
    make.member(ws, member)
    make.member(ws, member2)
    make.member(ws, moderator, role=MemberRole.MODERATOR)
    other_ws = make.workspace()
    other_theme = make.theme(other_ws)
    other_measure = make.measure(other_theme)
    other_discussion = make.activity(other_theme, kind=ActivityKind.DISCUSSION)
    other_notes = make.activity(other_theme, kind=ActivityKind.NOTES)
    make.member(other_ws, member)
    return World(
        ws,
        theme,
        measure,
        discussion,
        notes,
        big_unit,
        small_unit,
        member,
        member2,
        nonmember,
        observer,
        moderator,
        admin,
        other_ws,
        other_theme,
        other_measure,
        other_discussion,
        other_notes,
    )


# What each role gets from a page and from posting in an open workspace it can see.
READ = {"anonymous": 302, "nonmember": 403, "member": 200, "observer": 200, "moderator": 200, "admin": 200}
WRITE = {"anonymous": 302, "nonmember": 403, "member": 302, "observer": 403, "moderator": 302, "admin": 302}


def switch_to(login, user):
    """Sign in as another person mid-test.

    The tests' app context outlives requests, so Flask-Login's per-request cache of the signed-in
    user (g._login_user) and the membership cache would otherwise keep the previous person.
    """
    from flask import g

    g.pop("_login_user", None)
    g.pop("_memberships", None)
    return login(user)
