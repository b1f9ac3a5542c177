"""Password hashing runs one at a time per process (scrypt needs 32 MiB while it runs)."""

import threading
import time

from ideaspace.models import org
from ideaspace.models.org import User


def test_sign_ins_of_one_process_hash_one_at_a_time(monkeypatch):
    running, most = 0, 0
    lock = threading.Lock()

    def slow_check(_hash, _password):
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        return True

    monkeypatch.setattr(org, "check_password_hash", slow_check)
    people = [User(password_hash="scrypt:32768:8:1$salt$hash") for _ in range(4)]
    results = []
    threads = [threading.Thread(target=lambda u=u: results.append(u.check_password("x"))) for u in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [True] * 4
    assert most == 1


def test_a_person_without_a_password_is_refused_without_hashing(monkeypatch):
    monkeypatch.setattr(org, "check_password_hash", lambda *_: (_ for _ in ()).throw(AssertionError))
    assert User(password_hash=None).check_password("anything") is False


def test_hashing_still_checks_the_password():
    person = User()
    person.set_password("oikea-salasana")
    assert person.check_password("oikea-salasana")
    assert not person.check_password("väärä")
