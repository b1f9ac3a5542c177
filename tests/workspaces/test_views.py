"""The moderators' pages: every route for every role, 404 for ids of another workspace, and the flows."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ideaspace.models import (
    Activity,
    ActivityKind,
    AuditLog,
    Indicator,
    Measure,
    MemberRole,
    Membership,
    Role,
    Theme,
    Workspace,
)

from .conftest import EXPECTED, ROLES


def build(make, world):
    """One of each thing in `world.ws`, and the same in `world.other` for the 404 checks."""
    made = {}
    for key, ws in (("a", world.ws), ("b", world.other)):
        theme = make.theme(ws)
        measure = make.measure(theme)
        indicator = make.indicator(measure)
        activity = make.activity(theme, options=2)
        made[key] = {"theme": theme, "measure": measure, "indicator": indicator, "activity": activity}
    return made


# (method, url pattern): {slug}, {theme}, {measure}, {indicator}, {activity}
PAGES = [
    "/w/{slug}/manage/",
    "/w/{slug}/manage/edit",
    "/w/{slug}/manage/themes/new",
    "/w/{slug}/manage/themes/{theme}/",
    "/w/{slug}/manage/themes/{theme}/edit",
    "/w/{slug}/manage/themes/{theme}/measures/new",
    "/w/{slug}/manage/measures/{measure}/edit",
    "/w/{slug}/manage/measures/{measure}/indicators/new",
    "/w/{slug}/manage/indicators/{indicator}/edit",
    "/w/{slug}/manage/themes/{theme}/activities/new",
    "/w/{slug}/manage/activities/{activity}/edit",
]
ACTIONS = [
    "/w/{slug}/manage/themes/{theme}/move",
    "/w/{slug}/manage/themes/{theme}/delete",
    "/w/{slug}/manage/measures/{measure}/move",
    "/w/{slug}/manage/measures/{measure}/delete",
    "/w/{slug}/manage/indicators/{indicator}/move",
    "/w/{slug}/manage/indicators/{indicator}/delete",
    "/w/{slug}/manage/activities/{activity}/move",
    "/w/{slug}/manage/activities/{activity}/delete",
    "/w/{slug}/manage/moderators",
    "/w/{slug}/manage/moderators/{user}/remove",
]


def url(pattern, world, made, key="a", slug=None):
    things = made[key]
    return pattern.format(
        slug=slug or world.ws.slug,
        theme=things["theme"].id,
        measure=things["measure"].id,
        indicator=things["indicator"].id,
        activity=things["activity"].id,
        user=world.users["moderator"].id,
    )


def sign_in_as(login, world, role):
    user = world.users[role]
    if user is not None:
        login(user)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("pattern", PAGES)
def test_pages_by_role(client, make, world, login, role, pattern):
    made = build(make, world)
    sign_in_as(login, world, role)
    response = client.get(url(pattern, world, made))
    assert response.status_code == EXPECTED[role], response.text[:500]
    if role == "anonymous":
        assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", [r for r in ROLES if EXPECTED[r] != 200])
@pytest.mark.parametrize("pattern", ACTIONS)
def test_actions_refuse_everyone_but_moderators(client, make, world, login, session, role, pattern):
    made = build(make, world)
    sign_in_as(login, world, role)
    before = session.scalar(select(func.count()).select_from(AuditLog))
    response = client.post(url(pattern, world, made), data={"direction": "up"})
    assert response.status_code == EXPECTED[role]
    assert session.scalar(select(func.count()).select_from(AuditLog)) == before


@pytest.mark.parametrize("role", ["moderator", "admin"])
@pytest.mark.parametrize(
    "pattern", [p for p in PAGES + ACTIONS if "{" in p.replace("{slug}", "") and "{user}" not in p]
)
def test_ids_of_another_workspace_are_not_found(client, make, world, login, role, pattern):
    made = build(make, world)
    login(world.users[role])
    target = url(pattern, world, made, key="b")  # B's ids under A's slug
    response = client.post(target, data={"direction": "up"}) if pattern in ACTIONS else client.get(target)
    assert response.status_code == 404


def test_unknown_workspace_is_not_found(client, world, login):
    login(world.users["admin"])
    assert client.get("/w/no-such-place/manage/").status_code == 404


def test_moderator_of_a_draft_workspace_it_does_not_moderate_is_forbidden(client, make, world, login):
    draft = make.workspace(status=make.workspace().status.DRAFT)
    login(world.users["other_moderator"])
    assert client.get(f"/w/{draft.slug}/manage/").status_code == 403


# --- creating a workspace ----------------------------------------------------------------------


NEW_WORKSPACE = {
    "slug": "henkilostoohjelma-2026",
    "primary_language": "fi",
    "title-fi": "Henkilöstöohjelma 2026",
    "title-sv": "Personalprogram 2026",
    "introduction-fi": "Tervetuloa <script>alert(1)</script>",
    "status": "draft",
    "access": "invited",
    "opens_on": "2026-01-10",
    "closes_on": "2026-02-10",
    "min_group_size": "5",
}


@pytest.mark.parametrize(
    "role,status",
    [("anonymous", 302), ("member", 403), ("observer", 403), ("moderator", 200), ("admin", 200)],
)
def test_new_workspace_page_by_role(client, world, login, role, status):
    sign_in_as(login, world, role)
    assert client.get("/workspaces/new").status_code == status


def test_create_workspace(client, world, login, session):
    moderator = world.users["moderator"]
    login(moderator)
    response = client.post("/workspaces/new", data=NEW_WORKSPACE)
    assert response.status_code == 302, response.text
    ws = session.scalar(select(Workspace).where(Workspace.slug == "henkilostoohjelma-2026"))
    assert response.headers["Location"].endswith("/w/henkilostoohjelma-2026/manage/")
    assert ws.title == {"fi": "Henkilöstöohjelma 2026", "sv": "Personalprogram 2026"}
    assert "<script>" not in ws.introduction["fi"]
    membership = session.scalar(select(Membership).where(Membership.workspace_id == ws.id))
    assert (membership.user_id, membership.role) == (moderator.id, MemberRole.MODERATOR)
    entry = session.scalar(select(AuditLog).where(AuditLog.action == "workspace.create"))
    assert (entry.actor_id, entry.workspace_id) == (moderator.id, ws.id)
    # The creator can now manage it.
    assert client.get("/w/henkilostoohjelma-2026/manage/").status_code == 200


@pytest.mark.parametrize(
    "change,message",
    [
        ({"slug": ""}, "Write an address"),
        ({"slug": "Huono osoite!"}, "lowercase letters"),
        ({"slug": "työtila"}, "lowercase letters"),
        ({"slug": "x" * 81}, "80"),
        ({"title-fi": ""}, "Write this at least in Suomi"),
        ({"primary_language": "sv", "title-sv": ""}, "Write this at least in Svenska"),
        ({"title-fi": "x" * 201}, "200"),
        ({"closes_on": "2026-01-01"}, "closing date cannot be before"),
        ({"opens_on": "huomenna"}, "Not a valid date"),
        ({"min_group_size": "1"}, "The minimum group size is at least 5"),
        ({"min_group_size": "4"}, "The minimum group size is at least 5"),
        ({"min_group_size": "viisi"}, "integer"),
        ({"status": "deleted"}, "Not a valid choice"),
        ({"primary_language": "de"}, "Not a valid choice"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_create_workspace_with_bad_input(client, world, login, session, change, message):
    login(world.users["moderator"])
    before = session.scalar(select(func.count()).select_from(Workspace))
    response = client.post("/workspaces/new", data={**NEW_WORKSPACE, **change})
    assert response.status_code == 422
    assert message in response.text
    assert 'id="error-summary"' in response.text
    assert session.scalar(select(func.count()).select_from(Workspace)) == before


def test_create_workspace_with_a_taken_slug(client, world, login, session):
    login(world.users["admin"])
    response = client.post("/workspaces/new", data={**NEW_WORKSPACE, "slug": world.ws.slug})
    assert response.status_code == 422
    assert "Another workspace already uses this address" in response.text
    assert session.scalar(select(func.count()).select_from(AuditLog)) == 0


def test_create_workspace_without_csrf_is_refused(client, world, login, session):
    login(world.users["admin"])
    client.csrf = False
    response = client.post("/workspaces/new", data=NEW_WORKSPACE)
    assert response.status_code in (400, 422)
    assert session.scalar(select(Workspace).where(Workspace.slug == NEW_WORKSPACE["slug"])) is None


# --- editing a workspace and its moderators ----------------------------------------------------


def test_edit_workspace_prefills_and_saves(client, world, as_moderator, session):
    page = client.get(f"/w/{world.ws.slug}/manage/edit")
    assert world.ws.title["fi"] in page.text and f'value="{world.ws.slug}"' in page.text
    data = {**NEW_WORKSPACE, "slug": world.ws.slug, "status": "closed"}
    response = client.post(f"/w/{world.ws.slug}/manage/edit", data=data)
    assert response.status_code == 302
    session.refresh(world.ws)
    assert world.ws.status.value == "closed" and world.ws.title["fi"] == "Henkilöstöohjelma 2026"
    assert (
        session.scalar(select(AuditLog.action).where(AuditLog.workspace_id == world.ws.id))
        == "workspace.update"
    )


def test_edit_workspace_refuses_another_workspaces_slug(client, world, as_moderator, session):
    data = {**NEW_WORKSPACE, "slug": world.other.slug}
    response = client.post(f"/w/{world.ws.slug}/manage/edit", data=data)
    assert response.status_code == 422
    assert "Another workspace already uses this address" in response.text
    session.refresh(world.ws)
    assert world.ws.slug != world.other.slug


def test_add_and_remove_a_moderator(client, make, world, as_moderator, session):
    colleague = make.user(Role.MODERATOR, name="Kollega")
    page = client.get(f"/w/{world.ws.slug}/manage/")
    assert "Kollega" in page.text
    response = client.post(f"/w/{world.ws.slug}/manage/moderators", data={"user_id": colleague.id})
    assert response.status_code == 302
    assert (
        session.scalar(
            select(Membership.role).where(
                Membership.user_id == colleague.id, Membership.workspace_id == world.ws.id
            )
        )
        is MemberRole.MODERATOR
    )
    response = client.post(f"/w/{world.ws.slug}/manage/moderators/{colleague.id}/remove")
    assert response.status_code == 302
    actions = list(
        session.scalars(
            select(AuditLog.action).where(AuditLog.workspace_id == world.ws.id).order_by(AuditLog.id)
        )
    )
    assert actions == ["workspace.moderator_add", "workspace.moderator_remove"]


def test_only_moderators_can_be_added(client, make, world, as_moderator, session):
    participant = make.user(Role.PARTICIPANT)
    response = client.post(f"/w/{world.ws.slug}/manage/moderators", data={"user_id": participant.id})
    assert response.status_code == 422
    response = client.post(f"/w/{world.ws.slug}/manage/moderators", data={"user_id": "kuka"})
    assert response.status_code == 422
    assert session.scalar(select(func.count()).select_from(AuditLog)) == 0


def test_removing_someone_who_does_not_moderate_here(client, world, as_moderator, session):
    other = world.users["other_moderator"]
    response = client.post(f"/w/{world.ws.slug}/manage/moderators/{other.id}/remove", follow_redirects=True)
    assert "does not moderate this workspace" in response.text
    assert client.post(f"/w/{world.ws.slug}/manage/moderators/999999/remove").status_code == 404
    assert (
        session.scalar(select(Membership.role).where(Membership.user_id == other.id)) is MemberRole.MODERATOR
    )
    assert session.scalar(select(func.count()).select_from(AuditLog)) == 0


def test_the_last_moderator_cannot_be_removed(client, world, as_moderator, session):
    me = world.users["moderator"]
    response = client.post(f"/w/{world.ws.slug}/manage/moderators/{me.id}/remove", follow_redirects=True)
    assert "at least one moderator" in response.text
    assert session.scalar(select(Membership.role).where(Membership.user_id == me.id)) is MemberRole.MODERATOR


# --- themes ------------------------------------------------------------------------------------


def test_add_edit_theme(client, world, as_moderator, session):
    response = client.post(
        f"/w/{world.ws.slug}/manage/themes/new",
        data={"title-fi": "Monimuotoisuuden johtaminen", "introduction-fi": "<p>Johdanto</p>"},
    )
    assert response.status_code == 302
    theme = session.scalar(select(Theme).where(Theme.workspace_id == world.ws.id))
    assert theme.title == {"fi": "Monimuotoisuuden johtaminen"} and theme.position == 0
    response = client.post(
        f"/w/{world.ws.slug}/manage/themes/{theme.id}/edit",
        data={"title-fi": "Monimuotoisuus", "title-sv": "Mångfald"},
    )
    assert response.status_code == 302
    session.refresh(theme)
    assert theme.title == {"fi": "Monimuotoisuus", "sv": "Mångfald"}
    actions = list(
        session.scalars(
            select(AuditLog.action).where(AuditLog.workspace_id == world.ws.id).order_by(AuditLog.id)
        )
    )
    assert actions == ["theme.create", "theme.update"]


@pytest.mark.parametrize(
    "data,message",
    [
        ({"title-fi": "", "introduction-fi": ""}, "Write this at least in Suomi"),
        ({"title-fi": "", "title-sv": "Bara svenska"}, "Write this at least in Suomi"),
        ({"title-fi": "x" * 201}, "200"),
        ({"title-fi": "Ok", "introduction-fi": "x" * 20001}, "20000"),
    ],
)
def test_theme_form_bad_input(client, make, world, as_moderator, session, data, message):
    theme = make.theme(world.ws, title={"fi": "Alkuperäinen"})
    for target in (
        f"/w/{world.ws.slug}/manage/themes/new",
        f"/w/{world.ws.slug}/manage/themes/{theme.id}/edit",
    ):
        response = client.post(target, data=data)
        assert response.status_code == 422
        assert message in response.text
    session.refresh(theme)
    assert theme.title == {"fi": "Alkuperäinen"}
    assert session.scalar(select(func.count()).select_from(Theme)) == 1


def test_reorder_themes_without_javascript(client, make, world, as_moderator, session):
    themes = [make.theme(world.ws, title={"fi": name}) for name in ("A", "B", "C")]
    response = client.post(f"/w/{world.ws.slug}/manage/themes/{themes[2].id}/move", data={"direction": "up"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/w/{world.ws.slug}/manage/#theme-{themes[2].id}")
    order = session.scalars(
        select(Theme.title).where(Theme.workspace_id == world.ws.id).order_by(Theme.position)
    )
    assert [t["fi"] for t in order] == ["A", "C", "B"]
    positions = session.scalars(
        select(Theme.position).where(Theme.workspace_id == world.ws.id).order_by(Theme.position)
    )
    assert list(positions) == [0, 1, 2]
    assert (
        client.post(
            f"/w/{world.ws.slug}/manage/themes/{themes[0].id}/move", data={"direction": "sideways"}
        ).status_code
        == 400
    )


def test_reorder_themes_with_htmx_returns_the_list(client, make, world, as_moderator):
    themes = [make.theme(world.ws, title={"fi": name}) for name in ("A", "B")]
    response = client.post(
        f"/w/{world.ws.slug}/manage/themes/{themes[1].id}/move",
        data={"direction": "up"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.text
    assert html.lstrip().startswith('<div id="themes-manage">')
    assert html.index(f'id="theme-{themes[1].id}"') < html.index(f'id="theme-{themes[0].id}"')
    assert 'hx-swap-oob="true"' in html and "1 of 2" in html
    assert "data-focus" in html


def test_delete_theme(client, make, world, as_moderator, session, given):
    empty, used = make.theme(world.ws), make.theme(world.ws)
    given.comment(world.ws, world.users["member"], theme_id=used.id)
    response = client.post(f"/w/{world.ws.slug}/manage/themes/{used.id}/delete", follow_redirects=True)
    assert "cannot be deleted" in response.text and "1 comment" in response.text
    assert session.get(Theme, used.id) is not None
    response = client.post(f"/w/{world.ws.slug}/manage/themes/{empty.id}/delete")
    assert response.status_code == 302
    assert session.get(Theme, empty.id) is None
    assert session.scalar(select(Theme.position).where(Theme.id == used.id)) == 0
    assert list(session.scalars(select(AuditLog.action).order_by(AuditLog.id))) == ["theme.delete"]


# --- measures and indicators -------------------------------------------------------------------


MEASURE = {
    "goal-fi": "Osaava henkilöstö",
    "text-fi": "Anonyymi rekrytointi",
    "text-sv": "Anonym rekrytering",
    "schedule-fi": "2022– jatkuva",
    "responsible-fi": "Henkilöstöpalvelut",
    "status": "in_programme",
}


def test_add_edit_move_delete_measure(client, make, world, as_moderator, session):
    theme = make.theme(world.ws)
    first = make.measure(theme)
    response = client.post(f"/w/{world.ws.slug}/manage/themes/{theme.id}/measures/new", data=MEASURE)
    assert response.status_code == 302
    measure = session.scalar(select(Measure).where(Measure.theme_id == theme.id, Measure.id != first.id))
    assert measure.text == {"fi": "Anonyymi rekrytointi", "sv": "Anonym rekrytering"}
    assert (first.position, measure.position) == (0, 1)
    response = client.post(
        f"/w/{world.ws.slug}/manage/measures/{measure.id}/edit", data={**MEASURE, "status": "dropped"}
    )
    assert response.status_code == 302
    client.post(f"/w/{world.ws.slug}/manage/measures/{measure.id}/move", data={"direction": "up"})
    session.refresh(first)
    session.refresh(measure)
    assert (measure.status.value, measure.position, first.position) == ("dropped", 0, 1)
    assert client.post(f"/w/{world.ws.slug}/manage/measures/{first.id}/delete").status_code == 302
    assert session.get(Measure, first.id) is None
    actions = list(
        session.scalars(
            select(AuditLog.action).where(AuditLog.workspace_id == world.ws.id).order_by(AuditLog.id)
        )
    )
    assert actions == ["measure.create", "measure.update", "measure.move", "measure.delete"]


@pytest.mark.parametrize(
    "change,message",
    [
        ({"text-fi": ""}, "Write this at least in Suomi"),
        ({"text-fi": "x" * 2001}, "2000"),
        ({"schedule-fi": "x" * 201}, "200"),
        ({"status": "maybe"}, "Not a valid choice"),
    ],
)
def test_measure_form_bad_input(client, make, world, as_moderator, session, change, message):
    theme = make.theme(world.ws)
    response = client.post(
        f"/w/{world.ws.slug}/manage/themes/{theme.id}/measures/new", data={**MEASURE, **change}
    )
    assert response.status_code == 422 and message in response.text
    assert session.scalar(select(func.count()).select_from(Measure)) == 0


def test_delete_measure_with_votes_is_refused(client, make, world, as_moderator, session):
    theme = make.theme(world.ws)
    measure = make.measure(theme)
    poll = make.activity(theme, options=2)
    poll.options[0].measure_id = measure.id
    session.flush()
    response = client.post(f"/w/{world.ws.slug}/manage/measures/{measure.id}/delete", follow_redirects=True)
    assert "cannot be deleted" in response.text and "Dropped" in response.text
    assert session.get(Measure, measure.id) is not None


INDICATOR = {
    "description-fi": "Kehityskeskustelut käyty",
    "unit_of_measure-fi": "%",
    "baseline_year": "2021",
    "baseline_value": "84,5",
    "baseline_source-fi": "Työhyvinvointikysely",
    "comparator": "=",
    "target_value": "100",
}


def test_add_edit_indicator(client, make, world, as_moderator, session):
    measure = make.measure(make.theme(world.ws))
    response = client.post(f"/w/{world.ws.slug}/manage/measures/{measure.id}/indicators/new", data=INDICATOR)
    assert response.status_code == 302, response.text
    indicator = session.scalar(select(Indicator).where(Indicator.measure_id == measure.id))
    assert str(indicator.baseline_value) in ("84.5", "84.50") and indicator.comparator.value == "="
    page = client.get(f"/w/{world.ws.slug}/manage/indicators/{indicator.id}/edit")
    assert 'value="84.5"' in page.text
    response = client.post(
        f"/w/{world.ws.slug}/manage/indicators/{indicator.id}/edit",
        data={
            **INDICATOR,
            "comparator": "qualitative",
            "target_value": "",
            "target-text-fi": "x",
            "target_text-fi": "Kaikki käyvät keskustelun",
        },
    )
    assert response.status_code == 302
    session.refresh(indicator)
    assert indicator.target_value is None and indicator.target_text == {"fi": "Kaikki käyvät keskustelun"}
    actions = list(
        session.scalars(
            select(AuditLog.action).where(AuditLog.workspace_id == world.ws.id).order_by(AuditLog.id)
        )
    )
    assert actions == ["indicator.create", "indicator.update"]


@pytest.mark.parametrize(
    "change,message",
    [
        ({"description-fi": ""}, "Write this at least in Suomi"),
        ({"baseline_year": "1899"}, "from 1900 to 2100"),
        ({"baseline_year": "kaksituhatta"}, "integer"),
        ({"baseline_value": "paljon"}, "Enter a number"),
        ({"baseline_value": "1,234"}, "two decimals"),
        ({"target_value": ""}, "Write the target value"),
        ({"comparator": "qualitative"}, "qualitative target has no value"),
        ({"comparator": "≈"}, "Not a valid choice"),
        ({"unit_of_measure-fi": "x" * 51}, "50"),
    ],
)
def test_indicator_form_bad_input(client, make, world, as_moderator, session, change, message):
    measure = make.measure(make.theme(world.ws))
    response = client.post(
        f"/w/{world.ws.slug}/manage/measures/{measure.id}/indicators/new", data={**INDICATOR, **change}
    )
    assert response.status_code == 422 and message in response.text
    assert session.scalar(select(func.count()).select_from(Indicator)) == 0


def test_reorder_indicators_with_htmx(client, make, world, as_moderator, session):
    measure = make.measure(make.theme(world.ws))
    first = make.indicator(measure, description={"fi": "Ensimmäinen"}, position=0)
    second = make.indicator(measure, description={"fi": "Toinen"}, position=1)
    response = client.post(
        f"/w/{world.ws.slug}/manage/indicators/{second.id}/move",
        data={"direction": "up"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="measures-manage">')
    assert response.text.index("Toinen") < response.text.index("Ensimmäinen")
    assert (second.position, first.position) == (0, 1)


# --- activities --------------------------------------------------------------------------------


ACTIVITY = {
    "kind": "single_choice",
    "title-fi": "Mitkä toimenpiteet ovat mielestäsi tärkeitä?",
    "prompt-fi": "Valitse yksi.",
    "status": "open",
    "results_visibility": "after_answering",
    "answers_changeable": "y",
    "options-0-label-fi": "Työsuojelun ohjaus",
    "options-1-label-fi": "PRO24-ilmoitukset",
    "options-2-label-fi": "",
}


def test_new_activity_page_has_blank_option_rows(client, make, world, as_moderator):
    theme = make.theme(world.ws)
    page = client.get(f"/w/{world.ws.slug}/manage/themes/{theme.id}/activities/new")
    assert 'id="options-3-label-fi"' in page.text and 'id="options-4-label-fi"' not in page.text


def test_add_option_rows_without_javascript(client, make, world, as_moderator, session):
    theme = make.theme(world.ws)
    response = client.post(
        f"/w/{world.ws.slug}/manage/themes/{theme.id}/activities/new", data={**ACTIVITY, "add_option": "1"}
    )
    assert response.status_code == 200
    assert 'id="options-4-label-fi"' in response.text and "PRO24-ilmoitukset" in response.text
    assert session.scalar(select(func.count()).select_from(Activity)) == 0


def test_create_a_poll_voting_on_a_measure(client, make, world, as_moderator, session):
    theme = make.theme(world.ws)
    measure = make.measure(theme, text={"fi": "Digitaalinen työkyvyn johtaminen"})
    data = {**ACTIVITY, "options-2-measure_id": str(measure.id)}
    response = client.post(f"/w/{world.ws.slug}/manage/themes/{theme.id}/activities/new", data=data)
    assert response.status_code == 302, response.text
    poll = session.scalar(select(Activity).where(Activity.theme_id == theme.id))
    assert [o.label["fi"] for o in poll.options] == [
        "Työsuojelun ohjaus",
        "PRO24-ilmoitukset",
        "Digitaalinen työkyvyn johtaminen",
    ]
    assert poll.options[2].measure_id == measure.id
    assert poll.answers_changeable and not poll.is_anonymous
    assert session.scalar(select(AuditLog.action)) == "activity.create"


@pytest.mark.parametrize(
    "change,message",
    [
        ({"title-fi": ""}, "Write this at least in Suomi"),
        ({"kind": "ranking"}, "Not a valid choice"),
        ({"options-1-label-fi": ""}, "at least two options"),
        ({"kind": "discussion"}, "Only single- and multiple-choice polls have options"),
        ({"kind": "multiple_choice", "max_selections": "3"}, "the poll has 2 options"),
        ({"kind": "multiple_choice", "max_selections": "0"}, "at least 1"),
        ({"kind": "multiple_choice", "max_selections": "kaksi"}, "integer"),
        ({"options-0-measure_id": "abc"}, "Invalid Choice"),
        ({"options-2-label-sv": "Bara svenska"}, "or choose a measure"),
        ({"options-0-label-fi": "x" * 301}, "300"),
        ({"results_visibility": "never"}, "Not a valid choice"),
    ],
)
def test_activity_form_bad_input(client, make, world, as_moderator, session, change, message):
    theme = make.theme(world.ws)
    response = client.post(
        f"/w/{world.ws.slug}/manage/themes/{theme.id}/activities/new", data={**ACTIVITY, **change}
    )
    assert response.status_code == 422
    assert message in response.text
    assert session.scalar(select(func.count()).select_from(Activity)) == 0


def test_option_measure_of_another_workspace_is_a_validation_error(
    client, make, world, as_moderator, session
):
    theme = make.theme(world.ws)
    foreign = make.measure(make.theme(world.other))
    data = {**ACTIVITY, "options-0-measure_id": str(foreign.id)}
    response = client.post(f"/w/{world.ws.slug}/manage/themes/{theme.id}/activities/new", data=data)
    assert response.status_code == 422
    assert "Choose a measure of this workspace" in response.text
    assert session.scalar(select(func.count()).select_from(Activity)) == 0


def edit_data(activity, **change):
    data = {
        "kind": activity.kind.value,
        "title-fi": activity.title["fi"],
        "status": activity.status.value,
        "results_visibility": activity.results_visibility.value,
        "answers_changeable": "y",
    }
    if activity.is_anonymous:
        data["is_anonymous"] = "y"
    for i, option in enumerate(activity.options):
        data[f"options-{i}-id"] = str(option.id)
        data[f"options-{i}-label-fi"] = option.label["fi"]
    data.update(change)
    return data


def test_edit_activity_prefills_and_removes_an_option(client, make, world, as_moderator, session):
    poll = make.activity(make.theme(world.ws), options=3)
    page = client.get(f"/w/{world.ws.slug}/manage/activities/{poll.id}/edit")
    assert page.status_code == 200 and "Vaihtoehto 3" in page.text
    assert 'id="options-3-label-fi"' in page.text  # blank rows after the existing ones
    removed = poll.options[1].id
    response = client.post(
        f"/w/{world.ws.slug}/manage/activities/{poll.id}/edit",
        data=edit_data(poll, **{"options-1-remove": "y"}),
    )
    assert response.status_code == 302, response.text
    session.refresh(poll)
    assert removed not in [o.id for o in poll.options] and [o.position for o in poll.options] == [0, 1]


def test_edit_answered_activity_refuses_corrupting_changes(client, make, world, as_moderator, session, given):
    poll = make.activity(make.theme(world.ws), options=3)
    given.answer(poll, world.users["member"], [poll.options[0]])
    page = client.get(f"/w/{world.ws.slug}/manage/activities/{poll.id}/edit")
    assert "cannot be removed" in page.text
    target = f"/w/{world.ws.slug}/manage/activities/{poll.id}/edit"
    for change, message in (
        ({"kind": "multiple_choice"}, "The kind cannot change"),
        ({"is_anonymous": "y"}, "Anonymity cannot change"),
        ({"options-0-remove": "y"}, "have answers and cannot be removed"),
    ):
        response = client.post(target, data=edit_data(poll, **change))
        assert response.status_code == 422, change
        assert message in response.text
    session.refresh(poll)
    assert poll.kind is ActivityKind.SINGLE_CHOICE and not poll.is_anonymous and len(poll.options) == 3
    assert session.scalar(select(func.count()).select_from(AuditLog)) == 0


def test_edit_activity_with_an_option_of_another_activity_is_not_found(client, make, world, as_moderator):
    poll = make.activity(make.theme(world.ws), options=2)
    foreign = make.activity(make.theme(world.other), options=2)
    data = edit_data(poll, **{"options-1-id": str(foreign.options[0].id)})
    assert client.post(f"/w/{world.ws.slug}/manage/activities/{poll.id}/edit", data=data).status_code == 404


def test_reorder_and_delete_activities(client, make, world, as_moderator, session, given):
    theme = make.theme(world.ws)
    first, second = make.activity(theme, ActivityKind.DISCUSSION), make.activity(theme, ActivityKind.NOTES)
    client.post(f"/w/{world.ws.slug}/manage/activities/{second.id}/move", data={"direction": "up"})
    assert (second.position, first.position) == (0, 1)
    given.note(world.ws, second, world.users["member"])
    response = client.post(f"/w/{world.ws.slug}/manage/activities/{second.id}/delete", follow_redirects=True)
    assert "cannot be deleted" in response.text and "1 note" in response.text
    assert client.post(f"/w/{world.ws.slug}/manage/activities/{first.id}/delete").status_code == 302
    assert session.get(Activity, first.id) is None and session.get(Activity, second.id) is not None
    actions = list(
        session.scalars(
            select(AuditLog.action).where(AuditLog.workspace_id == world.ws.id).order_by(AuditLog.id)
        )
    )
    assert actions == ["activity.move", "activity.delete"]


def test_manage_theme_page_lists_everything_in_few_queries(client, make, world, as_moderator, count_queries):
    theme = make.theme(world.ws)
    for _ in range(3):
        measure = make.measure(theme)
        make.indicator(measure)
        make.indicator(measure)
        make.activity(theme, options=3)
    with count_queries() as statements:
        response = client.get(f"/w/{world.ws.slug}/manage/themes/{theme.id}/")
    assert response.status_code == 200
    assert response.text.count('id="indicator-') == 6 and response.text.count('id="activity-') == 3
    assert "<script>alert" not in response.text
    assert len(statements) <= 14, statements


# --- links for moderators, and reading in one's own language -----------------------------------


def test_moderators_see_their_tools_others_do_not(client, make, world, login):
    theme = make.theme(world.ws)
    login(world.users["moderator"])
    assert f"/w/{world.ws.slug}/manage/" in client.get(f"/w/{world.ws.slug}/").text
    assert f"/manage/themes/{theme.id}/" in client.get(f"/w/{world.ws.slug}/themes/{theme.id}").text
    assert "/workspaces/new" in client.get("/").text
    login(world.users["member"])
    assert "/manage/" not in client.get(f"/w/{world.ws.slug}/").text
    assert "/manage/" not in client.get(f"/w/{world.ws.slug}/themes/{theme.id}").text
    assert "/workspaces/new" not in client.get("/").text


def test_a_finnish_only_theme_falls_back_to_finnish_for_a_swedish_reader(client, make, world, login, session):
    theme = make.theme(
        world.ws, title={"fi": "Vain suomeksi"}, introduction={"fi": "<p>Suomenkielinen johdanto</p>"}
    )
    make.measure(theme, text={"fi": "Toimenpide suomeksi"})
    reader = world.users["member"]
    reader.locale = "sv"
    session.flush()
    login(reader)
    html = client.get(f"/w/{world.ws.slug}/themes/{theme.id}").text
    assert '<html lang="sv">' in html
    assert '<span lang="fi">Vain suomeksi</span>' in html
    assert '<div lang="fi"><p>Suomenkielinen johdanto</p></div>' in html
    assert '<span lang="fi">Toimenpide suomeksi</span>' in html
    # A text that exists in Swedish is shown in Swedish, without a lang mark.
    html = client.get(f"/w/{world.ws.slug}/").text
    assert world.ws.title["sv"] in html and f'<span lang="fi">{world.ws.title["fi"]}' not in html


def test_a_swedish_primary_workspace_falls_back_to_swedish(client, make, login, session):
    ws = make.workspace(primary_language="sv", title={"sv": "Personalprogram", "fi": "Henkilöstöohjelma"})
    theme = make.theme(ws, title={"sv": "Bara på svenska", "en": "In English"})
    reader = make.user(Role.PARTICIPANT, locale="fi")
    make.member(ws, reader)
    login(reader)
    html = client.get(f"/w/{ws.slug}/themes/{theme.id}").text
    assert '<span lang="sv">Bara på svenska</span>' in html and "In English" not in html
