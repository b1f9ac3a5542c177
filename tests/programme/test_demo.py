"""The Kokkola demo's programme: the measures poll with the seed's percentages."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ideaspace.demo.loader import load_demo
from ideaspace.models import Role, User, Workspace
from ideaspace.programme.service import build_programme

SLUG = "henkilostoohjelma-2023-2025"
SEED = ["8.57", "34.29", "5.71", "22.86", "28.57"]


@pytest.fixture
def demo(session):
    load_demo()
    session.commit()
    return session.scalar(select(Workspace).where(Workspace.slug == SLUG))


def _measures_poll(doc: dict) -> dict:
    (result,) = [
        r for t in doc["themes"] for r in t["results"] if [o["percent"] for o in r["options"]] == SEED
    ]
    return result


def test_the_measures_poll_is_in_the_programme_with_the_seed_percentages(demo):
    doc = build_programme(demo, "fi")
    result = _measures_poll(doc)
    assert result["title"] == "Mitkä toimenpiteet ovat mielestäsi tärkeitä?"
    assert [o["votes"] for o in result["options"]] == [3, 12, 2, 8, 10]
    assert result["answers"] == 35 and result["basis"] == "answers"
    assert all(o["measure_id"] for o in result["options"])
    assert doc["participation"]["invited"] == 163
    assert doc["participation"]["visited"] == 84 and doc["participation"]["contributed"] == 20
    assert doc["participation"]["visited_rate"] == "51.5"


def test_the_finnish_preview_shows_34_29_percent(client, login, demo, session):
    admin = session.scalar(select(User).where(User.role == Role.ADMIN))
    login(admin)
    html = client.get(f"/w/{SLUG}/programme/preview?lang=fi").get_data(as_text=True)
    for share in ("8,57", "34,29", "5,71", "22,86", "28,57"):
        assert f"{share}\u00a0%" in html
    assert "<blockquote" in html and "<footer" in html
    sv = client.get(f"/w/{SLUG}/programme/preview?lang=sv").get_data(as_text=True)
    assert "34,29\u00a0%" in sv and 'lang="sv"' in sv
    en = client.get(f"/w/{SLUG}/programme/preview?lang=en").get_data(as_text=True)
    assert "34.29%" in en
