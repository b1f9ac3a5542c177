import csv
import io
import re
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from ideaspace.demo.loader import load_demo
from ideaspace.models import ActivityKind, MemberRole, Role, WorkspaceStatus

from .conftest import at

ROUTES = ("/w/{slug}/statistics", "/w/{slug}/statistics.csv", "/w/{slug}/statistics.xlsx")


@pytest.fixture
def seeded(make, rows):
    """The seed's process: 163 supervisors invited, 84 visited, 20 contributed."""
    start = date(2022, 9, 1)
    ws = make.workspace(status=WorkspaceStatus.CLOSED, opens_on=start, closes_on=start + timedelta(days=60))
    unit = make.unit("Varhaiskasvatus")
    when = at(start + timedelta(days=2))
    members = rows.members(ws, 150, unit=unit, visited=80, contributed=19, when=when)
    members += rows.members(ws, 13, unit=make.unit("Pieni yksikkö"), visited=4, contributed=1, when=when)
    theme = make.theme(ws, title={"fi": "Työhyvinvointi"})
    poll = make.activity(
        theme,
        ActivityKind.SINGLE_CHOICE,
        options=5,
        is_anonymous=True,
        title={"fi": "Mitkä toimenpiteet ovat tärkeitä?"},
    )
    for member in members[:3]:
        rows.visit(member, start + timedelta(days=3))
    rows.comment(ws, theme=theme, created_at=at(start + timedelta(days=3)))
    rows.answer(poll, make.user(), day=start + timedelta(days=4))
    return ws


ROLES = {
    # role: expected status
    "participant member": 403,
    "participant non-member": 403,
    "observer": 200,
    "moderator of this workspace": 200,
    "moderator of another workspace": 403,
    "admin": 200,
}


def _user(make, ws, role: str):
    if role == "participant member":
        user = make.user(Role.PARTICIPANT)
        make.member(ws, user)
    elif role == "participant non-member":
        user = make.user(Role.PARTICIPANT)
    elif role == "observer":
        user = make.user(Role.OBSERVER)
    elif role == "moderator of this workspace":
        user = make.user(Role.MODERATOR)
        make.member(ws, user, MemberRole.MODERATOR)
    elif role == "moderator of another workspace":
        user = make.user(Role.MODERATOR)
        make.member(make.workspace(), user, MemberRole.MODERATOR)
    else:
        user = make.user(Role.ADMIN)
    return user


# One request per test: the test's app context (and so flask.g, where Flask-Login keeps the
# signed-in user) lasts across requests.
@pytest.mark.parametrize("route", ROUTES)
def test_anonymous_is_sent_to_sign_in(client, make, route):
    ws = make.workspace()
    response = client.get(route.format(slug=ws.slug))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("role", ROLES)
def test_every_route_for_every_role(client, make, login, route, role):
    ws = make.workspace()
    login(_user(make, ws, role))
    assert client.get(route.format(slug=ws.slug)).status_code == ROLES[role]


@pytest.mark.parametrize("route", ROUTES)
def test_unknown_workspace_is_not_found(client, make, login, route):
    login(make.user(Role.ADMIN))
    assert client.get(route.format(slug="no-such-workspace")).status_code == 404


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("role, expected", [("observer", 403), ("admin", 200)])
def test_observers_do_not_see_statistics_of_a_draft(client, make, login, route, role, expected):
    ws = make.workspace(status=WorkspaceStatus.DRAFT)
    login(_user(make, ws, role))
    assert client.get(route.format(slug=ws.slug)).status_code == expected


def test_page_shows_the_funnel_in_finnish(client, make, login, seeded):
    login(make.user(Role.OBSERVER, locale="fi"))
    html = client.get(f"/w/{seeded.slug}/statistics").text

    assert "51,5\u00a0%" in html and "12,3\u00a0%" in html
    funnel = html[html.index('id="funnel-caption"') :]
    funnel = funnel[: funnel.index("</table>")]
    cells = re.findall(r'<td class="number">([^<]*)</td>', funnel)
    assert cells == ["163", "100,0\u00a0%", "84", "51,5\u00a0%", "20", "12,3\u00a0%"]
    # The chart says the same in text.
    assert re.search(r"<text[^>]*>84 \(51,5\u00a0%\)</text>", html)


def test_page_shows_the_funnel_in_english(client, make, login, seeded):
    login(make.user(Role.OBSERVER, locale="en"))
    html = client.get(f"/w/{seeded.slug}/statistics").text
    assert "51.5%" in html and "12.3%" in html


def test_page_has_a_table_beside_every_chart_and_no_inline_styles(client, make, login, seeded):
    login(make.user(Role.ADMIN))
    html = client.get(f"/w/{seeded.slug}/statistics").text

    assert html.count("<svg") == 2
    for caption in ("funnel", "themes", "activities", "units", "daily"):
        assert f'id="{caption}-caption"' in html
    assert 'scope="col"' in html and 'scope="row"' in html
    assert " style=" not in html and "<style" not in html and " onclick" not in html
    # Each daily bar carries its number as a title.
    assert re.search(r"<rect[^>]*><title>[^<]+: 3 visits</title></rect>", html)
    assert "<summary>Show as table</summary>" in html
    assert "Työhyvinvointi" in html and "Mitkä toimenpiteet ovat tärkeitä?" in html
    # 13 people in a unit is enough to be shown; the download links are there.
    assert "Pieni yksikkö" in html
    assert f"/w/{seeded.slug}/statistics.xlsx" in html and f"/w/{seeded.slug}/statistics.csv" in html


