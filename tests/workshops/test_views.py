"""The workshop's pages: start, control, big screen, join and answer on a phone, bad cookies."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from ideaspace.models import Answer, Role
from ideaspace.workshops import screens, service
from ideaspace.workshops.models import Guest, Workshop
from ideaspace.workshops.views import COOKIE

from ..conftest import sign_in


def _workshop(session) -> Workshop:
    return session.scalars(select(Workshop)).one()


def _phone(app):
    phone = app.test_client()
    phone.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return phone


def test_the_whole_session_through_the_pages(app, client, session, room):
    sign_in(client, room.supervisor)
    page = client.get(f"/w/{room.ws.slug}/themes/{room.theme.id}/workshops/new")
    assert page.status_code == 200 and "Start the session" in page.get_data(as_text=True)
    response = client.post(
        f"/w/{room.ws.slug}/themes/{room.theme.id}/workshops/new",
        data={"activities": [str(room.poll.id), str(room.wall.id)], "language": "en"},
    )
    assert response.status_code == 302
    workshop = _workshop(session)
    control = client.get(response.headers["Location"])
    text = control.get_data(as_text=True)
    assert service.display_code(workshop.code) in text
    qr = client.get(f"/w/{room.ws.slug}/workshops/{workshop.id}/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml" and b"<svg" in qr.data

    phone = _phone(app)
    assert phone.get("/join").status_code == 200
    joined = phone.post("/join", data={"code": workshop.code.lower(), "name": "Pirjo"})
    assert joined.status_code == 302 and joined.headers["Location"].endswith("/live")
    step = phone.get("/live")
    assert step.status_code == 200 and "Send your answer" in step.get_data(as_text=True)
    answered = phone.post("/live/answer", data={"option": str(room.poll.options[0].id)})
    assert answered.status_code == 200 and "your answer was counted" in answered.get_data(as_text=True)
    again = phone.post("/live/answer", data={"option": str(room.poll.options[0].id)})
    assert again.status_code == 422 and "already answered this step" in again.get_data(as_text=True)
    assert (
        session.scalar(select(func.count()).select_from(Answer).where(Answer.activity_id == room.poll.id))
        == 1
    )

    screen = client.get(f"/present/{workshop.id}")
    assert screen.status_code == 200 and "1 answer" in screen.get_data(as_text=True)
    state = screens.screen(session.get(Workshop, workshop.id))
    unchanged = client.get(f"/present/{workshop.id}?v={state.version}", headers={"HX-Request": "true"})
    assert unchanged.status_code == 204
    assert (
        client.post(f"/w/{room.ws.slug}/workshops/{workshop.id}/pace", data={"action": "next"}).status_code
        == 302
    )
    note = phone.post("/live/note", data={"text": "<script>alert(1)</script> tauot"})
    assert note.status_code == 200 and "Note posted" in note.get_data(as_text=True)
    client.post(f"/w/{room.ws.slug}/workshops/{workshop.id}/pace", data={"action": "reveal"})
    wall = client.get(f"/present/{workshop.id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; tauot" in wall and "<script>alert(1)" not in wall
    client.post(f"/w/{room.ws.slug}/workshops/{workshop.id}/pace", data={"action": "end"})
    ended = phone.post("/live/answer", data={"option": "1"})
    assert ended.status_code == 422
    refused = _phone(app).post("/join", data={"code": workshop.code})
    assert refused.status_code == 422 and "has ended" in refused.get_data(as_text=True)


def test_a_phone_without_javascript_follows_the_session_by_its_link(app, client, session, room):
    """No script, no event stream: the page offers a plain link to the current step, and following
    it after the facilitator moved on shows the new step."""
    import re

    workshop = service.start(room.supervisor, room.ws, room.theme, [room.poll.id, room.wall.id])
    session.commit()
    phone = _phone(app)
    phone.post("/join", data={"code": workshop.code})
    page = phone.get("/live").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)">Go to the current step</a>', page)
    assert link and link.group(1) == "/live"
    assert "Send your answer" in page
    service.pace(room.supervisor, session.get(Workshop, workshop.id), "next")
    session.commit()
    followed = phone.get(link.group(1)).get_data(as_text=True)
    assert "Post the note" in followed and "Send your answer" not in followed
    assert "Go to the current step" in followed


def test_wrong_codes_get_a_clear_message_and_no_guest(app, client, session, room):
    for code in ("", "nonsense", "ACDE-FHJK-X", "ACDEFHJK"):
        response = client.post("/join", data={"code": code})
        assert response.status_code == 422
    assert "No session has this code" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Guest)) == 0


def test_a_cookie_of_another_session_or_forged_is_refused(app, client, session, room):
    first = service.start(room.supervisor, room.ws, room.theme, [room.poll.id])
    second = service.start(room.supervisor, room.ws, room.theme, [room.poll.id])
    session.commit()
    phone = _phone(app)
    phone.post("/join", data={"code": first.code})
    guest = session.scalars(select(Guest)).one()
    from ideaspace.workshops.views import _serializer

    with app.test_request_context():
        crossed = _serializer().dumps({"w": second.id, "g": guest.id})
    thief = _phone(app)
    thief.set_cookie(COOKIE, crossed, domain="localhost")
    assert thief.get("/live").status_code == 403
    assert thief.post("/live/answer", data={"option": str(room.poll.options[0].id)}).status_code == 403
    forger = _phone(app)
    forger.set_cookie(COOKIE, phone.get_cookie(COOKIE).value[:-2] + "xx", domain="localhost")
    assert forger.get("/live").status_code == 403
    nobody = _phone(app)
    assert nobody.get("/live").status_code == 302


def test_a_replayed_cookie_cannot_answer_twice(app, client, session, room):
    workshop = service.start(room.supervisor, room.ws, room.theme, [room.poll.id])
    session.commit()
    phone = _phone(app)
    phone.post("/join", data={"code": workshop.code})
    copy = _phone(app)
    copy.set_cookie(COOKIE, phone.get_cookie(COOKIE).value, domain="localhost")
    option = str(room.poll.options[0].id)
    assert "counted" in phone.post("/live/answer", data={"option": option}).get_data(as_text=True)
    assert "counted" not in copy.post("/live/answer", data={"option": option}).get_data(as_text=True)
    assert (
        session.scalar(select(func.count()).select_from(Answer).where(Answer.activity_id == room.poll.id))
        == 1
    )


def test_held_notes_are_approved_from_the_control_view(app, client, session, room):
    workshop = service.start(room.supervisor, room.ws, room.theme, [room.wall.id], premoderate=True)
    session.commit()
    phone = _phone(app)
    phone.post("/join", data={"code": workshop.code, "name": "Eeva"})
    held = phone.post("/live/note", data={"text": "Pidetään kiinni"})
    assert "waits for the facilitator" in held.get_data(as_text=True)
    sign_in(client, room.supervisor)
    control = client.get(f"/w/{room.ws.slug}/workshops/{workshop.id}").get_data(as_text=True)
    assert "Pidetään kiinni" in control
    (post,) = service.held_posts(session.get(Workshop, workshop.id))
    response = client.post(
        f"/w/{room.ws.slug}/workshops/{workshop.id}/posts/{post.id}", data={"decision": "approve"}
    )
    assert response.status_code == 302
    assert service.held_posts(session.get(Workshop, workshop.id)) == []


def _guests_answer(app, workshop, poll, count: int) -> None:
    """`count` phones join the session and answer the poll's first option."""
    for _ in range(count):
        phone = _phone(app)
        phone.post("/join", data={"code": workshop.code})
        phone.post("/live/answer", data={"option": str(poll.options[0].id)})


