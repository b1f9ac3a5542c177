from __future__ import annotations

from dataclasses import dataclass

import pytest

from ideaspace.models import ActivityKind, MemberRole, Role
from ideaspace.sanitize import clean_html


@dataclass
class Setup:
    workspace: object
    theme: object
    other_theme: object
    moderator: object
    author: object
    unit: object
    comment: object
    note: object
    idea: object
    anonymous_comment: object


@pytest.fixture
def setup(make, session):
    ws = make.workspace()
    theme = make.theme(ws)
    other_theme = make.theme(ws)
    moderator = make.user(role=Role.MODERATOR)
    make.member(ws, moderator, MemberRole.MODERATOR)
    unit = make.unit("Varhaiskasvatus")
    author = make.user(unit=unit, name="Maija Meikäläinen")
    make.member(ws, author)
    comment = make.comment(
        theme,
        author,
        body=clean_html(
            "<p>Hyvä perehdytys antaa uuden työntekijän tuoda osaamistaan.</p><p>Vastuu on kaikilla.</p>"
        ),
    )
    wall = make.activity(theme, kind=ActivityKind.NOTES)
    note = make.note(wall, author, text="Kaikkia kuunnellaan")
    idea = make.idea(ws, author, theme=other_theme, body=clean_html("<p>Kokeilukulttuuri vaatii aikaa.</p>"))
    anonymous_comment = make.comment(
        theme, None, body=clean_html("<p>Jokainen voi olla oma itsensä.</p>"), unit_id=None
    )
    session.commit()  # a refused request rolls back: keep these for the requests that follow
    return Setup(ws, theme, other_theme, moderator, author, unit, comment, note, idea, anonymous_comment)


@pytest.fixture(autouse=True)
def english(client):
    """Pages in English (the browser's language) unless a test asks for another: assertions read English."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
