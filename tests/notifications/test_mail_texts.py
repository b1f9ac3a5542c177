"""A workspace's own invitation and reminder texts: moderators edit them per language with a
preview of the mail as sent; placeholders filled safely; bad input 422 with nothing saved."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ideaspace.invitations import service as invitations
from ideaspace.models import MailText, MemberRole, Role
from ideaspace.notifications import mailtexts
from ideaspace.outbox import drain


@pytest.fixture
def workspace(make):
    return make.workspace(title={"fi": "Ohjelma", "sv": "Programmet", "en": "Programme"})


@pytest.fixture
def moderator(make, workspace):
    user = make.user(Role.MODERATOR)
    make.member(workspace, user, MemberRole.MODERATOR)
    return user


def test_fill_is_no_format_string():
    text = "Hei {name}! {0.__class__} {name!r} {workspace.__dict__} {closes_on} {unknown}"
    filled = mailtexts.fill(text, {"name": "Anna {workspace}", "workspace": "W", "closes_on": "1.1."})
    assert filled == "Hei Anna {workspace}! {0.__class__} {name!r} {workspace.__dict__} 1.1. {unknown}"


def test_own_text_reaches_the_sent_mail_with_intro_date_and_button(
    app, session, make, mail_to, workspace, moderator
):
    mailtexts.save(moderator, workspace, "invitation", "sv", "Hej {name},\n\nvälkommen till {workspace}!")
    person = make.user(email="sara@kokkola.fi", name="Sara <b>", locale="sv")
    invitations.invite(moderator, workspace, [person])
    session.commit()
    drain()
    message = mail_to.to("sara@kokkola.fi")
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Hej Sara <b>," in text and "välkommen till Programmet!" in text
    assert "Sara &lt;b&gt;" in html and "<b>," not in html
    assert "Johdanto" in text  # the workspace's introduction (the factory's, sanitized)
    assert "<script" not in html
    assert 'bgcolor="#0000bf"' in html and "/signin/" in html.replace("/invitations/", "/signin/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click", message.keys()


@pytest.mark.parametrize("role", ["anonymous", "participant", "outsider", "observer", "other_moderator"])
def test_who_may_not(client, login, session, make, workspace, moderator, role):
    member = make.user()
    make.member(workspace, member)
    if role != "anonymous":
        login(make.person_in_role(role, member=member, moderator=moderator))
    url = f"/w/{workspace.slug}/invitations/texts"
    expected = (302,) if role == "anonymous" else (403, 404)
    assert client.get(url).status_code in expected
    response = client.post(url, data={"kind": "invitation", "language": "fi", "body": "x", "save": "1"})
    assert response.status_code in expected
    assert session.scalar(select(MailText)) is None


@pytest.mark.parametrize("role", ["moderator", "admin"])
def test_moderators_edit_preview_and_save(client, login, session, make, workspace, moderator, role):
    member = make.user()
    login(make.person_in_role(role, member=member, moderator=moderator))
    url = f"/w/{workspace.slug}/invitations/texts"
    page = client.get(url + "?kind=not_visited&language=sv")
    assert page.status_code == 200 and b"Programmet" in page.data
    data = {"kind": "invitation", "language": "en", "body": "Dear {name}, <script>alert(1)</script>"}
    preview = client.post(url, data={**data, "preview": "1"})
    assert preview.status_code == 200
    assert b"<script>alert" not in preview.data and b"&lt;script&gt;" in preview.data
    assert session.scalar(select(MailText)) is None  # a preview saves nothing
    saved = client.post(url, data={**data, "save": "1"})
    assert saved.status_code == 302
    session.expire_all()
    [row] = session.scalars(select(MailText))
    assert (row.kind, row.language) == ("invitation", "en")


@pytest.mark.parametrize(
    "field, value",
    [("kind", "password_reset"), ("language", "de"), ("body", "x" * 5000), ("kind", "")],
)
def test_bad_input_422_nothing_saved(client, login, session, workspace, moderator, field, value):
    login(moderator)
    data = {"kind": "invitation", "language": "fi", "body": "Hei", "save": "1", field: value}
    response = client.post(f"/w/{workspace.slug}/invitations/texts", data=data)
    assert response.status_code == 422
    assert session.scalar(select(MailText)) is None


def test_bad_query_falls_back(client, login, workspace, moderator):
    login(moderator)
    response = client.get(f"/w/{workspace.slug}/invitations/texts?kind=%0d%0a&language=xx")
    assert response.status_code == 200
