"""What the browser tests see: people of every role and a small open workspace."""

from __future__ import annotations

from ideaspace.extensions import db
from ideaspace.models import ActivityKind, MemberRole, Role

from ..factories import PASSWORD, Factories

PEOPLE = {
    "admin": ("admin@browser.example.fi", Role.ADMIN),
    "moderator": ("moderator@browser.example.fi", Role.MODERATOR),
    "participant": ("participant@browser.example.fi", Role.PARTICIPANT),
    "observer": ("observer@browser.example.fi", Role.OBSERVER),
}
SLUG = "browser-workspace"


def load(app) -> None:
    make = Factories(db.session)
    unit = make.unit("Henkilöstöpalvelut")
    users = {
        key: make.user(role, unit=unit, email=email, name=key.title())
        for key, (email, role) in PEOPLE.items()
    }
    ws = make.workspace(slug=SLUG)
    make.member(ws, users["moderator"], MemberRole.MODERATOR)
    make.member(ws, users["participant"])
    theme = make.theme(ws)
    measure = make.measure(theme)
    make.indicator(measure)
    make.activity(theme, ActivityKind.SINGLE_CHOICE, options=["Yksi", "Kaksi", "Kolme"])


__all__ = ["PASSWORD", "PEOPLE", "SLUG", "load"]
