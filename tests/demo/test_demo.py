"""The Kokkola demo: the seed's process, loaded once through the import service."""

from __future__ import annotations

import copy
import json
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ideaspace import create_app
from ideaspace.demo.loader import FILES, PASSWORD, load_demo, read_document
from ideaspace.extensions import db
from ideaspace.models import (
    Activity,
    ActivityKind,
    Answer,
    AnswerChoice,
    Comment,
    Idea,
    IdeaStatus,
    Indicator,
    Measure,
    MemberRole,
    Membership,
    Note,
    Option,
    Quote,
    Role,
    Theme,
    Unit,
    User,
    Visit,
    Workspace,
    WorkspaceAccess,
    WorkspaceStatus,
)
from ideaspace.transfer import export_workspace, import_workspace
from ideaspace.transfer.schema import parse_document

SLUG = "henkilostoohjelma-2023-2025"
MODELS = (
    Unit,
    User,
    Workspace,
    Membership,
    Visit,
    Theme,
    Measure,
    Indicator,
    Activity,
    Option,
    Answer,
    AnswerChoice,
    Comment,
    Note,
    Idea,
    Quote,
)


def counts(session) -> dict[str, int]:
    return {m.__name__: session.scalar(select(func.count()).select_from(m)) for m in MODELS}


@pytest.fixture
def demo(session):
    result = load_demo()
    session.flush()
    session.expire_all()
    workspace = session.scalar(
        select(Workspace)
        .where(Workspace.slug == SLUG)
        .options(
            selectinload(Workspace.themes).selectinload(Theme.measures).selectinload(Measure.indicators),
            selectinload(Workspace.themes).selectinload(Theme.activities).selectinload(Activity.options),
        )
    )
    return result, workspace


def test_loading_twice_changes_nothing(demo, session):
    result, _ = demo
    assert result.created == [SLUG, "ideatynnyri"]
    before = counts(session)
    again = load_demo()
    session.flush()
    assert again.created == [] and again.skipped == [SLUG, "ideatynnyri"]
    assert counts(session) == before


def test_the_workspace_follows_the_seed(demo):
    _, ws = demo
    assert ws.status is WorkspaceStatus.OPEN and ws.access is WorkspaceAccess.INVITED
    assert ws.title == {
        "fi": "Henkilöstöohjelma 2023–2025",
        "sv": "Personalprogram 2023–2025",
        "en": "Personnel programme 2023–2025",
    }
    assert "Kokkola – meillä on laajempi horisontti" in ws.strategy["fi"] and "7.3.2022" in ws.strategy["fi"]
    assert str(ws.opens_on) == "2022-09-01" and ws.closes_on is None
    assert [t.title["fi"] for t in ws.themes] == [
        "Osaava, vastuullinen ja hyvinvoiva henkilöstö",
        "Työyhteisömme edistävät työhyvinvointia, turvallista ja terveellistä työtä sekä työkykyä",
        "Monimuotoisuuden johtaminen",
        "Vastuullinen, uudistuva ja kokeileva toimintakulttuuri",
        "Positiivinen työyhteisö ja merkityksellinen työntekijäkokemus, jotka heijastuvat myös "
        "asiakaspalveluun",
    ]
    assert [len(t.measures) for t in ws.themes] == [3, 5, 3, 3, 2]


