from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def english(client):
    """Pages in English (the browser's language) unless a test asks for another: assertions read English."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
