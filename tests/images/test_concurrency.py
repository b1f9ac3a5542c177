"""Two cover uploads for the same theme at the same moment: one image afterwards, no 5xx.

These tests commit for real through separate connections (no rolled-back test transaction), so
they build their own data and delete it afterwards.
"""

from __future__ import annotations

import io
import threading
import uuid

import pytest
import sqlalchemy as sa

from ideaspace.extensions import db
from ideaspace.images import processing, service
from ideaspace.models import (
    AuditLog,
    Image,
    MemberRole,
    Membership,
    Role,
    Theme,
    User,
    Workspace,
    WorkspaceStatus,
)

from ..conftest import sign_in
from . import files


@pytest.fixture
def committed(app):
    tag = uuid.uuid4().hex[:8]
    with app.app_context():
        ws = Workspace(slug=f"image-race-{tag}", title={"fi": "Kilpa"}, status=WorkspaceStatus.OPEN)
        people = [
            User(email=f"image-race-{tag}-{n}@example.fi", name=f"Mod {n}", role=Role.MODERATOR, locale="en")
            for n in range(2)
        ]
        db.session.add_all([ws, *people])
        db.session.flush()
        theme = Theme(workspace_id=ws.id, title={"fi": "Teema"})
        db.session.add(theme)
        db.session.add_all(
            [Membership(workspace_id=ws.id, user_id=p.id, role=MemberRole.MODERATOR) for p in people]
        )
        db.session.commit()
        ids = {"workspace": ws.id, "slug": ws.slug, "theme": theme.id, "people": [p.id for p in people]}
        db.session.remove()
    yield ids
    with app.app_context():
        db.session.execute(sa.delete(AuditLog).where(AuditLog.workspace_id == ids["workspace"]))
        db.session.execute(sa.delete(Workspace).where(Workspace.id == ids["workspace"]))
        db.session.execute(sa.delete(User).where(User.id.in_(ids["people"])))
        db.session.commit()
        db.session.remove()


@pytest.mark.parametrize("had_one", [False, True], ids=["first cover", "replacing one"])
def test_two_uploads_at_once_leave_one_image(app, committed, engine_name, monkeypatch, had_one):
    if had_one:
        with app.app_context(), app.test_request_context():
            theme = db.session.get(Theme, committed["theme"])
            service.set_image(None, theme, data=files.png(), alt={"fi": "Vanha"}, primary="fi")
            db.session.commit()
            db.session.remove()
    if engine_name == "postgresql":
        # Hold both requests after their checks and before their writes, so both really race for
        # the owner's one image (SQLite serialises writers with BEGIN IMMEDIATE: one simply waits).
        both_checked = threading.Barrier(2, timeout=30)
        original = processing.prepare

        def wait_for_the_other(data):
            prepared = original(data)
            both_checked.wait()
            return prepared

        monkeypatch.setattr(processing, "prepare", wait_for_the_other)
    with app.app_context():
        clients = []
        for person_id in committed["people"]:
            client = app.test_client()
            sign_in(client, db.session.get(User, person_id))
            clients.append(client)
        db.session.remove()
    url = f"/w/{committed['slug']}/manage/themes/{committed['theme']}/cover"
    results = []

    def upload(client, n):
        data = {"image": (io.BytesIO(files.png(64 + n, 48)), "cover.png"), "alt-fi": f"Kuva {n}"}
        response = client.post(url, data=data, content_type="multipart/form-data")
        results.append((response.status_code, response.get_data(as_text=True)))

    threads = [threading.Thread(target=upload, args=(c, n)) for n, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    codes = sorted(code for code, _body in results)
    assert len(codes) == 2 and all(code in (302, 422) for code in codes), codes
    assert 302 in codes
    for code, body in results:
        if code == 422:
            assert "at the same moment" in body
    with app.app_context():
        images = db.session.scalars(sa.select(Image).where(Image.theme_id == committed["theme"])).all()
        assert len(images) == 1 and images[0].alt["fi"].startswith("Kuva")
        assert len(images[0].variants) == 3
        db.session.remove()