@pytest.mark.parametrize(
    ("description", "year", "baseline", "comparator", "target"),
    [
        ("Anonyymien rekrytointien lukumäärä", 2022, 11, ">", 20),
        ("Käydyt kehityskeskustelut", 2021, 84, "=", 100),
        ("Koulutusten lukumäärä", None, None, ">", 8),
        ("Työhyvinvointipajan järjestäneiden työyhteisöjen lukumäärä", 2022, 48, ">", 60),
        ("Lähiesimiestyön ammattitutkinnon suorittaneet", 2022, 58, ">", 100),
        ("Monimuotoisuuden johtaminen -koulutuksiin osallistuneet", 2022, 12, ">", 50),
        ("Ideatynnyriin tulleiden ideoiden lukumäärä", 2022, 30, ">", 60),
        ("Vastuullinen työkäyttäytyminen", 2020, 70, ">", 70),
        ("eNPS-suositteluindeksi", 2020, 12, ">", 20),
        ("Käyttökokemukset pilotista", None, None, "qualitative", None),
        ("Ketterämpien työhyvinvointikyselyjen selvityksen toteutuminen", None, None, "qualitative", None),
    ],
)
def test_indicators_carry_the_seed_baselines_and_targets(
    demo, description, year, baseline, comparator, target
):
    _, ws = demo
    found = [
        i for t in ws.themes for m in t.measures for i in m.indicators if i.description["fi"] == description
    ]
    assert len(found) == 1
    indicator = found[0]
    assert indicator.baseline_year == year
    assert indicator.baseline_value == (Decimal(baseline) if baseline is not None else None)
    assert indicator.comparator.value == comparator
    assert indicator.target_value == (Decimal(target) if target is not None else None)
    if comparator == "qualitative":
        assert indicator.description["sv"]


def test_the_measures_poll_holds_the_seed_votes(demo, session):
    _, ws = demo
    poll = ws.themes[1].activities[0]
    assert poll.kind is ActivityKind.SINGLE_CHOICE
    assert poll.title["fi"] == "Mitkä toimenpiteet ovat mielestäsi tärkeitä?"
    assert [o.measure_id for o in poll.options] == [m.id for m in ws.themes[1].measures]
    rows = dict(
        session.execute(
            select(AnswerChoice.option_id, func.count())
            .join(Answer, Answer.key == AnswerChoice.answer_key)
            .where(Answer.activity_id == poll.id)
            .group_by(AnswerChoice.option_id)
        ).all()
    )
    assert [rows.get(o.id, 0) for o in poll.options] == [3, 12, 2, 8, 10]
    answers = session.scalars(select(Answer).where(Answer.activity_id == poll.id)).all()
    assert all(a.unit_id is None and str(a.answered_on)[:7] in ("2022-09", "2022-10") for a in answers)


def test_the_seed_activities_and_their_options(demo):
    _, ws = demo
    activities = {a.title["fi"]: a for t in ws.themes for a in t.activities}
    diversity = activities["Meillä on monimuotoisia työyhteisöjä!"]
    assert diversity.kind is ActivityKind.MULTIPLE_CHOICE and diversity.is_anonymous
    assert "Vastaa anonyymisti" in diversity.prompt["fi"]
    assert [o.label["fi"] for o in diversity.options] == [
        "Sukupuoli",
        "Ikä",
        "Seksuaalisuus",
        "Kulttuuri",
        "Koulutus",
        "Kieli",
        "Terveydentila",
        "Uskonto",
        "Kansalaisuus",
        "Varallisuus",
        "Ihonväri",
    ]
    experience = activities["Mistä tekijöistä työntekijäkokemus koostuu?"]
    assert experience.kind is ActivityKind.MULTIPLE_CHOICE and len(experience.options) == 12
    assert experience.options[0].label["fi"] == "Työn merkityksellisyys"
    kinds = {a.kind for a in activities.values()}
    assert kinds == {
        ActivityKind.SINGLE_CHOICE,
        ActivityKind.MULTIPLE_CHOICE,
        ActivityKind.SCALE,
        ActivityKind.NOTES,
        ActivityKind.IDEAS,
        ActivityKind.DISCUSSION,
    }


def test_notes_wall_ideas_and_quotes(demo, session):
    _, ws = demo
    notes = session.scalars(select(Note.text).where(Note.workspace_id == ws.id)).all()
    for text in (
        "Rohkeutta!",
        "Avoimuus uudistuksille",
        "Kaikkia kuunnellaan",
        "Kannustava ilmapiiri",
        "Turvallinen ilmapiiri – saa myös epäonnistua",
    ):
        assert text in notes
    quotes = session.scalars(select(Quote.excerpt).where(Quote.workspace_id == ws.id)).all()
    assert "Jokainen voi työyhteisössä olla oma itsensä." in quotes and len(quotes) == 4
    statuses = set(session.scalars(select(Idea.status).where(Idea.workspace_id == ws.id)))
    assert {IdeaStatus.NEW, IdeaStatus.ACCEPTED, IdeaStatus.MERGED} <= statuses


