"""Copy as a template: the structure of a workspace into a new draft one, with no content and no
people; who may do it, and bad input."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ideaspace.models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    AuditLog,
    Comment,
    Idea,
    IndicatorReading,
    Measure,
    MeasureStatus,
    MemberRole,
    Membership,
    Note,
    Option,
    Respondent,
    ResultsVisibility,
    Theme,
    Workspace,
    WorkspaceStatus,
)
from ideaspace.workspaces import copying, manage

from .conftest import EXPECTED, ROLES


@pytest.fixture
def source(make, world, given, session):
    """World's workspace with two themes, measures with indicators and a reading, a poll voting on
    measures (one of the other theme), a notes wall, and what people gave on all of it."""
    ws = world.ws
    ws.introduction = {"fi": "<p>Johdanto</p>"}
    ws.strategy = {"fi": "Strategia"}
    ws.min_group_size = 7
    first = make.theme(ws, title={"fi": "Osaaminen"}, position=0)
    second = make.theme(ws, title={"fi": "Hyvinvointi"}, position=1)
    m1 = make.measure(first, text={"fi": "M1"}, position=0, status=MeasureStatus.IN_PROGRAMME)
    m2 = make.measure(first, text={"fi": "M2"}, position=1)
    m3 = make.measure(second, text={"fi": "M3"}, position=0)
    indicator = make.indicator(m1, description={"fi": "Mittari"})
    session.add(IndicatorReading(indicator_id=indicator.id, year=2024, value=12))
    poll = make.activity(
        first,
        ActivityKind.MULTIPLE_CHOICE,
        options=["Ei mittaria", "M2:n puolesta", "M3:n puolesta"],
        title={"fi": "Äänestä"},
        prompt={"fi": "<p>Valitse</p>"},
        is_anonymous=True,
        results_visibility=ResultsVisibility.AFTER_CLOSING,
        answers_changeable=False,
        max_selections=2,
        position=0,
        in_programme=True,
    )
    poll.options[1].measure_id = m2.id
    poll.options[2].measure_id = m3.id
    wall = make.activity(second, ActivityKind.NOTES, title={"fi": "Seinä"}, position=0)
    member = world.users["member"]
    given.comment(ws, member, theme_id=first.id)
    given.note(ws, wall, member)
    given.idea(ws, member, first)
    given.answer(poll, member, [poll.options[0]])
    session.commit()
    return ws


def copy_of(world, source, slug="uusi-kierros", title=None):
    return copying.copy_workspace(
        world.users["moderator"], source, slug=slug, title=title or {"fi": "Uusi kierros", "sv": "Ny omgång"}
    )


def themes_of(session, ws):
    return session.scalars(select(Theme).where(Theme.workspace_id == ws.id).order_by(Theme.position)).all()


def count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


# --- the service ---------------------------------------------------------------------------------


def test_the_structure_is_copied_in_order_into_a_draft(world, source, session):
    copied = copy_of(world, source)
    new = copied.workspace
    assert (new.slug, new.title, new.status) == (
        "uusi-kierros",
        {"fi": "Uusi kierros", "sv": "Ny omgång"},
        WorkspaceStatus.DRAFT,
    )
    assert (new.introduction, new.strategy, new.min_group_size) == (
        {"fi": "<p>Johdanto</p>"},
        {"fi": "Strategia"},
        7,
    )
    assert (new.access, new.primary_language, new.opens_on, new.closes_on) == (
        source.access,
        source.primary_language,
        None,
        None,
    )
    assert (copied.themes, copied.measures, copied.indicators, copied.activities, copied.options) == (
        2,
        3,
        1,
        2,
        3,
    )
    first, second = themes_of(session, new)
    assert [first.title["fi"], second.title["fi"]] == ["Osaaminen", "Hyvinvointi"]
    assert [m.text["fi"] for m in first.measures] == ["M1", "M2"] and [
        m.text["fi"] for m in second.measures
    ] == ["M3"]
    assert {m.status for m in first.measures} == {MeasureStatus.PROPOSED}
    (indicator,) = first.measures[0].indicators
    assert indicator.description == {"fi": "Mittari"} and indicator.readings == []
    (poll,) = first.activities
    assert (poll.kind, poll.title, poll.prompt) == (
        ActivityKind.MULTIPLE_CHOICE,
        {"fi": "Äänestä"},
        {"fi": "<p>Valitse</p>"},
    )
    assert (poll.is_anonymous, poll.results_visibility, poll.answers_changeable, poll.max_selections) == (
        True,
        ResultsVisibility.AFTER_CLOSING,
        False,
        2,
    )
    assert (poll.status, poll.opened_at, poll.in_programme) == (ActivityStatus.DRAFT, None, False)
    assert [o.label["fi"] for o in poll.options] == ["Ei mittaria", "M2:n puolesta", "M3:n puolesta"]
    # Options vote on the copies of their measures, the other theme's one too.
    assert [o.measure_id for o in poll.options] == [None, first.measures[1].id, second.measures[0].id]
    assert second.activities[0].kind is ActivityKind.NOTES


def test_no_content_and_no_people_come_along(world, source, session):
    new = copy_of(world, source).workspace
    for model in (Comment, Note, Idea):
        assert count(session, model, model.workspace_id == new.id) == 0
    new_activities = select(Activity.id).join(Theme).where(Theme.workspace_id == new.id)
    assert count(session, Respondent, Respondent.activity_id.in_(new_activities)) == 0
    members = session.execute(
        select(Membership.user_id, Membership.role).where(Membership.workspace_id == new.id)
    ).all()
    assert members == [(world.users["moderator"].id, MemberRole.MODERATOR)]  # who copied it, nobody else
    readings = select(IndicatorReading.id).join(IndicatorReading.indicator).join(Measure).join(Theme)
    assert (
        count(
            session, IndicatorReading, IndicatorReading.id.in_(readings.where(Theme.workspace_id == new.id))
        )
        == 0
    )
    assert not any(m.origin_idea_id for t in themes_of(session, new) for m in t.measures)


def test_the_source_is_untouched_and_the_copy_audited(world, source, session):
    before = [(t.id, t.title, len(t.measures), len(t.activities)) for t in themes_of(session, source)]
    new = copy_of(world, source).workspace
    session.expire_all()
    assert [(t.id, t.title, len(t.measures), len(t.activities)) for t in themes_of(session, source)] == before
    source_statuses = select(Activity.status).join(Theme).where(Theme.workspace_id == source.id)
    assert set(session.scalars(source_statuses)) == {ActivityStatus.OPEN}
    source_options = select(Option.id).join(Activity).join(Theme).where(Theme.workspace_id == source.id)
    assert count(session, Option, Option.id.in_(source_options)) == 3
    entry = session.scalars(select(AuditLog).where(AuditLog.action == "workspace.copy")).one()
    assert (entry.object_id, entry.workspace_id, entry.actor_id) == (
        new.id,
        new.id,
        world.users["moderator"].id,
    )
    assert entry.details["source"] == source.id and entry.details["themes"] == 2


def test_an_address_in_use_is_refused_and_nothing_is_made(world, source, session):
    workspaces = count(session, Workspace)
    with pytest.raises(manage.Refused, match="already uses this address"):
        copy_of(world, source, slug=world.other.slug)
    assert count(session, Workspace) == workspaces


def test_a_title_in_the_primary_language_is_required(world, source, session):
    with pytest.raises(manage.Refused):
        copy_of(world, source, title={"sv": "Bara svenska"})


def test_an_empty_workspace_copies_to_an_empty_draft(world, session):
    copied = copying.copy_workspace(world.users["admin"], world.other, slug="tyhja", title={"fi": "Tyhjä"})
    assert (copied.themes, copied.measures, copied.activities) == (0, 0, 0)
    assert copied.workspace.status is WorkspaceStatus.DRAFT


def test_reading_the_structure_takes_the_same_queries_for_more_themes(
    make, world, source, session, count_queries
):
    def selects(slug):
        with count_queries() as statements:
            copy_of(world, source, slug=slug)
        return len([s for s in statements if s.lstrip().upper().startswith("SELECT")])

    few = selects("kopio-1")
    for _ in range(4):
        theme = make.theme(source)
        make.measure(theme)
        make.activity(theme, options=3)
    assert selects("kopio-2") == few


# --- the page ------------------------------------------------------------------------------------


def page_url(ws):
    return f"/w/{ws.slug}/manage/copy"


def test_the_page_says_what_is_copied_and_the_settings_link_to_it(client, world, source, as_moderator):
    html = client.get(page_url(source)).text
    assert "Copy as a template" in html and "Not copied" in html and 'value="Osaaminen"' not in html
    assert 'name="title-fi"' in html and 'name="slug"' in html
    assert page_url(source) in client.get(f"/w/{source.slug}/manage/").text


def test_copying_through_the_page(client, world, source, as_moderator, session):
    response = client.post(page_url(source), data={"slug": "Uusi-Kierros ", "title-fi": "Uusi kierros"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/w/uusi-kierros/manage/")
    page = client.get(response.headers["Location"]).text
    assert "themes: 2, measures: 3, activities: 2" in page
    new = session.scalars(select(Workspace).where(Workspace.slug == "uusi-kierros")).one()
    assert new.status is WorkspaceStatus.DRAFT and len(themes_of(session, new)) == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"slug": "", "title-fi": "X"}, "Write an address."),
        ({"slug": "Ä ö", "title-fi": "X"}, "Use only lowercase letters"),
        ({"slug": "x" * 81, "title-fi": "X"}, "80"),
        ({"slug": "uusi", "title-fi": ""}, "Write this at least in"),
        ({"slug": "uusi", "title-fi": "rivi\nrivi"}, ""),
    ],
)
def test_bad_input_is_a_clear_error_and_nothing_is_made(
    client, world, source, as_moderator, session, data, message
):
    workspaces = count(session, Workspace)
    response = client.post(page_url(source), data=data)
    assert response.status_code == 422 and message in response.text and 'id="error-summary"' in response.text
    assert count(session, Workspace) == workspaces


def test_an_address_in_use_is_a_form_error(client, world, source, as_moderator, session):
    response = client.post(page_url(source), data={"slug": world.other.slug, "title-fi": "X"})
    assert response.status_code == 422 and "Another workspace already uses this address." in response.text


def test_without_a_csrf_token_nothing_is_made(client, world, source, as_moderator, session):
    client.csrf = False
    workspaces = count(session, Workspace)
    assert client.post(page_url(source), data={"slug": "uusi", "title-fi": "X"}).status_code == 400
    assert count(session, Workspace) == workspaces


@pytest.mark.parametrize("role", ROLES)
def test_who_may_copy(client, world, source, login, session, role):
    if world.users[role] is not None:
        login(world.users[role])
    workspaces = count(session, Workspace)
    get = client.get(page_url(source))
    post = client.post(
        page_url(source), data={"slug": f"kopio-{role.replace('_', '-')}", "title-fi": "Kopio"}
    )
    assert get.status_code == EXPECTED[role]
    assert post.status_code == {200: 302}.get(EXPECTED[role], EXPECTED[role])
    if world.users[role] is None:
        assert "/login" in post.headers["Location"]
    assert count(session, Workspace) == workspaces + (1 if role in ("moderator", "admin") else 0)


def test_an_unknown_workspace_is_not_found(client, world, login):
    login(world.users["admin"])
    assert client.get("/w/ei-ole/manage/copy").status_code == 404
