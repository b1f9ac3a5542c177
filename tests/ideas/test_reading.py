"""What an idea list says to whom: excerpts that keep paragraphs apart, and no call to submit for
those who cannot (observers)."""

from __future__ import annotations

import re

import pytest

from ideaspace.markdown import render

WRITERS = ["member", "moderator", "admin"]


def test_an_excerpt_keeps_paragraphs_and_items_apart(client, barrel, make, login):
    body = render("Kokeillaan testaamiseen.\n\nRaportointi kuukausittain.\n\n- yksi\n- kaksi")
    make.idea(barrel.ws, author=barrel.member, theme=barrel.theme, body=body)
    login(barrel.member)
    html = client.get(f"/w/{barrel.ws.slug}/ideas").text
    assert "testaamiseen. Raportointi kuukausittain. yksi kaksi" in html
    assert "testaamiseen.Raportointi" not in html


@pytest.mark.parametrize("role", ["member", "observer", "moderator", "admin"])
def test_only_those_who_may_submit_are_asked_to(client, barrel, login, role):
    login(getattr(barrel, role))
    html = client.get(f"/w/{barrel.ws.slug}/ideas").text
    asked = ["submit your own", "Be the first to submit one", "My ideas and their status"]
    assert all(text in html for text in asked) == (role in WRITERS)
    assert any(text in html for text in asked) == (role in WRITERS)


def test_a_long_idea_is_counted_not_cut(client, barrel, login):
    login(barrel.member)
    html = client.get(f"/w/{barrel.ws.slug}/ideas").text
    area = re.search(r'<textarea[^>]*name="body"[^>]*>', html).group()
    assert "maxlength" not in area
    assert re.search(r'data-counter-for="body" data-max="5000"', html)


def test_a_long_title_is_counted_not_cut(client, barrel, login):
    """The title too: a pasted title over the limit is kept and refused with a clear error."""
    login(barrel.member)
    html = client.get(f"/w/{barrel.ws.slug}/ideas").text
    title = re.search(r'<input[^>]*name="title"[^>]*>', html).group()
    assert "maxlength" not in title
    assert re.search(r'data-counter-for="title" data-max="\d+"', html)
