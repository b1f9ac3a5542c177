"""Guessing codes is limited per address (failures only: a room behind one address joins freely),
and a guest device cannot flood the wall (per device, not per address)."""

from __future__ import annotations

import copy
import uuid

import pytest
from flask_migrate import upgrade

from ideaspace import create_app
from ideaspace.extensions import db, limiter
from ideaspace.models import ActivityKind, Role
from ideaspace.workshops import service

from ..factories import Factories


@pytest.fixture
def limited(tmp_path):
    saved = copy.copy(vars(limiter))  # the limiter is one object for every app in this process
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "limits",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/limits.sqlite3",
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
            "WTF_CSRF_ENABLED": False,
            "MAIL_FILE_DIR": str(tmp_path / "outbox"),
        }
    )
    try:
        with app.app_context():
            upgrade()
            make = Factories(db.session)
            unit = make.unit()
            supervisor = make.user(Role.PARTICIPANT, unit=unit)
            ws = make.workspace()
            make.member(ws, supervisor)
            theme = make.theme(ws)
            wall = make.activity(theme, kind=ActivityKind.NOTES)
            workshop = service.start(supervisor, ws, theme, [wall.id])
            db.session.commit()
            code = workshop.code
            db.session.remove()
        yield app, code
    finally:
        limiter.__dict__.update(saved)
        limiter.enabled = False
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_wrong_codes_are_limited_per_address_and_right_ones_never(limited):
    app, code = limited
    for _ in range(19):
        assert app.test_client().post("/join", data={"code": "ACDE-FHJK"}).status_code == 422
    for _ in range(25):  # a room behind the same address: successes do not count
        assert app.test_client().post("/join", data={"code": code}).status_code == 302
    assert app.test_client().post("/join", data={"code": "ACDE-FHJK"}).status_code == 422
    refused = app.test_client().post("/join", data={"code": "ACDE-FHJK"})
    assert refused.status_code == 429


def test_a_device_cannot_flood_the_wall(limited):
    app, code = limited
    flooder, neighbour = app.test_client(), app.test_client()
    for phone in (flooder, neighbour):
        phone.post("/join", data={"code": code})
    statuses = [flooder.post("/live/note", data={"text": f"Lappu {i}"}).status_code for i in range(8)]
    assert statuses == [200] * 6 + [429, 429]
    assert neighbour.post("/live/note", data={"text": "Minun lappuni"}).status_code == 200
