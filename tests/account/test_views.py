"""My settings: language and consent to be named under quotes."""

from __future__ import annotations

import pytest

from ideaspace.models import Role, User


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get("/account")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", list(Role))
def test_everyone_has_settings(client, login, make, role):
    login(make.user(role=role))
    html = client.get("/account").get_data(as_text=True)
    assert 'name="consents_to_named_quotes"' in html and 'name="language"' in html


def test_save_consent_and_language(client, login, make, session):
    user = make.user(locale="fi")
    login(user)
    response = client.post("/account", data={"language": "sv", "consents_to_named_quotes": "y"})
    assert response.status_code == 302
    session.expire_all()
    user = session.get(User, user.id)
    assert user.consents_to_named_quotes and user.locale == "sv"
    client.post("/account", data={"language": "sv"})  # unticked: consent withdrawn
    session.expire_all()
    assert not session.get(User, user.id).consents_to_named_quotes


def test_bad_language_is_422_and_saves_nothing(client, login, make, session):
    user = make.user(locale="fi")
    login(user)
    response = client.post("/account", data={"language": "de", "consents_to_named_quotes": "y"})
    assert response.status_code == 422
    assert "field__error" in response.get_data(as_text=True)
    session.expire_all()
    user = session.get(User, user.id)
    assert not user.consents_to_named_quotes and user.locale == "fi"


def test_without_csrf_nothing_is_saved(client, login, make, session):
    user = make.user()
    login(user)
    client.csrf = False
    assert client.post("/account", data={"language": "en", "consents_to_named_quotes": "y"}).status_code in (
        400,
        422,
    )
    session.expire_all()
    assert not session.get(User, user.id).consents_to_named_quotes