def test_every_text_is_in_finnish_and_swedish(demo):
    _, ws = demo
    texts = [ws.title, ws.introduction, ws.strategy]
    for theme in ws.themes:
        texts += [theme.title, theme.introduction]
        for m in theme.measures:
            texts += [m.goal, m.text, m.schedule, m.responsible]
            for i in m.indicators:
                texts += [i.description] + [
                    t for t in (i.unit_of_measure, i.baseline_source, i.target_text) if t
                ]
        for a in theme.activities:
            texts += [a.title, a.prompt] + [o.label for o in a.options]
    missing = [t for t in texts if not (t.get("fi") and t.get("sv"))]
    assert missing == []


def test_the_funnel_is_the_seeds(demo, session):
    _, ws = demo
    invited = (
        (Membership.workspace_id == ws.id)
        & (Membership.role == MemberRole.PARTICIPANT)
        & (Membership.invited_at.is_not(None))
    )
    q = select(func.count()).select_from(Membership).where(invited)
    assert session.scalar(q) == 163
    assert session.scalar(q.where(Membership.first_visit_at.is_not(None))) == 84
    assert session.scalar(q.where(Membership.first_contribution_at.is_not(None))) == 20
    # Visits and contributions fall within September–October 2022, contributions after visits.
    rows = session.execute(
        select(Membership.first_visit_at, Membership.first_contribution_at).where(invited)
    ).all()
    for visited, contributed in rows:
        assert visited is None or (visited.year, visited.month) in ((2022, 9), (2022, 10))
        assert contributed is None or (
            visited is not None
            and visited <= contributed
            and (contributed.year, contributed.month) in ((2022, 9), (2022, 10))
        )
    # Every named author of the workspace's content is one of the 20 contributors.
    contributors = set(
        session.scalars(
            select(Membership.user_id).where(invited, Membership.first_contribution_at.is_not(None))
        )
    )
    authors = set(session.scalars(select(Note.author_id).where(Note.workspace_id == ws.id))) | set(
        session.scalars(select(Comment.author_id).where(Comment.workspace_id == ws.id))
    )
    assert authors - {None} <= contributors
    moderator = session.scalar(
        select(Membership)
        .join(User, User.id == Membership.user_id)
        .where(Membership.workspace_id == ws.id, User.email == "hr@demo.ideaspace.fi")
    )
    assert moderator.role is MemberRole.MODERATOR and moderator.user.role is Role.MODERATOR


@pytest.mark.parametrize(
    ("email", "role", "locale"),
    [
        ("admin@demo.ideaspace.fi", Role.ADMIN, "fi"),
        ("hr@demo.ideaspace.fi", Role.MODERATOR, "fi"),
        ("johtoryhma@demo.ideaspace.fi", Role.OBSERVER, "fi"),
        ("esihenkilo1@demo.ideaspace.fi", Role.PARTICIPANT, "fi"),
        ("esihenkilo3@demo.ideaspace.fi", Role.PARTICIPANT, "sv"),
        ("esihenkilo163@demo.ideaspace.fi", Role.PARTICIPANT, None),
    ],
)
def test_demo_sign_ins(demo, session, email, role, locale):
    user = session.scalar(select(User).where(User.email == email))
    assert user.role is role and user.check_password(PASSWORD)
    if locale:
        assert user.locale == locale
    assert user.unit is not None and user.unit.name["sv"]