def test_page_hides_units_below_the_minimum_group_size(client, make, login, rows):
    ws = make.workspace()
    rows.members(ws, 6, unit=make.unit("Iso yksikkö"), visited=3)
    rows.members(ws, 2, unit=make.unit("Kahden hengen yksikkö"), visited=1)
    rows.members(ws, 3, unit=make.unit("Kolmen hengen yksikkö"), visited=1)
    login(make.user(Role.ADMIN, locale="en"))

    html = client.get(f"/w/{ws.slug}/statistics").text

    assert "Iso yksikkö" in html
    assert "Kahden hengen yksikkö" not in html and "Kolmen hengen yksikkö" not in html
    assert "Other units (fewer than 5 people each)" in html


def test_page_of_an_empty_workspace(client, make, login):
    ws = make.workspace(opens_on=None, closes_on=None)
    login(make.user(Role.ADMIN, locale="en"))
    response = client.get(f"/w/{ws.slug}/statistics")
    assert response.status_code == 200
    assert "Nobody has been invited yet." in response.text
    assert "<svg" in response.text  # the funnel, all zeros
    assert "–" in response.text  # no rate without invitations


def test_csv_download(client, make, login, seeded):
    login(make.user(Role.OBSERVER))
    response = client.get(f"/w/{seeded.slug}/statistics.csv")

    assert response.status_code == 200
    assert response.mimetype == "text/csv" and response.mimetype_params["charset"] == "utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert table[0] == ["section", "id", "name", "group", "measure", "value"]
    funnel = {row[4]: row[5] for row in table if row[0] == "funnel"}
    assert funnel["invited"] == "163" and funnel["visited"] == "84" and funnel["contributed"] == "20"
    assert funnel["visited_rate"] == "51.5" and funnel["contributed_rate"] == "12.3"
    themes = {(row[2], row[4]): row[5] for row in table if row[0] == "theme"}
    assert themes[("Työhyvinvointi", "comments")] == "1" and themes[("Työhyvinvointi", "answers")] == "1"
    daily = {(row[1], row[4]): row[5] for row in table if row[0] == "daily"}
    assert daily[("2022-09-04", "visits")] == "3" and daily[("2022-09-05", "answers")] == "1"


def test_xlsx_download(client, make, login, seeded):
    moderator = make.user(Role.MODERATOR, locale="en")
    make.member(seeded, moderator, MemberRole.MODERATOR)
    login(moderator)
    response = client.get(f"/w/{seeded.slug}/statistics.xlsx")

    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Funnel", "Themes", "Activities", "Units", "Daily"]
    funnel = [list(row) for row in book["Funnel"].iter_rows(values_only=True)]
    assert funnel[1][:2] == ["Invited", 163]
    assert funnel[2] == ["Visited", 84, 51.5] and funnel[3] == ["Contributed", 20, 12.3]
    themes = list(book["Themes"].iter_rows(values_only=True))
    assert themes[1] == ("Työhyvinvointi", 1, 1, 0, 0, 0, 2)
    activities = list(book["Activities"].iter_rows(values_only=True))
    assert activities[1][1] == "Mitkä toimenpiteet ovat tärkeitä?" and activities[1][5] == 1
    units = {row[0]: row for row in book["Units"].iter_rows(min_row=2, values_only=True)}
    assert units["Varhaiskasvatus"][1:] == (150, 80, 53.3, 19, 12.7)
    daily = list(book["Daily"].iter_rows(min_row=2, values_only=True))
    assert len(daily) == 61
    assert daily[3][0].date() == date(2022, 9, 4) and daily[3][1] == 3


def test_page_takes_the_same_queries_for_5_and_100(client, make, login, rows, session, count_queries):
    admin = make.user(Role.ADMIN)
    login(admin)
    counts = []
    for n in (5, 100):
        ws = make.workspace()
        theme = make.theme(ws)
        wall = make.activity(theme, ActivityKind.NOTES)
        members = rows.members(ws, n, unit=make.unit(), visited=n, contributed=n // 2)
        for i, member in enumerate(members):
            rows.visit(member, date.today() - timedelta(days=i % 5))
            rows.note(ws, wall)
            rows.comment(ws, activity=wall)
        client.get(f"/w/{ws.slug}/statistics")  # the same caches (signed-in user) for both counts
        session.expire_all()
        with count_queries() as statements:
            assert client.get(f"/w/{ws.slug}/statistics").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]


@pytest.mark.parametrize(
    "role, shown", [("observer", True), ("moderator of this workspace", True), ("participant member", False)]
)
def test_workspace_page_links_to_statistics_for_those_who_may_see_them(client, make, login, role, shown):
    ws = make.workspace()
    login(_user(make, ws, role))
    html = client.get(f"/w/{ws.slug}/").text
    assert (f'href="/w/{ws.slug}/statistics"' in html) is shown


