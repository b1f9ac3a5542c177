"""Notes wall routes for every role, with bad input, htmx and without JavaScript."""

import re

import pytest
from sqlalchemy import func, select

from ideaspace.extensions import db
from ideaspace.models import ActivityKind, ActivityStatus, AuditLog, Note, NoteGroup, WorkspaceStatus, utcnow
from tests.crowd import crowd
from tests.discussion.world import READ, WRITE, switch_to

HX = {"HX-Request": "true"}
ROLES = list(READ)


@pytest.fixture(autouse=True)
def english(client):
    """These tests read the English source strings; the pages default to Finnish."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


MODERATE = {
    "anonymous": 302,
    "nonmember": 403,
    "member": 403,
    "observer": 403,
    "moderator": 302,
    "admin": 302,
}


def count(model=Note):
    return db.session.scalar(select(func.count()).select_from(model))


def as_role(world, login, role):
    user = world.role(role)
    if user is not None:
        login(user)


def theme_url(world):
    return f"/w/{world.ws.slug}/themes/{world.theme.id}"


def notes_url(world, activity=None):
    return f"/w/{world.ws.slug}/activities/{(activity or world.notes).id}/notes"


@pytest.mark.parametrize("role", ROLES)
def test_wall_page_for_every_role(world, client, login, make, role):
    make.note(world.notes, world.member2, text="Kannustava ilmapiiri")
    db.session.commit()
    as_role(world, login, role)
    response = client.get(notes_url(world))
    assert response.status_code == READ[role]
    if READ[role] == 200:
        assert "Kannustava ilmapiiri" in response.text and 'class="wordcloud"' in response.text
        assert ('id="groups"' in response.text) == (role in ("moderator", "admin"))


@pytest.mark.parametrize("role", ROLES)
def test_post_note_for_every_role(world, client, login, role):
    as_role(world, login, role)
    response = client.post(notes_url(world), data={"text": "Rohkeutta!", "next": theme_url(world)})
    assert response.status_code == WRITE[role]
    if role in ("member", "moderator", "admin"):
        note = db.session.scalar(select(Note).order_by(Note.id.desc()))
        assert note.text == "Rohkeutta!" and note.author_id == world.role(role).id
        assert response.headers["Location"] == f"{theme_url(world)}#note-{note.id}"
    else:
        assert count() == 0


def test_theme_page_shows_the_wall_and_the_cloud_as_a_ranked_list(world, client, login, make):
    for text in ("Uteliaisuus ja rohkeus", "uteliaisuus!", "Uteliaisuus, kokeilunhalu", "Rohkeus"):
        make.note(world.notes, world.member2, text=text)
    db.session.commit()
    login(world.member)
    html = client.get(theme_url(world)).text
    cloud = html[
        html.index('<ol class="wordcloud"') : html.index("</ol>", html.index('<ol class="wordcloud"'))
    ]
    assert cloud.index("uteliaisuus") < cloud.index("rohkeus") < cloud.index("kokeilunhalu")
    assert "– 3 mentions" in cloud and "– 1 mention<" in cloud
    assert "wordcloud__term--5" in cloud and "style=" not in cloud
    assert html.index("Rohkeus</p>") < html.index("Uteliaisuus ja rohkeus</p>")  # newest first
    assert f'id="notes-{world.notes.id}-status" role="status" aria-live="polite"' in html


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Write a note before posting."),
        ("   ", "Write a note before posting."),
        ("x" * 281, "at most 280 characters"),
    ],
)
def test_bad_note_is_refused_with_a_clear_message(world, client, login, text, message):
    login(world.member)
    response = client.post(notes_url(world), data={"text": text})
    assert response.status_code == 422 and message in response.text and 'id="error-summary"' in response.text
    response = client.post(notes_url(world), data={"text": text}, headers=HX)
    assert response.status_code == 422 and message in response.text and 'aria-invalid="true"' in response.text
    assert count() == 0


def test_script_payload_in_a_note_renders_inert(world, client, login):
    login(world.member)
    client.post(notes_url(world), data={"text": "<script>alert(1)</script><img src=x onerror=alert(2)>"})
    html = client.get(theme_url(world)).text
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_htmx_post_swaps_the_wall_and_announces(world, client, login):
    login(world.member)
    response = client.post(notes_url(world), data={"text": "Avoimuus", "next": theme_url(world)}, headers=HX)
    assert response.status_code == 200
    note = db.session.scalar(select(Note).order_by(Note.id.desc()))
    assert f'id="note-{note.id}" tabindex="-1" data-focus' in response.text
    assert f'id="notes-{world.notes.id}-status" hx-swap-oob="innerHTML">Note posted.' in response.text
    assert "<html" not in response.text and f'name="next" value="{theme_url(world)}"' in response.text


@pytest.mark.parametrize(
    "change", ["activity_closed", "activity_draft", "workspace_closed", "workspace_draft"]
)
def test_closed_or_draft_refuses_notes(world, client, login, change):
    if change.startswith("activity"):
        world.notes.status = ActivityStatus.CLOSED if change.endswith("closed") else ActivityStatus.DRAFT
    else:
        world.ws.status = WorkspaceStatus(change.split("_")[1])
    db.session.commit()
    login(world.member)
    assert client.post(notes_url(world), data={"text": "Myöhässä"}).status_code == 403
    assert count() == 0


def test_note_in_another_kind_or_workspace_is_not_found(world, client, login, make):
    poll = make.activity(world.theme, kind=ActivityKind.SINGLE_CHOICE, options=2)
    db.session.commit()
    login(world.member)
    for activity in (world.discussion, poll, world.other_notes):
        assert client.post(notes_url(world, activity), data={"text": "x"}).status_code == 404
        assert client.get(notes_url(world, activity)).status_code == 404
    assert count() == 0


def test_anonymous_wall_stores_no_author(world, client, login, make):
    world.notes.is_anonymous = True
    db.session.commit()
    login(world.member2)
    response = client.post(notes_url(world), data={"text": "Nimetön ajatus"}, follow_redirects=True)
    assert "is in the ballot box" in response.text
    assert db.session.scalar(select(Note)) is None  # sealed until k people have taken part
    # The author sees their own pending note (through their cookie only), nobody else does.
    html = client.get(theme_url(world)).text
    assert "Nimetön ajatus" in html
    login(world.member)
    assert "Nimetön ajatus" not in client.get(theme_url(world)).text
    for person in crowd(make, world.ws, 4):
        login(person)
        client.post(notes_url(world), data={"text": "Toinen ajatus"})
    note = db.session.scalar(select(Note).where(Note.text == "Nimetön ajatus"))
    assert note.author_id is None and note.unit_id is None
    html = client.get(theme_url(world)).text
    wall = html[html.index(f'id="notes-{world.notes.id}-region"') :]
    assert "Nimetön ajatus" in wall and "Anonymous" in wall and "Pekka Pienestä" not in wall


@pytest.mark.parametrize("role", ROLES)
def test_create_group_only_for_moderators(world, client, login, role):
    as_role(world, login, role)
    response = client.post(f"{notes_url(world)}/groups", data={"label": "Ilmapiiri"})
    assert response.status_code == MODERATE[role]
    assert count(NoteGroup) == (1 if role in ("moderator", "admin") else 0)
    if role == "moderator":
        assert (
            db.session.scalar(select(AuditLog.action).where(AuditLog.actor_id == world.moderator.id))
            == "note_group.create"
        )


def test_create_group_with_bad_input(world, client, login):
    login(world.moderator)
    for label in ("", "x" * 121):
        response = client.post(f"{notes_url(world)}/groups", data={"label": label})
        assert response.status_code == 422 and 'id="error-summary"' in response.text
    assert count(NoteGroup) == 0


@pytest.mark.parametrize("role", ROLES)
def test_assign_note_only_for_moderators(world, client, login, make, role):
    note = make.note(world.notes, world.member)
    group = NoteGroup(activity_id=world.notes.id, label="Kokeilut")
    db.session.add(group)
    db.session.commit()
    as_role(world, login, role)
    response = client.post(f"/w/{world.ws.slug}/notes/{note.id}/group", data={"group_id": group.id})
    assert response.status_code == MODERATE[role]
    db.session.refresh(note)
    assert note.group_id == (group.id if role in ("moderator", "admin") else None)


def test_grouped_wall_shows_groups_and_moving_back(world, client, login, make):
    note = make.note(world.notes, world.member, text="Kokeillaan rohkeasti")
    make.note(world.notes, world.member, text="Muu ajatus")
    group = NoteGroup(activity_id=world.notes.id, label="Kokeilut")
    db.session.add(group)
    db.session.commit()
    login(world.moderator)
    client.post(f"/w/{world.ws.slug}/notes/{note.id}/group", data={"group_id": group.id})
    switch_to(login, world.member)
    html = client.get(theme_url(world)).text
    assert html.index("Kokeilut</h5>") < html.index("Kokeillaan rohkeasti") < html.index("Other notes")
    switch_to(login, world.moderator)
    assert client.post(f"/w/{world.ws.slug}/notes/{note.id}/group", data={"group_id": ""}).status_code == 302
    db.session.refresh(note)
    assert note.group_id is None


def test_assign_to_a_group_of_another_wall_or_a_note_of_another_workspace(world, client, login, make):
    note = make.note(world.notes, world.member)
    elsewhere_note = make.note(world.other_notes, world.member)
    other_group = NoteGroup(activity_id=world.other_notes.id, label="Muualla")
    db.session.add(other_group)
    db.session.commit()
    login(world.moderator)
    assert (
        client.post(
            f"/w/{world.ws.slug}/notes/{note.id}/group", data={"group_id": other_group.id}
        ).status_code
        == 404
    )
    assert (
        client.post(f"/w/{world.ws.slug}/notes/{elsewhere_note.id}/group", data={"group_id": ""}).status_code
        == 404
    )
    db.session.refresh(note)
    assert note.group_id is None


def test_hidden_notes_only_for_moderators(world, client, login, make):
    make.note(world.notes, world.member2, text="Asiaton lappu", hidden_at=utcnow())
    db.session.commit()
    login(world.member)
    assert "Asiaton lappu" not in client.get(theme_url(world)).text
    switch_to(login, world.moderator)
    html = client.get(theme_url(world)).text
    assert "Asiaton lappu" in html and "Hidden by a moderator" in html


def test_theme_page_queries_do_not_grow_with_notes(world, client, login, make, count_queries):
    def fill(n):
        for i in range(n):
            make.note(world.notes, [world.member, world.member2][i % 2], text=f"uteliaisuus {i}")
        db.session.commit()

    login(world.member)
    fill(5)
    client.get(theme_url(world))
    with count_queries() as few:
        client.get(theme_url(world))
    fill(45)
    client.get(theme_url(world))
    with count_queries() as many:
        response = client.get(theme_url(world))
    # A preview of the wall: its 12 newest notes, a link to the whole wall with the exact count.
    assert response.text.count('class="note"') == 12
    assert f'href="{notes_url(world)}">Show all 50 notes</a>' in response.text
    assert len(few) == len(many)


def test_theme_page_shows_the_newest_notes_and_the_wall_page_pages_them_all(world, client, login, make):
    from ideaspace.notes.service import PAGE_SIZE, PREVIEW_SIZE

    for i in range(PAGE_SIZE + 3):
        make.note(world.notes, world.member2, text=f"rekrytointi lappu{i}x")
    login(world.member)
    page = client.get(theme_url(world)).text
    newest = [f"lappu{i}x" for i in range(PAGE_SIZE + 2, PAGE_SIZE + 2 - PREVIEW_SIZE, -1)]
    assert (
        re.findall(r'note__text"[^>]*>rekrytointi (lappu\d+x)<', page) == newest
    )  # the newest notes, newest first
    assert f"{PAGE_SIZE + 3} notes" in page and "Page 1 of" not in page
    assert f'href="{notes_url(world)}">Show all {PAGE_SIZE + 3} notes</a>' in page
    # The word cloud counts every note, not only those shown.
    assert (
        f'rekrytointi<span class="wordcloud__count" lang="en"><span aria-hidden="true">{PAGE_SIZE + 3}</span>'
        in page
    )
    wall_url = notes_url(world)
    first = client.get(wall_url).text
    assert (
        len(re.findall(r'note__text"[^>]*>rekrytointi (lappu\d+x)<', first)) == PAGE_SIZE
        and "lappu0x" not in first
    )
    assert "Page 1 of 2" in first and f"{wall_url}?page=2" in first and "Show all" not in first
    earlier = client.get(f"{wall_url}?page=2").text
    assert "lappu0x" in earlier and f"lappu{PAGE_SIZE + 2}x" not in earlier and "Later notes" in earlier
    assert client.get(f"{wall_url}?page=99").status_code == 200


def test_htmx_post_swaps_the_preview_on_the_theme_page_and_the_page_on_the_wall_page(
    world, client, login, make
):
    from ideaspace.notes.service import PAGE_SIZE, PREVIEW_SIZE

    for i in range(PAGE_SIZE + 3):
        make.note(world.notes, world.member2, text=f"lappu{i}x")
    login(world.member)
    on_theme = client.post(
        notes_url(world), data={"text": "Uusin lappu", "next": theme_url(world)}, headers=HX
    )
    assert on_theme.status_code == 200 and "Uusin lappu" in on_theme.text
    assert on_theme.text.count('class="note"') == PREVIEW_SIZE and "data-focus" in on_theme.text
    assert f"Show all {PAGE_SIZE + 4} notes" in on_theme.text
    on_wall = client.post(notes_url(world), data={"text": "Toinen", "next": notes_url(world)}, headers=HX)
    assert on_wall.text.count('class="note"') == PAGE_SIZE and "Page 1 of 2" in on_wall.text
