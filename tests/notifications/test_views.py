"""Notification settings on the account page: every role, a form without JavaScript, 422 on garbage."""

from __future__ import annotations

import pytest

from ideaspace.models import NotificationSetting, Role

VALID = {"reply": "digest", "idea_comment": "off", "idea_decision": "now", "digest": "daily"}


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.OBSERVER, Role.MODERATOR, Role.ADMIN])
def test_every_role_sees_and_saves_its_settings(client, login, session, make, role):
    person = make.user(role)
    login(person)
    page = client.get("/account")
    assert page.status_code == 200 and b'action="/account/notifications"' in page.data
    response = client.post("/account/notifications", data=VALID)
    assert response.status_code == 302
    session.expire_all()
    setting = session.get(NotificationSetting, person.id)
    assert (setting.reply, setting.idea_comment, setting.idea_decision, setting.digest) == (
        "digest",
        "off",
        "now",
        "daily",
    )


def test_signed_out_is_sent_to_sign_in(client, session):
    response = client.post("/account/notifications", data=VALID)
    assert response.status_code in (302, 401)
    assert session.query(NotificationSetting).count() == 0


@pytest.mark.parametrize(
    "field, value",
    [
        ("reply", "sometimes"),
        ("digest", "hourly"),
        ("idea_comment", ""),
        ("idea_decision", "now\r\nx"),
        ("digest", "DAILY"),
    ],
)
def test_garbage_is_422_and_nothing_saved(client, login, session, make, field, value):
    person = make.user()
    login(person)
    response = client.post("/account/notifications", data={**VALID, field: value})
    assert response.status_code == 422
    assert b"notifications" in response.data
    session.expire_all()
    assert session.get(NotificationSetting, person.id) is None


def test_without_csrf_token_nothing_saved(client, login, session, make):
    person = make.user()
    login(person)
    client.csrf = False
    assert client.post("/account/notifications", data=VALID).status_code in (400, 403, 422)
    session.expire_all()
    assert session.get(NotificationSetting, person.id) is None
