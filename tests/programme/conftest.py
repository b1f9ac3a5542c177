"""A constructed workspace with everything the programme holds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from ideaspace.models import (
    ActivityKind,
    Answer,
    AnswerChoice,
    IndicatorReading,
    MeasureStatus,
    MemberRole,
    Role,
    Theme,
    Workspace,
    utcnow,
)


def add_answers(session, activity, counts: list[int]) -> None:
    """`counts[i]` answers choosing option i (or, for a scale, giving the value i)."""
    for index, count in enumerate(counts):
        for _ in range(count):
            if activity.kind is ActivityKind.SCALE:
                session.add(Answer(activity_id=activity.id, answered_on=date(2022, 9, 15), scale_value=index))
            else:
                session.add(
                    Answer(
                        activity_id=activity.id,
                        answered_on=date(2022, 9, 15),
                        choices=[AnswerChoice(option_id=activity.options[index].id)],
                    )
                )
    session.flush()


@dataclass
class Programme:
    workspace: Workspace
    theme: Theme
    other_theme: Theme
    measure: object
    proposed: object
    indicator: object
    poll: object
    scale: object
    unchosen: object
    moderator: object
    member: object


@pytest.fixture
def programme(make, session):
    ws = make.workspace(
        strategy={"fi": "Kaupunkistrategia", "sv": "Stadsstrategi"},
        opens_on=date(2022, 9, 1),
        closes_on=date(2022, 10, 31),
    )
    theme = make.theme(ws, position=0)
    other = make.theme(ws, position=1)
    measure = make.measure(
        theme,
        goal={"fi": "Osaava henkilöstö"},
        text={"fi": "Anonyymi rekrytointi", "sv": "Anonym rekrytering"},
    )
    proposed = make.measure(theme, text={"fi": "Ehdotettu"}, status=MeasureStatus.PROPOSED)
    make.measure(theme, text={"fi": "Hylätty"}, status=MeasureStatus.DROPPED)
    indicator = make.indicator(measure, unit_of_measure={"fi": "kpl"})
    session.add(IndicatorReading(indicator_id=indicator.id, year=2023, value=Decimal(15)))
    poll = make.activity(
        theme,
        options=5,
        in_programme=True,
        programme_position=1,
        prompt={"fi": "<p>Mitkä toimenpiteet ovat <em>tärkeitä</em>?</p>"},
    )
    poll.options[1].measure_id = measure.id
    add_answers(session, poll, [3, 12, 2, 8, 10])
    scale = make.activity(theme, kind=ActivityKind.SCALE, in_programme=True, programme_position=0)
    add_answers(session, scale, [1, 0, 0, 0, 0, 0, 0, 2, 0, 3, 4])
    unchosen = make.activity(theme, kind=ActivityKind.MULTIPLE_CHOICE, options=2)
    moderator = make.user(role=Role.MODERATOR)
    make.member(ws, moderator, MemberRole.MODERATOR)
    member = make.user()
    m = make.member(ws, member)
    m.first_visit_at = m.first_contribution_at = utcnow()
    make.member(ws, make.user())
    session.commit()  # a refused request rolls back: keep these for the requests that follow
    session.expire_all()
    return Programme(ws, theme, other, measure, proposed, indicator, poll, scale, unchosen, moderator, member)


@pytest.fixture(autouse=True)
def english(client):
    """Pages in English (the browser's language) unless a test asks for another: assertions read English."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
