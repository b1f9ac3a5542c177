"""Introductions and prompts are Markdown: rendered once on write, shown back as Markdown to edit,
and a Markdown bomb is a 422 with the text kept and nothing saved."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ideaspace.models import Theme


def test_a_theme_introduction_typed_as_markdown_is_bold_and_edits_as_markdown(
    client, world, as_moderator, session
):
    response = client.post(
        f"/w/{world.ws.slug}/manage/themes/new",
        data={
            "title-fi": "Työhyvinvointi",
            "introduction-fi": "Lisää **työhyvinvointia**\n\n- yksi\n- kaksi",
        },
    )
    assert response.status_code == 302
    theme = session.scalar(select(Theme).where(Theme.workspace_id == world.ws.id))
    assert theme.introduction == {
        "fi": "<p>Lisää <strong>työhyvinvointia</strong></p><ul><li>yksi</li><li>kaksi</li></ul>"
    }
    page = client.get(f"/w/{world.ws.slug}/themes/{theme.id}").text
    assert "<strong>työhyvinvointia</strong>" in page and "**työhyvinvointia**" not in page
    edit = client.get(f"/w/{world.ws.slug}/manage/themes/{theme.id}/edit").text
    assert "Lisää **työhyvinvointia**\n\n- yksi\n- kaksi" in edit  # the source, for the textarea
    assert "data-markdown" in edit


@pytest.mark.parametrize(
    "bomb,message",
    [
        ("> " * 200 + "syvä", "nested at most"),
        ("<https://x.fi> " * 300, "at most 200 links"),
    ],
)
def test_a_markdown_bomb_in_an_introduction_is_refused_and_kept(
    client, make, world, as_moderator, session, bomb, message
):
    theme = make.theme(world.ws, title={"fi": "Alkuperäinen"}, introduction={"fi": "<p>Vanha</p>"})
    response = client.post(
        f"/w/{world.ws.slug}/manage/themes/{theme.id}/edit",
        data={"title-fi": "Uusi", "introduction-fi": bomb},
    )
    assert response.status_code == 422 and message in response.text
    assert "&gt; &gt; &gt;" in response.text or "&lt;https://x.fi&gt;" in response.text  # the text is kept
    session.refresh(theme)
    assert theme.title == {"fi": "Alkuperäinen"} and theme.introduction == {"fi": "<p>Vanha</p>"}
