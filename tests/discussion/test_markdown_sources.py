"""The Markdown an author typed is kept beside the HTML and is what they edit (issue 18, item 1):
comments, ideas, workspace and theme introductions, activity prompts."""

from html import unescape

import pytest
from sqlalchemy import select

from ideaspace import markdown
from ideaspace.discussion import service as discussion
from ideaspace.extensions import db
from ideaspace.ideas import service as ideas
from ideaspace.models import ActivityKind, Ballot, Idea
from ideaspace.workspaces import activities, manage

# Starts with "<" (an autolink) and has what HTML cannot give back exactly: the typed line break
# inside a list item, the list marker and the emphasis characters chosen.
SOURCE = "<https://kokkola.fi> on __tärkeä__\n\n+ yksi\n  jatkuu\n+ _kaksi_"


def textarea(html: str, name: str) -> str:
    start = html.index(f'name="{name}"')
    start = html.index(">", start) + 1
    return unescape(html[start : html.index("</textarea>", start)]).strip("\r\n")


@pytest.fixture(autouse=True)
def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def test_a_comment_keeps_its_source_and_its_author_edits_it(world, client, login):
    comment = discussion.post_comment(world.member, world.ws, world.theme, SOURCE)
    assert comment.body == markdown.render(SOURCE) and comment.body_source == SOURCE
    db.session.commit()
    login(world.member)
    url = f"/w/{world.ws.slug}/comments/{comment.id}/edit"
    assert textarea(client.get(url).text, "body") == SOURCE
    assert client.post(url, data={"body": "Uusi **teksti**\r\n<https://x.fi>"}).status_code == 302
    assert comment.body_source == "Uusi **teksti**\n<https://x.fi>"
    assert comment.body == markdown.render("Uusi **teksti**\n<https://x.fi>")


def test_a_comment_stored_before_sources_is_edited_as_the_markdown_of_its_html(world, client, login, make):
    comment = make.comment(world.theme, world.member, body="<p>Vanha <strong>lihava</strong></p>")
    assert comment.body_source is None
    db.session.commit()
    login(world.member)
    page = client.get(f"/w/{world.ws.slug}/comments/{comment.id}/edit").text
    assert textarea(page, "body") == "Vanha **lihava**"


def test_an_idea_keeps_its_source(world, make):
    make.activity(world.theme, kind=ActivityKind.IDEAS)
    idea = ideas.submit_idea(world.member, world.ws, title="Kokeilu", body=SOURCE, theme=world.theme)
    assert isinstance(idea, Idea)
    assert idea.body == markdown.render(SOURCE) and idea.body_source == SOURCE


def test_introductions_and_prompts_keep_their_sources(world):
    theme = manage.create_theme(
        world.moderator,
        world.ws,
        title={"fi": "Teema"},
        introduction={"fi": markdown.render(SOURCE)},
        introduction_source={"fi": SOURCE, "sv": "ei HTML:ää, ei lähdettä"},
    )
    assert theme.introduction_source == {"fi": SOURCE}  # only the languages the HTML has
    # A caller that gives HTML only leaves no stale source behind.
    manage.update_theme(world.moderator, theme, title={"fi": "Teema"}, introduction={"fi": "<p>Uusi</p>"})
    assert theme.introduction == {"fi": "<p>Uusi</p>"} and theme.introduction_source is None
    assert markdown.editable_localized(theme.introduction_source, theme.introduction) == {"fi": "Uusi"}

    activity = activities.create_activity(
        world.moderator,
        world.ws,
        theme,
        kind=ActivityKind.DISCUSSION,
        title={"fi": "Keskustelu"},
        prompt={"fi": markdown.render(SOURCE)},
        prompt_source={"fi": SOURCE},
    )
    assert activity.prompt_source == {"fi": SOURCE}


def test_the_edit_forms_show_the_sources(world, client, login, session):
    ws, theme = world.ws, world.theme
    manage.update_workspace(
        world.moderator,
        ws,
        slug=ws.slug,
        title=ws.title,
        introduction={"fi": markdown.render(SOURCE)},
        introduction_source={"fi": SOURCE},
        strategy=ws.strategy,
        primary_language=ws.primary_language,
        status=ws.status,
        access=ws.access,
        opens_on=ws.opens_on,
        closes_on=ws.closes_on,
        min_group_size=ws.min_group_size,
    )
    manage.update_theme(
        world.moderator,
        theme,
        title=theme.title,
        introduction={"sv": markdown.render(SOURCE)},
        introduction_source={"sv": SOURCE},
    )
    world.discussion.prompt = {"en": markdown.render(SOURCE)}
    world.discussion.prompt_source = {"en": SOURCE}
    session.commit()
    login(world.moderator)
    page = client.get(f"/w/{ws.slug}/manage/edit").text
    assert textarea(page, "introduction-fi") == SOURCE
    page = client.get(f"/w/{ws.slug}/manage/themes/{theme.id}/edit").text
    assert textarea(page, "introduction-sv") == SOURCE
    page = client.get(f"/w/{ws.slug}/manage/activities/{world.discussion.id}/edit").text
    assert textarea(page, "prompt-en") == SOURCE

    # Saving the workspace form stores what was typed beside what it renders to.
    form = {
        "slug": ws.slug,
        "primary_language": ws.primary_language,
        "title-fi": ws.title.get("fi", "Tila"),
        "introduction-fi": "Uusi **johdanto**",
        "status": ws.status.value,
        "access": ws.access.value,
        "min_group_size": str(ws.min_group_size),
    }
    assert client.post(f"/w/{ws.slug}/manage/edit", data=form).status_code == 302
    db.session.refresh(ws)
    assert ws.introduction_source == {"fi": "Uusi **johdanto**"}
    assert ws.introduction == {"fi": "<p>Uusi <strong>johdanto</strong></p>"}


def test_an_anonymous_comment_keeps_its_source_through_the_ballot_box(world, make):
    anonymous = make.activity(world.theme, kind=ActivityKind.DISCUSSION, is_anonymous=True)
    discussion.post_comment(world.member, world.ws, anonymous, SOURCE)
    (sealed,) = db.session.scalars(select(Ballot).where(Ballot.activity_id == anonymous.id))
    assert sealed.payload["body"] == markdown.render(SOURCE) and sealed.payload["body_source"] == SOURCE
