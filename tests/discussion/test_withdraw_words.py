"""Withdrawing one's comment says so in every language (issue 17, 3): the Finnish button read
"Peru", which reads as "Cancel"."""

from __future__ import annotations

import re

import pytest

from ideaspace.extensions import db
from tests.test_translations import compiled  # noqa: F401  (the real catalogues, a fixture)


@pytest.mark.parametrize(
    ("language", "word"), [("fi", "Vedä takaisin"), ("sv", "Återkalla"), ("en", "Withdraw")]
)
def test_the_withdraw_button_says_withdraw(world, client, login, make, compiled, language, word):  # noqa: F811
    comment = make.comment(world.theme, world.member, body="<p>Oma kommentti</p>")
    db.session.commit()
    login(world.member)
    html = client.get(
        f"/w/{world.ws.slug}/themes/{world.theme.id}", headers={"Accept-Language": language}
    ).get_data(as_text=True)
    form = re.search(rf'<form[^>]*/comments/{comment.id}/withdraw".*?</form>', html, re.S)
    assert form, "the author is offered the withdraw button"
    button = re.sub(r"<[^>]+>", " ", re.search(r"<button.*?</button>", form.group(), re.S).group())
    assert word in button
    assert not re.search(r"\bPeru\b", button)