def test_the_statistics_count_work_communities(app, client, session, room, make):
    workshop = service.start(room.supervisor, room.ws, room.theme, [room.poll.id])
    session.commit()
    _guests_answer(app, workshop, room.poll, 3)
    sign_in(client, room.moderator)
    page = client.get(f"/w/{room.ws.slug}/statistics").get_data(as_text=True)
    assert "Work communities in live workshops" in page
    assert "Kotihoito" in page
    row = page.split("Kotihoito", 1)[1].split("</tr>", 1)[0]
    assert '<td class="number">1</td><td class="number">3</td>' in row


def test_guests_are_never_counted_as_invited_people(app, client, session, room, make):
    """The funnel counts invited people; guest devices that answered count only as their session's
    work community's participants."""
    from ideaspace.stats.service import workspace_funnel

    before = workspace_funnel(room.ws)
    workshop = service.start(room.supervisor, room.ws, room.theme, [room.poll.id])
    session.commit()
    _guests_answer(app, workshop, room.poll, 3)
    session.expire_all()
    after = workspace_funnel(room.ws)
    assert before.invited == 1  # the supervisor (the moderator runs the workspace, is not invited)
    assert after == before  # invited, visited, contributed, the uninvited: none moved
    (community,) = screens.work_communities(room.ws)
    assert community.guests == 3


