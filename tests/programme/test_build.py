"""build_programme: the contract's dict, from a constructed workspace."""

from __future__ import annotations

import json

from ideaspace.models import Attribution, Quote
from ideaspace.programme.service import build_programme, decimal_text


def test_the_dict_follows_the_contract(programme, session):
    p = programme
    doc = build_programme(p.workspace, "fi")
    json.dumps(doc)  # serialisable as it is
    assert doc["format"] == "ideaspace.programme" and doc["version"] == 1 and doc["language"] == "fi"
    assert doc["edition"] == {"number": None, "published_at": None, "note": None}
    assert doc["workspace"]["slug"] == p.workspace.slug
    assert doc["workspace"]["strategy"] == "Kaupunkistrategia"
    assert doc["workspace"]["opens_on"] == "2022-09-01" and doc["workspace"]["closes_on"] == "2022-10-31"
    assert "<script" not in doc["workspace"]["introduction_html"]
    assert doc["participation"] == {
        "invited": 2,
        "visited": 1,
        "contributed": 1,
        "visited_rate": "50.0",
        "contributed_rate": "50.0",
        "opens_on": "2022-09-01",
        "closes_on": "2022-10-31",
    }
    assert [t["id"] for t in doc["themes"]] == [p.theme.id, p.other_theme.id]
    theme = doc["themes"][0]
    assert "<script" not in theme["introduction_html"]


def test_only_measures_in_the_programme_with_indicators_and_follow_up(programme):
    doc = build_programme(programme.workspace, "fi")
    measures = doc["themes"][0]["measures"]
    assert [m["text"] for m in measures] == ["Anonyymi rekrytointi"]
    measure = measures[0]
    assert measure["goal"] == "Osaava henkilöstö" and measure["status"] == "in_programme"
    assert measure["schedule"] == "2023–2025" and measure["responsible"] == "Henkilöstöpalvelut"
    (indicator,) = measure["indicators"]
    assert indicator == {
        "id": programme.indicator.id,
        "description": "Anonyymit rekrytoinnit",
        "unit_of_measure": "kpl",
        "baseline_year": 2022,
        "baseline_value": "11.00",
        "baseline_source": "",
        "comparator": ">",
        "target_value": "20.00",
        "target_text": "",
        "readings": [{"year": 2023, "value": "15.00", "note": ""}],
        "follow_up": "on_track",
    }


def test_texts_in_the_language_with_fallback(programme):
    sv = build_programme(programme.workspace, "sv")
    assert sv["themes"][0]["measures"][0]["text"] == "Anonym rekrytering"
    assert sv["themes"][0]["measures"][0]["goal"] == "Osaava henkilöstö"  # falls back to Finnish


def test_chosen_results_in_their_order_with_counts_and_percentages(programme):
    p = programme
    results = build_programme(p.workspace, "fi")["themes"][0]["results"]
    assert [r["activity_id"] for r in results] == [p.scale.id, p.poll.id]  # programme_position order
    scale, poll = results
    assert poll["kind"] == "single_choice" and poll["basis"] == "answers"
    assert poll["question"] == "Mitkä toimenpiteet ovat tärkeitä?"
    assert poll["answers"] == poll["respondents"] == 35
    assert [o["votes"] for o in poll["options"]] == [3, 12, 2, 8, 10]
    assert [o["percent"] for o in poll["options"]] == ["8.57", "34.29", "5.71", "22.86", "28.57"]
    assert poll["options"][1]["measure_id"] == p.measure.id
    assert poll["enps"] is None and poll["distribution"] == []
    assert scale["kind"] == "scale" and scale["options"] == []
    assert scale["answers"] == 10
    assert scale["distribution"][0] == {"value": 0, "count": 1} and len(scale["distribution"]) == 11
    assert scale["enps"] == 60  # 7 promoters, 1 detractor of 10


def test_quotes_in_order_with_their_attribution(programme, make, session):
    p = programme
    for position, (attribution, unit) in enumerate(
        [(Attribution.ROLE_AND_UNIT, "Varhaiskasvatus"), (Attribution.ROLE, None)]
    ):
        session.add(
            Quote(
                workspace_id=p.workspace.id,
                theme_id=p.other_theme.id,
                position=1 - position,
                excerpt=f"Lainaus {position}",
                attribution=attribution,
                attributed_unit=unit,
            )
        )
    session.flush()
    quotes = build_programme(p.workspace, "en")["themes"][1]["quotes"]
    assert [(q["text"], q["attribution"]) for q in quotes] == [
        ("Lainaus 1", "A supervisor"),
        ("Lainaus 0", "A supervisor, Varhaiskasvatus"),
    ]


def test_decimal_text():
    assert decimal_text(None) is None
    assert decimal_text(11) == "11.00"
    assert decimal_text("34.285") == "34.29"
    assert decimal_text("8.571428") == "8.57"


def test_the_number_of_queries_does_not_grow(programme, make, session, count_queries):
    def queries() -> int:
        session.expire_all()
        with count_queries() as statements:
            build_programme(programme.workspace, "fi")
        return len(statements)

    before = queries()
    for _ in range(18):
        measure = make.measure(programme.theme)
        make.indicator(measure)
        make.activity(programme.other_theme, options=3, in_programme=True)
        session.add(Quote(workspace_id=programme.workspace.id, theme_id=programme.theme.id, excerpt="x"))
    session.flush()
    assert queries() == before
