"""The mark for tests that need Voikko: they run in CI (which installs it) and skip only locally."""

import os

import pytest

from ideaspace.text import analysers

needs_voikko = pytest.mark.skipif(
    not analysers.voikko_available() and not os.environ.get("CI"),
    reason="Voikko is not installed here: `make voikko` as root (apt-get install libvoikko1 voikko-fi), "
    "then `pip install libvoikko`; CI installs it and runs these tests",
)
