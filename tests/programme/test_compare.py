"""compare(old, new): a pure function on two programme dicts."""

from __future__ import annotations

import copy

from ideaspace.programme.compare import compare


def doc() -> dict:
    return {
        "participation": {
            "invited": 163,
            "visited": 84,
            "contributed": 20,
            "visited_rate": "51.5",
            "contributed_rate": "12.3",
            "opens_on": "2022-09-01",
            "closes_on": "2022-10-31",
        },
        "themes": [
            {
                "id": 1,
                "position": 0,
                "title": "Osaava henkilöstö",
                "introduction_html": "<p>A</p>",
                "measures": [
                    {
                        "id": 10,
                        "goal": "G",
                        "text": "Anonyymi rekrytointi",
                        "schedule": "2023",
                        "responsible": "HR",
                        "status": "in_programme",
                        "origin_idea_id": None,
                        "indicators": [
                            {
                                "id": 100,
                                "description": "Rekrytoinnit",
                                "unit_of_measure": "kpl",
                                "baseline_year": 2022,
                                "baseline_value": "11.00",
                                "baseline_source": "",
                                "comparator": ">",
                                "target_value": "20.00",
                                "target_text": "",
                                "readings": [],
                                "follow_up": "no_data",
                            }
                        ],
                    },
                    {
                        "id": 11,
                        "goal": "G",
                        "text": "Perehdytys",
                        "schedule": "2023",
                        "responsible": "HR",
                        "status": "in_programme",
                        "origin_idea_id": None,
                        "indicators": [],
                    },
                ],
                "results": [
                    {
                        "activity_id": 5,
                        "title": "Kysely",
                        "question": "Q",
                        "kind": "single_choice",
                        "anonymous": False,
                        "basis": "answers",
                        "answers": 35,
                        "respondents": 35,
                        "options": [
                            {"label": "A", "votes": 3, "percent": "8.57", "measure_id": None},
                            {"label": "B", "votes": 32, "percent": "91.43", "measure_id": None},
                        ],
                        "enps": None,
                        "distribution": [],
                    },
                ],
                "quotes": [{"id": 7, "text": "Lainaus", "attribution": "Esihenkilö"}],
            },
            {
                "id": 2,
                "position": 1,
                "title": "Hyvinvointi",
                "introduction_html": "",
                "measures": [],
                "results": [],
                "quotes": [],
            },
        ],
    }


def test_identical_documents_have_no_changes():
    diff = compare(doc(), doc())
    assert not diff.changed
    assert all(t.status == "same" for t in diff.themes)


def test_measures_added_removed_and_changed_field_by_field():
    old, new = doc(), doc()
    theme = new["themes"][0]
    theme["measures"][0]["text"] = "Anonyymi rekrytointi laajenee"
    theme["measures"][0]["indicators"][0]["target_value"] = "25.00"
    theme["measures"][0]["indicators"][0]["readings"] = [{"year": 2023, "value": "15.00", "note": ""}]
    del theme["measures"][1]
    theme["measures"].append(
        {
            "id": 12,
            "goal": "",
            "text": "Uusi",
            "schedule": "",
            "responsible": "",
            "status": "in_programme",
            "origin_idea_id": 4,
            "indicators": [],
        }
    )
    diff = compare(old, new)
    t = diff.themes[0]
    assert t.status == "changed" and diff.themes[1].status == "same"
    assert [m["text"] for m in t.measures.added] == ["Uusi"]
    assert [m["text"] for m in t.measures.removed] == ["Perehdytys"]
    (changed,) = t.measures.changed
    assert [(c.field, c.old, c.new) for c in changed.fields] == [
        ("text", "Anonyymi rekrytointi", "Anonyymi rekrytointi laajenee")
    ]
    (indicator,) = changed.indicators.changed
    assert [(c.field, c.old, c.new) for c in indicator.fields] == [
        ("target_value", "20.00", "25.00"),
        ("readings", "", "2023: 15.00"),
    ]


def test_an_indicator_change_alone_marks_the_measure_changed():
    old, new = doc(), doc()
    new["themes"][0]["measures"][0]["indicators"] = []
    t = compare(old, new).themes[0]
    (changed,) = t.measures.changed
    assert changed.fields == [] and [i["id"] for i in changed.indicators.removed] == [100]


def test_results_and_quotes():
    old, new = doc(), doc()
    result = new["themes"][0]["results"][0]
    result["answers"] = result["respondents"] = 36
    result["options"][1] = {"label": "B", "votes": 33, "percent": "91.67", "measure_id": None}
    result["options"][0]["percent"] = "8.33"
    new["themes"][0]["quotes"] = [{"id": 8, "text": "Toinen", "attribution": "Esihenkilö, HR"}]
    t = compare(old, new).themes[0]
    (changed,) = t.results.changed
    assert [(c.field, c.old, c.new) for c in changed.fields] == [("answers", 35, 36), ("respondents", 35, 36)]
    assert [(o.field, o.old, o.new) for o in changed.options] == [
        ("A", (3, "8.57"), (3, "8.33")),
        ("B", (32, "91.43"), (33, "91.67")),
    ]
    assert [q["id"] for q in t.quotes.added] == [8] and [q["id"] for q in t.quotes.removed] == [7]


def test_results_added_and_removed():
    old, new = doc(), doc()
    moved = new["themes"][0]["results"].pop()
    new["themes"][1]["results"].append(moved)
    diff = compare(old, new)
    assert [r["activity_id"] for r in diff.themes[0].results.removed] == [5]
    assert [r["activity_id"] for r in diff.themes[1].results.added] == [5]


def test_themes_added_removed_and_participation():
    old, new = doc(), doc()
    removed = new["themes"].pop()
    new["themes"].append({**copy.deepcopy(removed), "id": 3, "title": "Uusi teema"})
    new["participation"]["contributed"] = 21
    diff = compare(old, new)
    assert [(t.status, t.title) for t in diff.themes] == [
        ("same", "Osaava henkilöstö"),
        ("added", "Uusi teema"),
        ("removed", "Hyvinvointi"),
    ]
    assert [(c.field, c.old, c.new) for c in diff.participation] == [("contributed", 20, 21)]
    assert diff.changed


def test_quote_text_or_attribution_change():
    old, new = doc(), doc()
    new["themes"][0]["quotes"][0]["attribution"] = "Maija Meikäläinen"
    (changed,) = compare(old, new).themes[0].quotes.changed
    assert [(c.field, c.new) for c in changed.fields] == [("attribution", "Maija Meikäläinen")]
