"""A workspace with a theme discussion, a notes wall and an idea collection; a person per role; and
another workspace with content of its own (for ids that must lead nowhere)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ideaspace.models import ActivityKind, MemberRole, Role
from ideaspace.sanitize import clean_html

from ..invitations.conftest import html_of, smtp, text_of  # noqa: F401  (the SMTP fixture, reused)


@pytest.fixture
def client(app, session):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"  # pages in English, whatever the catalogues say
    return client


@pytest.fixture
def world(make, session):
    ws = make.workspace()
    theme = make.theme(ws)
    wall = make.activity(theme, kind=ActivityKind.NOTES)
    collection = make.activity(theme, kind=ActivityKind.IDEAS)
    unit = make.unit()
    author = make.user(Role.PARTICIPANT, unit=unit, name="Aino Author", email="aino@example.fi", locale="sv")
    make.member(ws, author)
    member = make.user(Role.PARTICIPANT, unit=unit, name="Mikko Member")
    make.member(ws, member)
    member2 = make.user(Role.PARTICIPANT, name="Maija Member")
    make.member(ws, member2)
    moderator = make.user(Role.MODERATOR, name="Moa Moderator")
    make.member(ws, moderator, MemberRole.MODERATOR)
    other = make.workspace()
    other_theme = make.theme(other)
    other_wall = make.activity(other_theme, kind=ActivityKind.NOTES)
    make.activity(other_theme, kind=ActivityKind.IDEAS)
    other_moderator = make.user(Role.MODERATOR, name="Otto Othermod")
    make.member(other, other_moderator, MemberRole.MODERATOR)
    world = SimpleNamespace(
        ws=ws,
        theme=theme,
        wall=wall,
        collection=collection,
        unit=unit,
        author=author,
        member=member,
        member2=member2,
        moderator=moderator,
        observer=make.user(Role.OBSERVER),
        outsider=make.user(Role.PARTICIPANT),
        admin=make.user(Role.ADMIN, name="Ada Admin"),
        other=other,
        other_theme=other_theme,
        other_moderator=other_moderator,
        comment=make.comment(theme, author, body=clean_html("<p>Kommentti teemasta</p>")),
        note=make.note(wall, author, text="Muistilappu seinällä"),
        idea=make.idea(ws, author, theme=theme, title="Ideatynnyrin idea"),
        other_comment=make.comment(other_theme, None, body=clean_html("<p>Toisen tilan kommentti</p>")),
        other_note=make.note(other_wall, None, text="Toisen tilan lappu"),
        other_idea=make.idea(other, None, theme=other_theme, title="Toisen tilan idea"),
    )
    session.commit()
    return world
