import io

import pytest
from flask import g
from sqlalchemy import func, select

from ideaspace.models import Role, Unit, User

URL = "/admin/people/import"
HEADER = "name;email;unit;role;language\n"
GOOD = HEADER + "Maija Meikäläinen;maija@kokkola.fi;Sivistyspalvelut / Varhaiskasvatus;participant;fi\n"


def upload(client, text: str | bytes, filename: str = "people.csv"):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return client.post(URL, data={"file": (io.BytesIO(data), filename)}, content_type="multipart/form-data")


def payload_of(html: str) -> str:
    marker = 'name="payload" type="hidden" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def users(session) -> int:
    return session.scalar(select(func.count()).select_from(User))


@pytest.fixture
def admin(make, session):
    user = make.user(Role.ADMIN)
    session.commit()  # a refused request rolls back; keep the people for the requests that follow
    return user


def test_anonymous_is_sent_to_sign_in(client):
    for response in (client.get(URL), upload(client, GOOD)):
        assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.OBSERVER, Role.MODERATOR])
def test_only_admins_may_import(client, make, login, session, role):
    login(make.user(role))
    session.commit()
    before = users(session)
    assert client.get(URL).status_code == 403
    assert upload(client, GOOD).status_code == 403
    assert client.post(URL + "/confirm", data={"payload": "x"}).status_code == 403
    assert users(session) == before


def test_admin_sees_the_upload_form(client, login, admin):
    login(admin)
    response = client.get(URL)
    assert response.status_code == 200
    assert 'type="file"' in response.text and 'accept=".csv,text/csv"' in response.text
    assert 'enctype="multipart/form-data"' in response.text


def test_preview_then_import(client, login, admin, session):
    login(admin)
    before = users(session)
    response = upload(client, GOOD)
    assert response.status_code == 200, response.text
    assert "maija@kokkola.fi" in response.text and "Varhaiskasvatus" in response.text
    assert users(session) == before  # the preview is a dry run
    assert session.scalar(select(func.count()).select_from(Unit)) == 0
    confirmed = client.post(URL + "/confirm", data={"payload": payload_of(response.text)})
    assert confirmed.status_code == 302 and confirmed.headers["Location"].endswith("/admin/users")
    assert users(session) == before + 1
    maija = session.scalar(select(User).where(User.email == "maija@kokkola.fi"))
    assert maija.unit.parent.name == {"fi": "Sivistyspalvelut"}


def test_row_errors_import_nothing(client, login, admin, session):
    login(admin)
    before = users(session)
    response = upload(client, GOOD + "Maija Again;MAIJA@kokkola.fi;;;\nBea;bea@kokkola.fi;;chief;\n")
    assert response.status_code == 422
    assert "Nothing was imported" in response.text
    assert '<th scope="row" class="number">3</th>' in response.text
    assert "chief" in response.text
    assert 'name="payload"' not in response.text
    assert users(session) == before


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (GOOD, "people.xlsx", "must be a .csv file"),
        (b"x" * (2 * 1024 * 1024 + 1), "big.csv", "larger than 2 MB"),
        ("name;email\nA;a@kokkola.fi\n".encode("utf-16"), "people.csv", "not UTF-8"),
    ],
)
def test_bad_files_are_refused_clearly(client, login, admin, session, data, filename, message):
    login(admin)
    before = users(session)
    response = upload(client, data, filename)
    assert response.status_code == 422
    assert message in response.text
    assert users(session) == before


def test_no_file(client, login, admin):
    login(admin)
    response = client.post(URL, data={}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Choose a CSV file" in response.text


def test_a_tampered_or_foreign_payload_is_refused(client, login, admin, make, session):
    login(admin)
    payload = payload_of(upload(client, GOOD).text)
    other = make.user(Role.ADMIN)
    session.commit()
    before = users(session)
    assert client.post(URL + "/confirm", data={"payload": payload[:-2] + "xx"}).status_code == 400
    login(other)  # another admin cannot replay this admin's preview
    g.pop("_login_user", None)  # the test's app context outlives requests: forget the cached user
    response = client.post(URL + "/confirm", data={"payload": payload})
    assert response.status_code == 400, response.headers.get("Location")
    assert users(session) == before


def test_confirm_without_csrf_is_refused(client, login, admin, session):
    login(admin)
    payload = payload_of(upload(client, GOOD).text)
    client.csrf = False
    before = users(session)
    assert client.post(URL + "/confirm", data={"payload": payload}).status_code == 400
    assert users(session) == before


def test_cli_dry_run_and_import(app, session, tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (GOOD + "Anna;anna@karleby.fi;Bildning;deltagare;sv\n").encode())
    runner = app.test_cli_runner()
    before = users(session)
    result = runner.invoke(args=["import-users", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Dry run: 2 to create" in result.output and "Nothing was written" in result.output
    assert users(session) == before
    result = runner.invoke(args=["import-users", str(path)])
    assert result.exit_code == 0, result.output
    assert "Imported: 2 to create" in result.output
    assert users(session) == before + 2
    result = runner.invoke(args=["import-users", str(path)])
    assert "0 to create, 0 to update, 2 unchanged" in result.output
    assert users(session) == before + 2


def test_cli_errors_import_nothing(app, session, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(GOOD + "Nobody;;;;\n", encoding="utf-8")
    before = users(session)
    result = app.test_cli_runner().invoke(args=["import-users", str(path)])
    assert result.exit_code != 0
    assert "row 3" in result.output and "nothing was imported" in result.output
    assert users(session) == before
