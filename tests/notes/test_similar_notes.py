"""'Already said' hints while typing a note (issue 14, 3): notes of the same wall like the draft,
for every role, nothing of another wall or hidden, bad input never a 500."""

import pytest

from ideaspace.models import utcnow
from tests.discussion.world import WRITE

HX = {"HX-Request": "true"}
ROLES = list(WRITE)


@pytest.fixture(autouse=True)
def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def _url(world, activity=None):
    return f"/w/{world.ws.slug}/activities/{(activity or world.notes).id}/notes/similar"


@pytest.fixture
def said(world, make, session):
    note = make.note(world.notes, world.member2, text="Lisää aikaa perehdytykseen")
    hidden = make.note(world.notes, world.member2, text="Perehdytykseen lisää aikaa, kiitos")
    hidden.hidden_at = utcnow()
    make.note(world.other_notes, world.member2, text="Lisää aikaa perehdytykseen")
    session.commit()
    return note


@pytest.mark.parametrize("role", ROLES)
def test_hints_for_every_role(world, client, login, said, role):
    user = world.role(role)
    if user is not None:
        login(user)
    response = client.post(_url(world), data={"text": "Enemmän aikaa perehdytykselle"}, headers=HX)
    if WRITE[role] == 302 and user is not None:
        assert response.status_code == 200
        assert response.text.count("<li>") == 1 and f"#note-{said.id}" in response.text
        assert "1 similar note is already on this wall" in response.text
        plain = client.post(_url(world), data={"text": "Perehdytys"})
        assert plain.status_code == 302 and plain.headers["Location"].endswith(
            f"/activities/{world.notes.id}/notes"
        )
    else:
        assert response.status_code == WRITE[role]


@pytest.mark.parametrize("text", ["", "ab", '" * NEAR : )', "<script>alert(1)</script>", "x" * 10_000])
def test_bad_input_gives_no_hints_and_no_error(world, client, login, said, text):
    login(world.member)
    response = client.post(_url(world), data={"text": text}, headers=HX)
    assert response.status_code == 200 and "<li>" not in response.text


def test_the_wall_form_has_a_polite_hint_region(world, client, login):
    login(world.member)
    html = client.get(f"/w/{world.ws.slug}/activities/{world.notes.id}/notes").text
    assert f'id="similar-notes-{world.notes.id}"' in html and 'aria-live="polite"' in html
