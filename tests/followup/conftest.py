"""A workspace whose programme has indicators with and without readings."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest

from ideaspace.models import Comparator, IndicatorReading, MeasureStatus, MemberRole, Role


@pytest.fixture
def fu(make, session):
    ws = make.workspace(slug="seuranta")
    theme = make.theme(ws, position=0, title={"fi": "Osaava henkilöstö"})
    measure = make.measure(theme, text={"fi": "Anonyymi rekrytointi"})
    recruit = make.indicator(measure, unit_of_measure={"fi": "kpl"}, baseline_value=11, target_value=20)
    session.add(
        IndicatorReading(indicator_id=recruit.id, year=2023, value=Decimal(15), note={"fi": "Kasvua"})
    )
    qualitative = make.indicator(
        measure,
        description={"fi": "Perehdytysalusta"},
        comparator=Comparator.QUALITATIVE,
        baseline_value=None,
        baseline_year=None,
        target_value=None,
        target_text={"fi": "Uudistettu"},
        position=1,
    )
    proposed = make.measure(theme, text={"fi": "Ehdotus"}, status=MeasureStatus.PROPOSED)
    hidden = make.indicator(proposed, description={"fi": "Ei ohjelmassa"})
    moderator = make.user(role=Role.MODERATOR)
    make.member(ws, moderator, MemberRole.MODERATOR)
    member = make.user()
    make.member(ws, member)
    other_ws = make.workspace(slug="muu")
    other_theme = make.theme(other_ws)
    other_indicator = make.indicator(make.measure(other_theme))
    other_reading = IndicatorReading(indicator_id=other_indicator.id, year=2023, value=Decimal(1))
    session.add(other_reading)
    session.commit()
    session.expire_all()
    return SimpleNamespace(
        workspace=ws,
        theme=theme,
        measure=measure,
        recruit=recruit,
        qualitative=qualitative,
        hidden=hidden,
        moderator=moderator,
        member=member,
        other_indicator=other_indicator,
        other_reading=other_reading,
    )
