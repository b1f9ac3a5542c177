"""Programme routes for every role, bad input, publishing, freezing, comparing, query counts."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ideaspace.models import (
    Activity,
    AuditLog,
    Measure,
    MeasureStatus,
    ProgrammeSnapshot,
    Role,
    WorkspaceStatus,
)
from ideaspace.programme import versions


def urls(p) -> dict[str, str]:
    slug = p.workspace.slug
    return {
        "index": f"/w/{slug}/programme",
        "preview": f"/w/{slug}/programme/preview?lang=fi",
        "versions": f"/w/{slug}/programme/versions",
        "version": f"/w/{slug}/programme/versions/1",
        "compare": f"/w/{slug}/programme/compare?a=1&b=1&lang=fi",
    }


READ = ("preview", "versions", "version", "compare")


@pytest.fixture
def published(programme, session):
    snapshot = versions.publish(programme.moderator, programme.workspace, "Ensimmäinen")
    session.commit()
    return snapshot


@pytest.mark.parametrize(
    ("who", "reads", "edits"),
    [
        ("participant", 403, 403),
        ("observer", 200, 403),
        ("other_moderator", 403, 403),
        ("moderator", 200, 200),
        ("admin", 200, 200),
    ],
)
def test_get_routes_by_role(client, login, make, programme, published, who, reads, edits):
    login(make.person_in_role(who, member=programme.member, moderator=programme.moderator))
    paths = urls(programme)
    assert client.get(paths["index"]).status_code == edits
    for name in READ:
        assert client.get(paths[name]).status_code == reads, name


def test_anonymous_is_sent_to_sign_in(client, programme, published):
    for path in urls(programme).values():
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    response = client.post(f"/w/{programme.workspace.slug}/programme/publish", data={"note": ""})
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_observer_reads_nothing_of_a_draft_workspace(client, login, make, programme, session):
    programme.workspace.status = WorkspaceStatus.DRAFT
    session.commit()
    login(make.user(role=Role.OBSERVER))
    assert client.get(urls(programme)["preview"]).status_code == 403


@pytest.mark.parametrize("who", ["participant", "observer", "other_moderator"])
def test_posts_are_refused_without_moderation(client, login, make, programme, session, who):
    login(make.person_in_role(who, member=programme.member, moderator=programme.moderator))
    slug = programme.workspace.slug
    posts = [
        (f"/w/{slug}/programme/publish", {"note": "x"}),
        (f"/w/{slug}/programme/themes/{programme.theme.id}/results", {}),
        (f"/w/{slug}/programme/activities/{programme.poll.id}/move", {"direction": "up"}),
        (f"/w/{slug}/programme/measures/{programme.measure.id}/status", {"status": "dropped"}),
    ]
    for path, data in posts:
        assert client.post(path, data=data).status_code == 403, path
    assert session.scalar(select(func.count()).select_from(ProgrammeSnapshot)) == 0
    assert session.get(Measure, programme.measure.id).status is MeasureStatus.IN_PROGRAMME


def test_the_page_lists_themes_measures_results_and_the_publish_form(client, login, programme):
    login(programme.moderator)
    html = client.get(urls(programme)["index"]).get_data(as_text=True)
    assert f'id="theme-{programme.theme.id}"' in html
    assert "Anonyymi rekrytointi" in html
    assert (
        f'<input checked id="t{programme.theme.id}-activity_id-0" name="t{programme.theme.id}-activity_id"'
        in html
    )
    assert f'type="checkbox" value="{programme.unchosen.id}">' in html  # not chosen: unchecked
    assert "Publish the next version" in html


def test_preview_in_finnish_shows_the_document(client, login, programme):
    login(programme.moderator)
    html = client.get(urls(programme)["preview"]).get_data(as_text=True)
    assert "34,29\u00a0%" in html and "8,57\u00a0%" in html
    assert '<article class="programme-doc" lang="fi"' in html
    assert '<th scope="col">' in html
    assert "Anonyymi rekrytointi" in html and "Ehdotettu" not in html and "Hylätty" not in html
    assert "<script>alert" not in html


def test_preview_in_english_formats_percentages_the_english_way(client, login, programme):
    login(programme.moderator)
    html = client.get(f"/w/{programme.workspace.slug}/programme/preview?lang=en").get_data(as_text=True)
    assert "34.29%" in html and 'lang="en"' in html


def test_preview_queries_do_not_grow_with_measures(client, login, make, programme, session, count_queries):
    login(programme.moderator)
    path = urls(programme)["preview"]
    client.get(path)

    def run() -> int:
        session.expire_all()
        with count_queries() as statements:
            assert client.get(path).status_code == 200
        return len(statements)

    before = run()
    for _ in range(18):
        make.indicator(make.measure(programme.theme))
    session.commit()
    assert run() == before


def test_choose_results_and_order_them(client, login, programme, session):
    p = programme
    login(p.moderator)
    path = f"/w/{p.workspace.slug}/programme/themes/{p.theme.id}/results"
    key = f"t{p.theme.id}-activity_id"
    response = client.post(path, data={key: [p.poll.id, p.unchosen.id]})
    assert response.status_code == 302
    session.expire_all()
    chosen = session.scalars(
        select(Activity)
        .where(Activity.theme_id == p.theme.id, Activity.in_programme.is_(True))
        .order_by(Activity.programme_position)
    ).all()
    assert [a.id for a in chosen] == [p.poll.id, p.unchosen.id]  # the scale left, the new one at the end
    response = client.post(
        f"/w/{p.workspace.slug}/programme/activities/{p.unchosen.id}/move", data={"direction": "up"}
    )
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Activity, p.unchosen.id).programme_position == 0
    actions = session.scalars(
        select(AuditLog.action).where(AuditLog.workspace_id == p.workspace.id).order_by(AuditLog.id)
    ).all()
    assert "programme.choose_results" in actions and "programme.move_result" in actions


def test_choose_results_with_a_foreign_activity_is_422(client, login, make, programme, session):
    p = programme
    login(p.moderator)
    foreign = make.activity(make.theme(make.workspace()), options=2)
    response = client.post(
        f"/w/{p.workspace.slug}/programme/themes/{p.theme.id}/results",
        data={f"t{p.theme.id}-activity_id": [p.poll.id, foreign.id]},
    )
    assert response.status_code == 422
    assert "field__error" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Activity, p.scale.id).in_programme  # nothing saved
    assert not session.get(Activity, foreign.id).in_programme


def test_ids_from_another_workspace_are_404(client, login, make, programme):
    p = programme
    login(p.moderator)
    other = make.theme(make.workspace())
    measure = make.measure(other)
    activity = make.activity(other, options=1)
    slug = p.workspace.slug
    assert client.post(f"/w/{slug}/programme/themes/{other.id}/results", data={}).status_code == 404
    assert (
        client.post(
            f"/w/{slug}/programme/activities/{activity.id}/move", data={"direction": "up"}
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/w/{slug}/programme/measures/{measure.id}/status", data={"status": "dropped"}
        ).status_code
        == 404
    )
    assert client.get(f"/w/{slug}/programme/versions/1").status_code == 404
    assert client.get(f"/w/{slug}/programme/compare?a=1&b=2").status_code == 404


def test_measure_status_shortcut(client, login, programme, session):
    p = programme
    login(p.moderator)
    path = f"/w/{p.workspace.slug}/programme/measures/{p.measure.id}/status"
    assert client.post(path, data={"status": "dropped"}).status_code == 302
    session.expire_all()
    assert session.get(Measure, p.measure.id).status is MeasureStatus.DROPPED
    assert client.post(path, data={"status": "nonsense"}).status_code == 422
    session.expire_all()
    assert session.get(Measure, p.measure.id).status is MeasureStatus.DROPPED


def test_publish_freezes_a_numbered_version(client, login, programme, session):
    p = programme
    login(p.moderator)
    path = f"/w/{p.workspace.slug}/programme/publish"
    response = client.post(path, data={"note": "Johtoryhmälle"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/programme/versions/1")
    assert client.post(path, data={"note": ""}).status_code == 302
    snapshots = session.scalars(select(ProgrammeSnapshot).order_by(ProgrammeSnapshot.version)).all()
    assert [s.version for s in snapshots] == [1, 2]
    first = snapshots[0]
    assert set(first.content["languages"]) == {"fi", "sv", "en"}
    assert first.content["languages"]["fi"]["edition"]["number"] == 1
    assert first.content["languages"]["fi"]["edition"]["note"] == "Johtoryhmälle"
    assert first.published_by_id == p.moderator.id
    assert (
        session.scalar(
            select(func.count()).select_from(AuditLog).where(AuditLog.action == "programme.publish")
        )
        == 2
    )

    # Later edits never change a published version.
    measure = session.get(Measure, p.measure.id)
    measure.text = {"fi": "Uusi teksti"}
    session.commit()
    html = client.get(f"/w/{p.workspace.slug}/programme/versions/1?lang=fi").get_data(as_text=True)
    assert "Anonyymi rekrytointi" in html and "Uusi teksti" not in html
    assert "Version 1" in html or "Versio 1" in html
    preview = client.get(f"/w/{p.workspace.slug}/programme/preview?lang=fi").get_data(as_text=True)
    assert "Uusi teksti" in preview

    compare = client.get(f"/w/{p.workspace.slug}/programme/compare?a=1&b=draft&lang=fi").get_data(
        as_text=True
    )
    assert "<del>" in compare and "<ins>" in compare
    assert "Anonyymi rekrytointi" in compare and "Uusi teksti" in compare


def test_publish_with_a_too_long_note_is_422(client, login, programme, session):
    login(programme.moderator)
    response = client.post(f"/w/{programme.workspace.slug}/programme/publish", data={"note": "x" * 501})
    assert response.status_code == 422
    assert "field__error" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(ProgrammeSnapshot)) == 0


def test_publish_without_csrf_is_refused(client, login, programme, session):
    login(programme.moderator)
    client.csrf = False
    response = client.post(f"/w/{programme.workspace.slug}/programme/publish", data={"note": ""})
    assert response.status_code in (400, 422)
    assert session.scalar(select(func.count()).select_from(ProgrammeSnapshot)) == 0


def test_publish_takes_the_next_number_when_another_publication_won_the_race(programme, session, monkeypatch):
    from ideaspace.extensions import db

    session.add(ProgrammeSnapshot(workspace_id=programme.workspace.id, version=1, content={"languages": {}}))
    session.commit()
    real = db.session.scalar
    calls = []

    def stale(statement, *args, **kwargs):
        calls.append(statement)
        return 0 if len(calls) == 1 else real(statement, *args, **kwargs)  # read before the other's commit

    monkeypatch.setattr(db.session, "scalar", stale)
    snapshot = versions.publish(programme.moderator, programme.workspace)
    monkeypatch.undo()
    assert snapshot.version == 2
    numbers = session.scalars(
        select(ProgrammeSnapshot.version).where(ProgrammeSnapshot.workspace_id == programme.workspace.id)
    ).all()
    assert sorted(numbers) == [1, 2]


def test_the_workspace_page_links_to_the_programme(client, login, make, programme):
    path = f"/w/{programme.workspace.slug}/"
    login(programme.moderator)
    assert f'href="/w/{programme.workspace.slug}/programme"' in client.get(path).get_data(as_text=True)
    login(make.user(role=Role.OBSERVER))
    html = client.get(path).get_data(as_text=True)
    assert f'href="/w/{programme.workspace.slug}/programme/versions"' in html
    login(programme.member)
    assert "/programme" not in client.get(path).get_data(as_text=True)
