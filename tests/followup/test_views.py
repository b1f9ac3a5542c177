"""The follow-up page and its forms for every role, bad input, other workspaces' ids."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from ideaspace.models import IndicatorReading, Role, WorkspaceStatus

PAGE = "/w/seuranta/follow-up"


def record_url(indicator_id: int) -> str:
    return f"/w/seuranta/follow-up/indicators/{indicator_id}/readings"


def delete_url(reading_id: int) -> str:
    return f"/w/seuranta/follow-up/readings/{reading_id}/delete"


def readings(session, indicator_id):
    session.expire_all()
    return list(
        session.execute(
            select(IndicatorReading.year, IndicatorReading.value).where(
                IndicatorReading.indicator_id == indicator_id
            )
        )
    )


def form(fu, year="2024", value="22", note="", indicator=None):
    prefix = f"i{(indicator or fu.recruit).id}"
    return {f"{prefix}-year": year, f"{prefix}-value": value, f"{prefix}-note": note}


def test_anonymous_visitors_are_sent_to_sign_in(client, fu):
    for response in (client.get(PAGE), client.post(record_url(fu.recruit.id), data=form(fu))):
        assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    ("role", "view", "write"),
    [
        ("participant", 403, 403),
        ("outsider", 403, 403),
        ("observer", 200, 403),
        ("other_moderator", 403, 403),
        ("moderator", 200, 302),
        ("admin", 200, 302),
    ],
)
def test_roles(client, login, make, fu, session, role, view, write):
    login(make.person_in_role(role, member=fu.member, moderator=fu.moderator))
    page = client.get(PAGE)
    assert page.status_code == view
    if view == 200:
        html = page.get_data(as_text=True)
        assert "Anonyymi rekrytointi" in html and "Perehdytysalusta" in html and "Ei ohjelmassa" not in html
        assert ("followup-form" in html) is (write == 302)
    response = client.post(record_url(fu.recruit.id), data=form(fu))
    assert response.status_code == write
    assert ((2024, Decimal("22.00")) in readings(session, fu.recruit.id)) is (write == 302)


def test_observers_see_nothing_of_a_draft_workspace(client, login, make, fu, session):
    fu.workspace.status = WorkspaceStatus.DRAFT
    session.commit()
    login(make.user(role=Role.OBSERVER))
    assert client.get(PAGE).status_code == 403


def test_the_page_shows_baseline_readings_target_status_and_a_chart(client, login, fu):
    login(fu.moderator)
    html = client.get(PAGE).get_data(as_text=True)
    card = html[html.index(f'id="indicator-{fu.recruit.id}"') :]
    card = card[: card.index("</article>")]
    assert "11 kpl (2022)" in card and "2023" in card and "15 kpl" in card and "Kasvua" in card
    assert "follow-up--on_track" in card
    assert "<svg" in card and "<title" in card and "<desc" in card
    assert 'points="40.0,' in card  # the line from the baseline (2022) to the 2023 reading
    assert "style=" not in html and "<script>" not in html
    assert re.search(r'<circle class="followup-chart__point followup-chart__point--baseline"', card)


def test_saving_the_same_year_replaces_the_value(client, login, fu, session):
    login(fu.moderator)
    response = client.post(
        record_url(fu.recruit.id), data=form(fu, year="2023", value="16,5", note="Korjaus")
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"#indicator-{fu.recruit.id}"
    )
    assert readings(session, fu.recruit.id) == [(2023, Decimal("16.50"))]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"year": "1999"}, "between 2000 and 2100"),
        ({"year": "2101"}, "between 2000 and 2100"),
        ({"year": ""}, "Give the year"),
        ({"year": "vuosi"}, "integer"),
        ({"value": "12x"}, "as a number"),
        ({"value": "1e20"}, "as a number"),
        ({"note": "x" * 501}, "500"),
    ],
)
def test_bad_input_is_refused_with_422_and_nothing_saved(client, login, fu, session, data, message):
    fu.moderator.locale = "en"
    session.commit()
    login(fu.moderator)
    sent = form(fu)
    for key, value in data.items():
        sent[f"i{fu.recruit.id}-{key}"] = value
    response = client.post(record_url(fu.recruit.id), data=sent)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and "error-summary" in html
    assert readings(session, fu.recruit.id) == [(2023, Decimal("15.00"))]


def test_a_request_without_csrf_token_saves_nothing(client, login, fu, session):
    login(fu.moderator)
    client.csrf = False
    assert client.post(record_url(fu.recruit.id), data=form(fu)).status_code in (400, 422)
    assert readings(session, fu.recruit.id) == [(2023, Decimal("15.00"))]


def test_ids_of_another_workspace_give_404(client, login, fu, session):
    login(fu.moderator)
    assert (
        client.post(
            record_url(fu.other_indicator.id), data=form(fu, indicator=fu.other_indicator)
        ).status_code
        == 404
    )
    assert client.post(delete_url(fu.other_reading.id)).status_code == 404
    assert client.post(record_url(999999), data=form(fu)).status_code == 404
    assert readings(session, fu.other_indicator.id) == [(2023, Decimal("1.00"))]


def test_delete_a_reading(client, login, fu, session):
    login(fu.moderator)
    reading_id = session.scalar(
        select(IndicatorReading.id).where(IndicatorReading.indicator_id == fu.recruit.id)
    )
    response = client.post(delete_url(reading_id))
    assert response.status_code == 302
    assert readings(session, fu.recruit.id) == []


def test_observers_cannot_delete(client, login, make, fu, session):
    login(make.user(role=Role.OBSERVER))
    reading_id = session.scalar(
        select(IndicatorReading.id).where(IndicatorReading.indicator_id == fu.recruit.id)
    )
    assert client.post(delete_url(reading_id)).status_code == 403
    assert len(readings(session, fu.recruit.id)) == 1


def test_recorded_readings_reach_the_exports(client, login, fu):
    login(fu.moderator)
    client.post(record_url(fu.recruit.id), data=form(fu, year="2024", value="21"))
    import io

    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(client.get("/w/seuranta/export.xlsx?lang=en").data))
    rows = list(wb["Indicators"].iter_rows(values_only=True))
    assert rows[0][9:11] == ("2023", "2024")
    recruit = next(r for r in rows if r[2] == "Anonyymit rekrytoinnit")
    assert recruit[9:11] == (15, 21) and recruit[-1] == "Target met"
