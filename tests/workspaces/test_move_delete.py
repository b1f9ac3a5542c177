"""Moving and deleting a measure, an indicator and an activity through the one pair of helpers in
workspaces/content_views.py: each lands back on its theme's page at the right place, moves among
its own siblings only, and a refused delete keeps the item with its reason."""

from __future__ import annotations

from ideaspace.models import Activity, ActivityKind, Indicator, Measure


def test_each_delete_returns_to_its_place_on_the_theme_page(client, make, world, as_moderator, session):
    theme = make.theme(world.ws)
    measure, gone = make.measure(theme), make.measure(theme)
    indicator = make.indicator(measure)
    activity = make.activity(theme, kind=ActivityKind.DISCUSSION)
    session.commit()
    base = f"/w/{world.ws.slug}/manage"
    page = f"{base}/themes/{theme.id}/"
    cases = [
        (f"{base}/indicators/{indicator.id}/delete", Indicator, indicator.id, f"#measure-{measure.id}"),
        (f"{base}/measures/{gone.id}/delete", Measure, gone.id, "#measures-heading"),
        (f"{base}/activities/{activity.id}/delete", Activity, activity.id, "#activities-heading"),
    ]
    for url, model, item_id, anchor in cases:
        response = client.post(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].endswith(page + anchor), (url, response.headers["Location"])
        session.expire_all()
        assert session.get(model, item_id) is None, url
    assert "was deleted" in client.get(page).text


def test_moves_stay_among_siblings_and_return_to_the_theme_page(client, make, world, as_moderator, session):
    theme = make.theme(world.ws)
    first, second = make.measure(theme, position=0), make.measure(theme, position=1)
    low, high = make.indicator(first, position=0), make.indicator(first, position=1)
    session.commit()
    base = f"/w/{world.ws.slug}/manage"
    response = client.post(f"{base}/indicators/{high.id}/move", data={"direction": "up"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/manage/themes/{theme.id}/#indicator-{high.id}")
    response = client.post(f"{base}/measures/{second.id}/move", data={"direction": "up"})
    assert response.headers["Location"].endswith(f"/manage/themes/{theme.id}/#measure-{second.id}")
    session.expire_all()
    assert (high.position, low.position) == (0, 1)
    assert (second.position, first.position) == (0, 1)
