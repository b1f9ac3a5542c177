"""The days a workspace is open, as the home page and the statistics say them: from the days there
are, never a dangling dash, and "Open" said once (by the status badge). Tests read the English source."""

from __future__ import annotations

import re
from datetime import date

import pytest

from ideaspace.models import MemberRole, Role

CASES = [
    (date(2022, 9, 1), date(2022, 12, 31), "1.9.2022 – 31.12.2022"),
    (date(2022, 9, 1), None, "from 1.9.2022"),
    (None, date(2022, 12, 31), "until 31.12.2022"),
    (None, None, None),
]


@pytest.mark.parametrize(("opens_on", "closes_on", "expected"), CASES)
def test_the_home_page_and_statistics_say_the_period_once(client, make, login, opens_on, closes_on, expected):
    ws = make.workspace(opens_on=opens_on, closes_on=closes_on)
    moderator = make.user(Role.MODERATOR)
    make.member(ws, moderator, MemberRole.MODERATOR)
    login(moderator)
    for url in ("/", f"/w/{ws.slug}/statistics"):
        html = client.get(url, headers={"Accept-Language": "fi"}).text
        periods = re.findall(r'<span class="period">([^<]*)</span>', html)
        assert periods == ([expected] if expected else []), url
        assert "– –" not in html and "Open 1.9" not in html
