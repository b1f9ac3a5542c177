"""Workshop sessions in the workspace document (issue 17): a unit's work community's answers given
in live sessions travel with the workspace, so its statistics still agree with its results."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import func, select

from ideaspace.models import Answer, Respondent, Workspace
from ideaspace.stats.service import workspace_statistics
from ideaspace.transfer import export_workspace, import_workspace
from ideaspace.transfer.schema import TransferError
from ideaspace.workshops.models import Guest, GuestResponse, Workshop, WorkshopStatus

UNIT = "Sivistyspalvelut / Varhaiskasvatus"


def document(slug: str = "pajat") -> dict:
    """Two polls (one anonymous) answered by two supervisors and by seven guests of a session."""
    people = [
        {"email": f"esihenkilo{n}@example.fi", "name": f"Esihenkilö {n}", "role": "participant", "unit": UNIT}
        for n in range(1, 3)
    ]
    answers = lambda n, key: [{"on": "2022-09-20", "options": [key]} for _ in range(n)]  # noqa: E731
    return {
        "format": "ideaspace.workspace",
        "version": 1,
        "units": [
            {"name": {"fi": "Sivistyspalvelut"}, "units": [{"name": {"fi": "Varhaiskasvatus"}}]},
        ],
        "people": [*people, {"email": "hr@example.fi", "name": "HR", "role": "moderator"}],
        "workspace": {
            "slug": slug,
            "title": {"fi": "Pajat"},
            "status": "open",
            "memberships": [
                {"person": p["email"], "invited_at": "2022-09-05T06:00:00+00:00"} for p in people
            ],
            "themes": [
                {
                    "key": "T1",
                    "title": {"fi": "Hyvinvointi"},
                    "activities": [
                        {
                            "key": "A1",
                            "kind": "single_choice",
                            "title": {"fi": "Tärkein?"},
                            "options": [
                                {"key": "o1", "label": {"fi": "a"}},
                                {"key": "o2", "label": {"fi": "b"}},
                            ],
                            "answers": answers(5, "o1") + answers(4, "o2"),
                            "respondents": [
                                {"person": "esihenkilo1@example.fi", "on": "2022-09-19"},
                                {"person": "esihenkilo2@example.fi", "on": "2022-09-19"},
                            ],
                        },
                        {
                            "key": "A2",
                            "kind": "single_choice",
                            "is_anonymous": True,
                            "title": {"fi": "Anonyymisti?"},
                            "options": [
                                {"key": "o1", "label": {"fi": "a"}},
                                {"key": "o2", "label": {"fi": "b"}},
                            ],
                            "answers": answers(4, "o1") + answers(3, "o2"),
                            "respondents": [{"person": "esihenkilo1@example.fi", "on": "2022-09-19"}],
                        },
                        {"key": "A3", "kind": "discussion", "title": {"fi": "Keskustelu"}},
                    ],
                },
                {
                    "key": "T2",
                    "title": {"fi": "Toinen"},
                    "activities": [
                        {"key": "B1", "kind": "notes", "title": {"fi": "Seinä"}},
                    ],
                },
            ],
            "sessions": [
                {
                    "theme": "T1",
                    "unit": UNIT,
                    "facilitator": "esihenkilo1@example.fi",
                    "language": "fi",
                    "created_at": "2022-09-20T11:00:00+00:00",
                    "expires_at": "2022-09-20T15:00:00+00:00",
                    "ended_at": "2022-09-20T11:50:00+00:00",
                    "steps": ["A1", "A2", "A3"],
                    "guests": 8,
                    "contributed": 7,
                    "answered": {"A1": 7, "A2": 6},
                }
            ],
        },
    }


def test_import_creates_ended_sessions_with_their_guests(session):
    ws = import_workspace(document())
    workshop = session.scalar(select(Workshop).where(Workshop.workspace_id == ws.id))
    assert workshop.status is WorkshopStatus.ENDED and not workshop.is_live()
    assert workshop.unit_id is not None and workshop.facilitator_id is not None
    assert [s.position for s in workshop.steps] == [0, 1, 2]
    guests = session.scalars(select(Guest).where(Guest.workshop_id == workshop.id)).all()
    assert len(guests) == 8 and sum(g.contributed for g in guests) == 7
    per_activity = dict(
        session.execute(
            select(GuestResponse.activity_id, func.count())
            .join(Guest, Guest.id == GuestResponse.guest_id)
            .where(Guest.workshop_id == workshop.id)
            .group_by(GuestResponse.activity_id)
        ).all()
    )
    a1, a2 = ws.themes[0].activities[:2]
    assert per_activity == {a1.id: 7, a2.id: 6}


def test_statistics_count_the_guests_answers_as_the_results_do(session):
    ws = import_workspace(document())
    stats = workspace_statistics(ws)
    shown = {row.title["fi"]: row.answers for row in stats.activities}
    assert shown == {"Tärkein?": 9, "Anonyymisti?": 7, "Keskustelu": 0, "Seinä": 0}
    for activity in ws.themes[0].activities[:2]:
        stored = session.scalar(
            select(func.count()).select_from(Answer).where(Answer.activity_id == activity.id)
        )
        assert shown[activity.title["fi"]] == stored
    days = {day.day.isoformat(): day.answers for day in stats.daily if day.answers}
    assert days == {"2022-09-19": 3, "2022-09-20": 13}


def test_a_backup_round_trips_the_sessions_exactly(session):
    first = export_workspace(import_workspace(document()), backup=True)
    assert first["workspace"]["sessions"] == [
        {
            "theme": "T1",
            "unit": UNIT,
            "facilitator": "esihenkilo1@example.fi",
            "language": "fi",
            "created_at": "2022-09-20T11:00:00+00:00",
            "expires_at": "2022-09-20T15:00:00+00:00",
            "ended_at": "2022-09-20T11:50:00+00:00",
            "steps": ["A1", "A2", "A3"],
            "guests": 8,
            "contributed": 7,
            "answered": {"A1": 7, "A2": 6},
        }
    ]
    again = copy.deepcopy(first)
    again["workspace"]["slug"] = "kopio"
    second = export_workspace(import_workspace(again), backup=True)
    second["workspace"]["slug"] = first["workspace"]["slug"]
    assert second == first
    codes = session.scalars(select(Workshop.code)).all()
    assert len(codes) == len(set(codes)) == 2  # every imported session has a code of its own


def test_the_moderators_export_leaves_out_the_facilitator_and_anonymous_counts(session):
    ws = import_workspace(document())
    sessions = export_workspace(ws)["workspace"]["sessions"]
    assert sessions[0]["facilitator"] is None
    assert sessions[0]["answered"] == {"A1": 7}  # not the anonymous A2
    assert sessions[0]["guests"] == 8 and sessions[0]["contributed"] == 7
    # Without anonymous activities the facilitator is there (as the memberships' times are).
    doc = document("nimetty")
    del doc["workspace"]["themes"][0]["activities"][1]
    doc["workspace"]["sessions"][0].update(steps=["A1", "A3"], answered={"A1": 7})
    named = export_workspace(import_workspace(doc))["workspace"]["sessions"]
    assert named[0]["facilitator"] == "esihenkilo1@example.fi"
    # A moderator's export imports again, and exports the same.
    again = export_workspace(ws)
    again["workspace"]["slug"] = "kopio"
    assert export_workspace(import_workspace(again))["workspace"]["sessions"] == sessions


def test_imported_anonymous_guest_answers_are_published_as_one_batch_with_nothing_to_link(session):
    """The anonymous poll's answers (one supervisor's and six guests') are published again as
    one batch of at least k: one day, no unit for a group below k, and the guests' rows name no
    answer; the respondent rows name only the supervisor, with no link to an answer."""
    ws = import_workspace(document())
    anonymous = ws.themes[0].activities[1]
    rows = session.execute(
        select(Answer.answered_on, Answer.unit_id).where(Answer.activity_id == anonymous.id)
    ).all()
    assert len(rows) == 7 >= ws.min_group_size
    assert len({on for on, _ in rows}) == 1 and {unit for _, unit in rows} == {None}
    assert set(GuestResponse.__table__.columns.keys()) == {"guest_id", "activity_id"}
    assert set(Guest.__table__.columns.keys()) == {"id", "workshop_id", "name", "contributed", "joined_at"}
    assert (
        session.scalar(
            select(func.count()).select_from(Respondent).where(Respondent.activity_id == anonymous.id)
        )
        == 1
    )


def _session_of(doc: dict) -> dict:
    return doc["workspace"]["sessions"][0]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s.update(theme="T9"), "workspace.sessions[0].theme: no theme has the key 'T9'"),
        (
            lambda s: s.update(steps=["A1", "B1"]),
            "sessions[0].steps[1]: activity 'B1' is not in the session's theme 'T1'",
        ),
        (lambda s: s.update(steps=["A1", "X"]), "sessions[0].steps[1]: no activity has the key 'X'"),
        (lambda s: s.update(steps=["A1", "A1"]), "sessions[0].steps[1]: activity 'A1' is a step twice"),
        (
            lambda s: s.update(steps=[], answered={}),
            "sessions[0].steps: a session runs at least one activity",
        ),
        (lambda s: s.pop("created_at"), "sessions[0].created_at: is required"),
        (
            lambda s: s.update(expires_at="2022-09-20T10:00:00+00:00"),
            "sessions[0].expires_at: must be after created_at",
        ),
        (
            lambda s: s.update(ended_at="2022-09-19T10:00:00+00:00"),
            "sessions[0].ended_at: is before created_at",
        ),
        (lambda s: s.update(guests=-1), "sessions[0].guests: must be between 0 and 10000"),
        (lambda s: s.update(contributed=9), "sessions[0].contributed: is more than the session's 8 guests"),
        (
            lambda s: s.update(answered={"A1": 8}),
            "sessions[0].answered.A1: is more than the session's 7 contributing",
        ),
        (
            lambda s: s.update(answered={"B1": 1}),
            "sessions[0].answered.B1: is not one of the session's steps",
        ),
        (lambda s: s.update(answered={"A3": 1}), "sessions[0].answered.A3: this activity takes no answers"),
        (lambda s: s.update(answered=[7]), "sessions[0].answered: must be an object"),
        (lambda s: s.update(language="de"), "sessions[0].language: must be one of fi, sv, en"),
        (lambda s: s.update(code="ABCD"), "sessions[0].code: unknown field"),
        (
            lambda s: s.update(facilitator="nobody@example.fi"),
            "sessions[0].facilitator: no person nobody@example.fi",
        ),
        (lambda s: s.update(unit="Ei ole"), "sessions[0].unit: no unit 'Ei ole'"),
    ],
)
def test_bad_sessions_are_refused_with_the_path_and_nothing_saved(session, change, message):
    doc = document()
    change(_session_of(doc))
    before = (
        session.scalar(select(func.count()).select_from(Workspace)),
        session.scalar(select(func.count()).select_from(Workshop)),
        session.scalar(select(func.count()).select_from(Guest)),
    )
    with pytest.raises(TransferError) as error:
        import_workspace(doc)
    assert message in str(error.value), str(error.value)
    after = (
        session.scalar(select(func.count()).select_from(Workspace)),
        session.scalar(select(func.count()).select_from(Workshop)),
        session.scalar(select(func.count()).select_from(Guest)),
    )
    assert after == before