def test_demo_reproduces_the_seed_process(client, make, login, session):
    load_demo()
    login(make.user(Role.OBSERVER, locale="fi"))

    html = client.get("/w/henkilostoohjelma-2023-2025/statistics").text

    funnel = html[html.index('id="funnel-caption"') :]
    funnel = funnel[: funnel.index("</table>")]
    cells = re.findall(r'<td class="number">([^<]*)</td>', funnel)
    assert cells == ["163", "100,0\u00a0%", "84", "51,5\u00a0%", "20", "12,3\u00a0%"]

    # Each poll's answers are its result's total: the supervisors' own and their work communities'
    # in live sessions (issue 17), e.g. the measures poll's 35 votes.
    table = html[html.index('id="activities-caption"') :]
    table = table[: table.index("</table>")]
    answers = {}
    for title, cells in re.findall(
        r'<th scope="row"[^>]*>(.*?)</th>((?:\s*<td[^>]*>[^<]*</td>)+)', table, re.S
    ):
        answers[re.sub(r"<[^>]+>", "", title).strip()] = re.findall(r"<td[^>]*>([^<]*)</td>", cells)
    # (kind, comments, answers, notes); the anonymous polls' rows are checked in tests/demo
    assert answers["Mitkä toimenpiteet ovat mielestäsi tärkeitä?"][2] == "35"
    assert answers["Mistä tekijöistä työntekijäkokemus koostuu?"][2] == "18"


def test_units_are_grouped_by_department_without_department_totals(client, make, login, rows):
    ws = make.workspace()
    social = make.unit("Sosiaalitoimi")
    rows.members(ws, 5, unit=social, visited=5)  # people of the department itself
    rows.members(ws, 6, unit=make.unit("Kotihoito", parent=social), visited=3)
    rows.members(ws, 7, unit=make.unit("Vammaispalvelut", parent=social), visited=1)
    rows.members(ws, 8, unit=make.unit("Kirjasto", parent=make.unit("Kulttuuri")), visited=2)
    rows.members(ws, 2, unit=make.unit("Pieni", parent=social), visited=1)
    rows.members(ws, 3, unit=make.unit("Toinen pieni"), visited=1)
    login(make.user(Role.ADMIN, locale="en"))

    html = client.get(f"/w/{ws.slug}/statistics").text
    units = html[html.index('id="units-caption"') :]
    units = units[: units.index("</table>")]
    groups = [
        (
            re.findall(r'scope="rowgroup"[^>]*>([^<]*)<', body),
            re.findall(r'<th scope="row">([^<]*)</th>((?:<td class="number">[^<]*</td>)+)', body),
        )
        for body in re.findall(r"<tbody>(.*?)</tbody>", units, re.S)
    ]
    cells = lambda text: re.findall(r">([^<]*)</td>", text)  # noqa: E731
    assert [(heads, [(name, cells(tds)) for name, tds in named]) for heads, named in groups] == [
        (["Kulttuuri"], [("Kirjasto", ["8", "2", "25.0%", "0", "0.0%"])]),
        (
            ["Sosiaalitoimi"],
            [
                ("Sosiaalitoimi", ["5", "5", "100.0%", "0", "0.0%"]),
                ("Kotihoito", ["6", "3", "50.0%", "0", "0.0%"]),
                ("Vammaispalvelut", ["7", "1", "14.3%", "0", "0.0%"]),
            ],
        ),
        ([], [("Other units (fewer than 5 people each)", ["5", "2", "40.0%", "0", "0.0%"])]),
    ]
    # No per-department sums: "Sosiaalitoimi" less its rows would single out its small unit.
    assert "20" not in re.findall(r'<td class="number">([^<]*)</td>', units)
    total = re.search(r"<tfoot>(.*?)</tfoot>", units, re.S).group(1)
    assert cells(total) == ["31", "13", "41.9%", "0", "0.0%"]


def test_activities_are_grouped_by_theme(client, make, login):
    ws = make.workspace()
    first, second = make.theme(ws, title={"fi": "Ensimmäinen"}), make.theme(ws, title={"fi": "Toinen"})
    make.activity(first, ActivityKind.DISCUSSION, title={"fi": "Keskustelu A"})
    make.activity(second, ActivityKind.SINGLE_CHOICE, options=2, title={"fi": "Kysely B"})
    login(make.user(Role.ADMIN, locale="en"))

    html = client.get(f"/w/{ws.slug}/statistics").text
    table = html[html.index('id="activities-caption"') :]
    table = table[: table.index("</table>")]
    bodies = re.findall(r"<tbody>(.*?)</tbody>", table, re.S)
    headers = [re.findall(r'<th scope="(?:rowgroup|row)"[^>]*>(.*?)</th>', body) for body in bodies]
    assert [[re.sub(r"<[^>]+>", "", cell) for cell in cells] for cells in headers] == [
        ["Theme: Ensimmäinen", "Keskustelu A"],
        ["Theme: Toinen", "Kysely B"],
    ]
