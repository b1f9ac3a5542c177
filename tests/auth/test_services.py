from ideaspace.auth import load_user, service, sessions
from ideaspace.models import Role, utcnow

from ..factories import PASSWORD


def test_authenticate_with_the_right_password_returns_the_user_and_stamps_the_sign_in(make):
    user = make.user(email="Anna.Aho@Example.fi")
    assert user.last_login_at is None
    assert service.authenticate("  anna.aho@example.FI ", PASSWORD) is user
    assert user.last_login_at is not None


def test_authenticate_refuses_wrong_password_unknown_email_inactive_and_erased(make):
    make.user(email="a@example.fi")
    make.user(email="inactive@example.fi", is_active_account=False)
    make.user(email="erased@example.fi", erased_at=utcnow())
    assert service.authenticate("a@example.fi", PASSWORD + "x") is None
    assert service.authenticate("nobody@example.fi", PASSWORD) is None
    assert service.authenticate("inactive@example.fi", PASSWORD) is None
    assert service.authenticate("erased@example.fi", PASSWORD) is None


def test_authenticate_refuses_a_user_without_a_password(make):
    make.user(email="nopass@example.fi", password_hash=None)
    assert service.authenticate("nopass@example.fi", "") is None
    assert service.authenticate("nopass@example.fi", PASSWORD) is None


def test_passwords_use_werkzeugs_default_hash(make):
    user = make.user()
    user.set_password("a long enough password")
    assert user.password_hash.startswith("scrypt:")
    assert user.check_password("a long enough password")
    assert not user.check_password("a long enough passworD")


def test_set_language_remembers_the_choice_on_the_user(make):
    user = make.user(role=Role.OBSERVER)
    service.set_language(user, "sv")
    assert user.locale == "sv"
    service.set_language(None, "en")  # anonymous: nothing to store on a user, and no error


def test_load_user_needs_a_live_session_of_an_active_person(app, make):
    user = make.user()
    token = sessions.start(user, "browser")
    assert load_user(token) is user
    assert load_user(token + "x") is None
    assert load_user(f"{user.id}:0123456789abcdef") is None  # an old-style "id:nonce" opens nothing
    assert load_user("") is None and load_user("x" * 500) is None
    user.is_active_account = False
    assert load_user(token) is None