def test_supervisors_are_spread_over_units_and_languages(demo, session):
    supervisors = session.scalars(select(User).where(User.email.like("esihenkilo%"))).all()
    assert len(supervisors) == 163
    assert len({u.unit_id for u in supervisors}) >= 15
    assert 10 <= sum(u.locale == "sv" for u in supervisors) <= 40
    units = session.scalars(select(Unit)).all()
    names = {u.name["fi"]: u.name["sv"] for u in units}
    assert (
        names["Henkilöstöpalvelut"] == "Personaltjänster" and names["Sivistyspalvelut"] == "Bildningstjänster"
    )
    for fi in (
        "Työsuojelu",
        "Työterveyshuolto",
        "Markkinointi- ja viestintätiimi",
        "Varhaiskasvatus",
        "Perusopetus",
        "Lukiokoulutus",
        "Tekniset palvelut",
        "Konsernihallinto",
    ):
        assert names.get(fi)


def test_the_idea_barrel(demo, session):
    barrel = session.scalar(select(Workspace).where(Workspace.slug == "ideatynnyri"))
    assert barrel.title["fi"] == "Ideatynnyri" and barrel.title["sv"] == "Idétunnan"
    assert barrel.access is WorkspaceAccess.ALL_USERS and barrel.status is WorkspaceStatus.OPEN
    statuses = session.scalars(select(Idea.status).where(Idea.workspace_id == barrel.id)).all()
    assert len(statuses) >= 4 and len(set(statuses)) >= 4
    kinds = session.scalars(select(Activity.kind).join(Theme).where(Theme.workspace_id == barrel.id)).all()
    assert kinds == [ActivityKind.IDEAS]


@pytest.mark.parametrize("name", FILES)
def test_the_demo_files_validate(name):
    document = read_document(name)
    parsed = parse_document(document)
    assert parsed["workspace"]["slug"] in (SLUG, "ideatynnyri")
    assert "generate" not in document
    # The committed file is valid UTF-8 JSON that a person can read and edit.
    from ideaspace.demo.loader import DEMO_DIR

    json.loads((DEMO_DIR / name).read_text(encoding="utf-8"))


def test_the_demo_round_trips(demo, session):
    _, ws = demo
    first = export_workspace(ws)
    again = copy.deepcopy(first)
    again["workspace"]["slug"] = "kopio"
    second = export_workspace(import_workspace(again))
    second["workspace"]["slug"] = SLUG
    assert second == first
    assert len(first["workspace"]["memberships"]) == 164
    poll = first["workspace"]["themes"][1]["activities"][0]
    assert len(poll["answers"]) == 35 and len(poll["respondents"]) == 12
    # The sessions come back (the moderator's export of a workspace with anonymous activities
    # leaves out the facilitators and the counts of anonymous steps).
    sessions = first["workspace"]["sessions"]
    assert [(s["unit"], s["guests"], s["contributed"]) for s in sessions][:2] == [
        ("Sivistyspalvelut / Ruotsinkielinen perusopetus", 9, 8),
        ("Sivistyspalvelut / Varhaiskasvatus", 9, 8),
    ]
    assert len(sessions) == 6 and {s["facilitator"] for s in sessions} == {None}
    assert sum(s["answered"].get(poll["key"], 0) for s in sessions) == 23
    anonymous = {a["key"] for t in first["workspace"]["themes"] for a in t["activities"] if a["is_anonymous"]}
    assert not any(set(s["answered"]) & anonymous for s in sessions)


def test_the_demo_backup_round_trips_its_sessions_exactly(demo, session):
    _, ws = demo
    first = export_workspace(ws, backup=True)
    again = copy.deepcopy(first)
    again["workspace"]["slug"] = "kopio"
    second = export_workspace(import_workspace(again), backup=True)
    second["workspace"]["slug"] = SLUG
    assert second == first
    sessions = first["workspace"]["sessions"]
    assert [s["facilitator"] for s in sessions] == [
        "esihenkilo3@demo.ideaspace.fi",
        "esihenkilo1@demo.ideaspace.fi",
        "esihenkilo18@demo.ideaspace.fi",
        "esihenkilo15@demo.ideaspace.fi",
        "esihenkilo12@demo.ideaspace.fi",
        "esihenkilo24@demo.ideaspace.fi",
    ]
    assert sum(sum(s["answered"].values()) for s in sessions) == 23 + 10 + 8 + 15