def test_the_theme_page_offers_a_workshop_to_whoever_may_run_one(app, client, session, room, make):
    url = f"/w/{room.ws.slug}/themes/{room.theme.id}"
    sign_in(client, room.supervisor)
    assert "Run a live workshop" in client.get(url).get_data(as_text=True)
    observer = make.user(Role.OBSERVER)
    sign_in(client, observer)
    assert "Run a live workshop" not in client.get(url).get_data(as_text=True)


def test_the_statistics_downloads_and_command_carry_work_communities(app, client, session, room, make):
    import csv
    import io
    import json

    from openpyxl import load_workbook

    workshop = service.start(room.supervisor, room.ws, room.theme, [room.poll.id])
    session.commit()
    for _ in range(2):
        phone = _phone(app)
        phone.post("/join", data={"code": workshop.code})
        phone.post("/live/answer", data={"option": str(room.poll.options[0].id)})
    sign_in(client, room.moderator)
    rows = list(
        csv.reader(io.StringIO(client.get(f"/w/{room.ws.slug}/statistics.csv").get_data(as_text=True)))
    )
    ours = [row for row in rows if row[0] == "work_community"]
    assert ours == [
        ["work_community", str(room.unit.id), "Kotihoito", "", "sessions", "1"],
        ["work_community", str(room.unit.id), "Kotihoito", "", "guests", "2"],
    ]
    book = load_workbook(io.BytesIO(client.get(f"/w/{room.ws.slug}/statistics.xlsx").data))
    sheet = book["Work communities"]
    assert [c.value for c in sheet[2]] == ["Kotihoito", 1, 2]
    result = app.test_cli_runner().invoke(args=["stats", room.ws.slug, "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["work_communities"] == [
        {"unit_id": room.unit.id, "unit": "Kotihoito", "sessions": 1, "guests": 2}
    ]


def test_a_long_note_is_counted_not_cut_and_kept(app, client, session, room):
    """A phone's note has a counter, not maxlength (which would cut a pasted note without a word);
    a note over the limit is refused with the text kept in the field."""
    sign_in(client, room.supervisor)
    client.post(
        f"/w/{room.ws.slug}/themes/{room.theme.id}/workshops/new",
        data={"activities": [str(room.wall.id)], "language": "en"},
    )
    workshop = _workshop(session)
    phone = _phone(app)
    phone.post("/join", data={"code": workshop.code})
    step = phone.get("/live").get_data(as_text=True)
    area = re.search(r'<textarea[^>]*name="text"[^>]*>', step).group()
    assert "maxlength" not in area
    assert 'data-counter-for="text" data-max="280"' in step
    too_long = "pasted " + "x" * 300
    refused = phone.post("/live/note", data={"text": too_long})
    assert refused.status_code == 422
    assert too_long in refused.get_data(as_text=True)
