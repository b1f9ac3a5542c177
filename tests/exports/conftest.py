"""A programme dict that follows the data contract (a Kokkola example), and the demo workspace."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from sqlalchemy import select

FIXTURE = Path(__file__).with_name("kokkola_programme_fi.json")
DEMO_SLUG = "henkilostoohjelma-2023-2025"
SEED_VOTES = [3, 12, 2, 8, 10]
SEED_PERCENTS = ["8.57", "34.29", "5.71", "22.86", "28.57"]
FI_PERCENTS = ["8,57\u00a0%", "34,29\u00a0%", "5,71\u00a0%", "22,86\u00a0%", "28,57\u00a0%"]


@pytest.fixture
def programme_fi(session) -> dict:
    """The Finnish programme dict (inside the app context that the translated labels need)."""
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


@pytest.fixture
def programme_in():
    """The same programme, marked as another language (the texts stay Finnish)."""

    def _in(language: str) -> dict:
        doc = copy.deepcopy(json.loads(FIXTURE.read_text(encoding="utf-8")))
        doc["language"] = language
        return doc

    return _in


@pytest.fixture
def demo(session):
    from ideaspace.demo.loader import load_demo
    from ideaspace.models import Workspace

    load_demo()
    session.commit()
    return session.scalar(select(Workspace).where(Workspace.slug == DEMO_SLUG))