def test_the_statistics_agree_with_the_poll_results(demo, session):
    """Issue 17: each poll's answers in the statistics are its result's total: the supervisors'
    own answers and their work communities' answers in live sessions; the funnel stays the seed's."""
    from ideaspace.polls.results import results_for
    from ideaspace.stats.service import workspace_statistics
    from ideaspace.workshops.models import Workshop
    from ideaspace.workshops.screens import work_communities

    _, ws = demo
    stats = workspace_statistics(ws)
    assert (stats.funnel.invited, stats.funnel.visited, stats.funnel.contributed) == (163, 84, 20)
    activities = [a for t in ws.themes for a in t.activities if a.kind.is_answered]
    results = results_for(activities)
    totals = {}
    for activity in activities:
        counted = session.scalar(
            select(func.count()).select_from(Answer).where(Answer.activity_id == activity.id)
        )
        totals[activity.title["fi"]] = counted
        assert results[activity.id].answers == counted
    shown = {row.title["fi"]: row.answers for row in stats.activities if row.kind.is_answered}
    assert shown == totals
    assert sorted(totals.values()) == [14, 18, 25, 35]
    # The notes wall: the statistics count the notes the wall shows.
    wall = next(row for row in stats.activities if row.kind is ActivityKind.NOTES)
    assert wall.notes == session.scalar(
        select(func.count()).select_from(Note).where(Note.activity_id == wall.id, Note.hidden_at.is_(None))
    )
    # Every session is a contributing supervisor's work community: its facilitator is one of the
    # 20 contributors and the session is for their unit.
    contributors = set(
        session.scalars(
            select(Membership.user_id).where(
                Membership.workspace_id == ws.id, Membership.first_contribution_at.is_not(None)
            )
        )
    )
    for workshop in session.scalars(select(Workshop).where(Workshop.workspace_id == ws.id)):
        facilitator = session.get(User, workshop.facilitator_id)
        assert facilitator.id in contributors and facilitator.unit_id == workshop.unit_id
    communities = work_communities(ws)
    assert sum(c.sessions for c in communities) == 6 and sum(c.guests for c in communities) == 46
    # The daily series counts the same answers, on the supervisors' days and the sessions' days.
    assert sum(day.answers for day in stats.daily) == sum(totals.values())


def test_fresh_instance_init_db_then_demo_twice(tmp_path, monkeypatch):
    """The `make run` flow on a fresh SQLite file: init-db, demo, demo again."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
            "SECRET_KEY": "test",
            "TESTING": True,
        }
    )
    runner = app.test_cli_runner()
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "Demo loaded: henkilostoohjelma-2023-2025, ideatynnyri." in first.output
    assert "admin@demo.ideaspace.fi" in first.output and PASSWORD in first.output
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0 and "already loaded; nothing changed" in second.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Workspace)) == 2
        assert db.session.scalar(select(func.count()).select_from(User)) == 167
        db.engine.dispose()


def test_the_demo_themes_date_from_the_opening_so_nothing_is_new_to_a_returning_supervisor(demo, session):
    """Loaded today, the themes still date from 1.9.2022: the front page must not call every theme
    new to a supervisor whose last visit was in 2022 (issue 17)."""
    from ideaspace.models import Membership, User
    from ideaspace.workspaces import front

    _, ws = demo
    assert {theme.created_at.date() for theme in ws.themes} == {ws.opens_on}
    person = session.scalar(select(User).where(User.email == "esihenkilo1@demo.ideaspace.fi"))
    membership = session.scalar(
        select(Membership).where(Membership.user_id == person.id, Membership.workspace_id == ws.id)
    )
    page = front.front_page(person, ws, membership.last_visit_at)
    assert not any(card.is_new or card.new_activities for card in page.cards)
