"""Reordering by drag and drop: the service takes a whole order and refuses any that is not exactly
the list's; the routes save it for moderators only, answer htmx with the list and its announcement,
and refuse bad orders with 422 and nothing saved."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ideaspace.models import Activity, AuditLog, Measure, Theme
from ideaspace.workspaces import manage

from .conftest import EXPECTED, ROLES


def titles(session, model, column, parent_id):
    label = model.title if model is not Measure else model.text
    rows = session.scalars(select(label).where(column == parent_id).order_by(model.position, model.id))
    return [row["fi"] for row in rows]


def audit_count(session):
    return session.scalar(select(func.count()).select_from(AuditLog))


@pytest.fixture
def themes(make, world):
    return [make.theme(world.ws, title={"fi": name}) for name in ("A", "B", "C")]


@pytest.fixture
def theme_lists(make, world):
    """A theme with three measures and three activities."""
    theme = make.theme(world.ws, title={"fi": "Teema"})
    measures = [make.measure(theme, text={"fi": name}) for name in ("M1", "M2", "M3")]
    activities = [make.activity(theme, title={"fi": name}) for name in ("K1", "K2", "K3")]
    return theme, measures, activities


# --- the service ---------------------------------------------------------------------------------


def test_reorder_puts_the_list_in_the_given_order_densely_and_audits_once(world, themes, session):
    a, b, c = themes
    ordered = manage.reorder(
        world.users["moderator"], Theme, world.ws, [c.id, a.id, b.id], workspace_id=world.ws.id
    )
    assert ordered == [c, a, b]
    assert titles(session, Theme, Theme.workspace_id, world.ws.id) == ["C", "A", "B"]
    assert [t.position for t in (c, a, b)] == [0, 1, 2]
    entry = session.scalars(select(AuditLog).where(AuditLog.action == "theme.reorder")).one()
    assert (entry.object_type, entry.object_id, entry.workspace_id) == ("workspace", world.ws.id, world.ws.id)
    assert entry.details["order"] == [c.id, a.id, b.id] and entry.actor_id == world.users["moderator"].id


def test_the_same_order_again_writes_nothing(world, themes, session):
    manage.reorder(
        world.users["moderator"], Theme, world.ws, [t.id for t in themes], workspace_id=world.ws.id
    )
    assert audit_count(session) == 0


def test_measures_and_activities_of_a_theme(world, theme_lists, session):
    theme, measures, activities = theme_lists
    moderator = world.users["moderator"]
    manage.reorder(moderator, Measure, theme, [m.id for m in reversed(measures)], workspace_id=world.ws.id)
    manage.reorder(
        moderator,
        Activity,
        theme,
        [activities[1].id, activities[2].id, activities[0].id],
        workspace_id=world.ws.id,
    )
    assert titles(session, Measure, Measure.theme_id, theme.id) == ["M3", "M2", "M1"]
    assert titles(session, Activity, Activity.theme_id, theme.id) == ["K2", "K3", "K1"]
    assert sorted(session.scalars(select(AuditLog.action))) == ["activity.reorder", "measure.reorder"]


@pytest.mark.parametrize(
    "order",
    [
        lambda t, other: [t[0].id, t[1].id],  # one missing (added in another tab)
        lambda t, other: [t[0].id, t[1].id, t[2].id, t[2].id],  # one twice
        lambda t, other: [t[0].id, t[0].id, t[1].id],  # as many, but one twice
        lambda t, other: [t[0].id, t[1].id, other.id],  # one of another workspace
        lambda t, other: [t[0].id, t[1].id, t[2].id, other.id],  # one more, from elsewhere
        lambda t, other: [2147483647, t[1].id, t[2].id],  # one that does not exist
    ],
)
def test_an_order_that_is_not_exactly_the_list_is_refused(make, world, themes, session, order):
    other = make.theme(world.other, title={"fi": "Muu"})
    with pytest.raises(manage.Refused, match="changed since"):
        manage.reorder(
            world.users["moderator"], Theme, world.ws, order(themes, other), workspace_id=world.ws.id
        )
    assert titles(session, Theme, Theme.workspace_id, world.ws.id) == ["A", "B", "C"]
    assert titles(session, Theme, Theme.workspace_id, world.other.id) == ["Muu"]
    assert audit_count(session) == 0


def test_measures_of_another_theme_are_refused(make, world, theme_lists, session):
    theme, measures, _ = theme_lists
    elsewhere = make.measure(make.theme(world.ws), text={"fi": "Muualla"})
    with pytest.raises(manage.Refused):
        manage.reorder(
            world.users["moderator"],
            Measure,
            theme,
            [measures[0].id, measures[1].id, elsewhere.id],
            workspace_id=world.ws.id,
        )
    assert titles(session, Measure, Measure.theme_id, theme.id) == ["M1", "M2", "M3"]


@pytest.mark.parametrize(
    "values",
    [[], [""], ["1,,2"], ["abc"], ["-1"], ["0"], ["1.5"], ["99999999999999999999"], ["１"], ["1," * 600]],
)
def test_parse_order_refuses_what_is_not_a_list_of_ids(values):
    with pytest.raises(manage.Refused, match="not valid"):
        manage.parse_order(values)


def test_parse_order_takes_repeated_fields_or_commas():
    assert manage.parse_order(["3,1", "2"]) == [3, 1, 2]
    assert manage.parse_order([" 7 "]) == [7]


# --- the routes ----------------------------------------------------------------------------------


def order_of(things):
    return ",".join(str(t.id) for t in things)


def test_themes_with_htmx_return_the_list_and_announce_the_new_position(
    client, world, themes, as_moderator, session
):
    a, b, c = themes
    response = client.post(
        f"/w/{world.ws.slug}/manage/themes/reorder",
        data={"order": order_of([b, c, a]), "moved": str(a.id)},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.text
    assert html.lstrip().startswith('<div id="themes-manage">') and "<html" not in html
    assert (
        html.index(f'id="theme-{b.id}"') < html.index(f'id="theme-{c.id}"') < html.index(f'id="theme-{a.id}"')
    )
    assert 'id="reorder-status"' in html and 'hx-swap-oob="true"' in html and "“A” is now 3 of 3." in html
    assert titles(session, Theme, Theme.workspace_id, world.ws.id) == ["B", "C", "A"]


def test_without_htmx_the_order_is_saved_and_the_page_says_so(client, world, themes, as_moderator, session):
    a, b, c = themes
    response = client.post(
        f"/w/{world.ws.slug}/manage/themes/reorder", data={"order": [str(c.id), str(b.id), str(a.id)]}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/manage/#themes-heading")
    assert "The new order was saved." in client.get(response.headers["Location"]).text
    assert titles(session, Theme, Theme.workspace_id, world.ws.id) == ["C", "B", "A"]


def test_the_manage_pages_mark_the_lists_for_dragging_and_load_the_vendored_script(
    client, world, themes, theme_lists, as_moderator
):
    html = client.get(f"/w/{world.ws.slug}/manage/").text
    assert f'data-reorder="/w/{world.ws.slug}/manage/themes/reorder"' in html
    assert 'data-reorder-target="#themes-manage"' in html and f'data-id="{themes[0].id}"' in html
    assert "/static/vendor/sortablejs-1.15.7/Sortable.min.js" in html and "/static/js/reorder.js" in html
    assert "Move up" in html  # the keyboard buttons stay
    theme = theme_lists[0]
    html = client.get(f"/w/{world.ws.slug}/manage/themes/{theme.id}/").text
    assert f'data-reorder="/w/{world.ws.slug}/manage/themes/{theme.id}/measures/reorder"' in html
    assert f'data-reorder="/w/{world.ws.slug}/manage/themes/{theme.id}/activities/reorder"' in html


def test_the_vendored_library_is_served_as_javascript(client):
    response = client.get("/static/vendor/sortablejs-1.15.7/Sortable.min.js")
    assert response.status_code == 200 and "javascript" in response.content_type
    assert response.get_data(as_text=True).startswith("/*! Sortable 1.15.7 - MIT")


@pytest.mark.parametrize("kind", ["measures", "activities"])
def test_a_themes_lists_with_htmx(client, world, theme_lists, as_moderator, session, kind):
    theme, measures, activities = theme_lists
    things = measures if kind == "measures" else activities
    response = client.post(
        f"/w/{world.ws.slug}/manage/themes/{theme.id}/{kind}/reorder",
        data={"order": order_of([things[2], things[0], things[1]]), "moved": str(things[2].id)},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith(f'<div id="{kind}-manage">')
    assert "is now 1 of 3." in response.text
    model, column = (Measure, Measure.theme_id) if kind == "measures" else (Activity, Activity.theme_id)
    names = [t.text["fi"] if kind == "measures" else t.title["fi"] for t in (things[2], things[0], things[1])]
    assert titles(session, model, column, theme.id) == names


@pytest.mark.parametrize("htmx", [False, True])
def test_a_stale_order_is_refused_with_the_list_as_saved(
    client, make, world, themes, as_moderator, session, htmx
):
    a, b, c = themes
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.post(
        f"/w/{world.ws.slug}/manage/themes/reorder",
        data={"order": order_of([c, a]), "moved": str(c.id)},
        headers=headers,
    )
    assert response.status_code == 422
    assert "The list has changed since the page was loaded." in response.text
    assert ("<html" in response.text) is not htmx
    assert (
        titles(session, Theme, Theme.workspace_id, world.ws.id) == ["A", "B", "C"]
        and audit_count(session) == 0
    )


@pytest.mark.parametrize("data", [{}, {"order": "x"}, {"order": ""}, {"order": ["1", "y"]}])
def test_garbage_is_refused(client, world, themes, as_moderator, session, data):
    response = client.post(f"/w/{world.ws.slug}/manage/themes/reorder", data=data)
    assert response.status_code == 422 and "The new order is not valid." in response.text
    assert audit_count(session) == 0


def test_without_a_csrf_token_nothing_is_saved(client, world, themes, as_moderator, session):
    client.csrf = False
    response = client.post(
        f"/w/{world.ws.slug}/manage/themes/reorder", data={"order": order_of(reversed(themes))}
    )
    assert response.status_code == 400
    assert titles(session, Theme, Theme.workspace_id, world.ws.id) == ["A", "B", "C"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", ["themes", "measures", "activities"])
def test_only_the_workspaces_moderators_and_admins_reorder(
    client, world, themes, theme_lists, login, session, role, kind
):
    theme, measures, activities = theme_lists
    if kind == "themes":
        target = f"/w/{world.ws.slug}/manage/themes/reorder"
        things = session.scalars(
            select(Theme).where(Theme.workspace_id == world.ws.id).order_by(Theme.position)
        ).all()
    else:
        target = f"/w/{world.ws.slug}/manage/themes/{theme.id}/{kind}/reorder"
        things = measures if kind == "measures" else activities
    if world.users[role] is not None:
        login(world.users[role])
    response = client.post(target, data={"order": order_of(list(reversed(things)))})
    expected = {200: 302}.get(EXPECTED[role], EXPECTED[role])  # allowed: saved, back to the page
    assert response.status_code == expected
    if expected == 302 and world.users[role] is None:
        assert "/login" in response.headers["Location"]
    assert audit_count(session) == (1 if role in ("moderator", "admin") else 0)


def test_another_workspaces_theme_under_this_slug_is_not_found(client, make, world, as_moderator, session):
    foreign = make.theme(world.other)
    measures = [make.measure(foreign), make.measure(foreign)]
    response = client.post(
        f"/w/{world.ws.slug}/manage/themes/{foreign.id}/measures/reorder",
        data={"order": order_of(reversed(measures))},
    )
    assert response.status_code == 404 and audit_count(session) == 0
