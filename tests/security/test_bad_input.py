"""Issue #11, finding 4 (bad input gave a 500) and finding 5's platform moderators: one test per
finding, each failing on the code before the fix (ae0f750) and passing now. The classes are swept
by test_fuzz.py (routes) and test_cli_fuzz.py (commands); these pin the reported cases."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from ideaspace.models import (
    ActivityKind,
    Comment,
    Idea,
    MemberRole,
    NoteGroup,
    Role,
    Unit,
    User,
    WorkspaceAccess,
)

HUGE = "99999999999999999999"  # beyond 64 bits


@pytest.fixture
def world(make, session):
    moderator = make.user(Role.MODERATOR)
    member = make.user(Role.PARTICIPANT)
    ws = make.workspace()
    make.member(ws, moderator, MemberRole.MODERATOR)
    make.member(ws, member)
    theme = make.theme(ws)
    ideas = make.activity(theme, kind=ActivityKind.IDEAS)
    idea = make.idea(ws, make.user(), theme=theme)
    comment = make.comment(theme, make.user())
    session.commit()
    return {
        "ws": ws,
        "moderator": moderator,
        "member": member,
        "theme": theme,
        "idea": idea,
        "comment": comment,
        "ideas": ideas,
        "admin": make.user(Role.ADMIN),
    }


# --- 1. ids beyond 64 bits (both engines) ------------------------------------------------------


def test_huge_ids_in_routes_are_not_found(client, login, world):
    login(world["moderator"])
    slug = world["ws"].slug
    for path in (
        f"/w/{slug}/themes/{HUGE}",
        f"/w/{slug}/ideas/{HUGE}",
        f"/w/{slug}/themes/{2**31}",
        f"/w/{slug}/comments/theme/{HUGE}",
        f"/w/{slug}/manage/themes/{HUGE}/edit",
    ):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/w/{slug}/ideas/{HUGE}/support").status_code == 404
    assert client.post(f"/w/{slug}/comments/{HUGE}/like", data={"liked": "1"}).status_code == 404


def test_huge_ids_in_forms_are_a_clear_422(client, login, session, world):
    login(world["member"])
    slug, theme = world["ws"].slug, world["theme"]
    before = session.scalar(select(func.count()).select_from(Comment))
    response = client.post(
        f"/w/{slug}/comments/theme/{theme.id}", data={"body": "Vastaus", "parent_id": HUGE}
    )
    assert response.status_code == 422
    assert session.scalar(select(func.count()).select_from(Comment)) == before
    login(world["admin"])
    assert client.get(f"/admin/users?unit={HUGE}").status_code == 422
    assert client.get(f"/w/{slug}/ideas?theme={HUGE}&page={HUGE}").status_code in (200, 422)
    assert client.get(f"/w/{slug}/ideas/mine?page={HUGE}").status_code == 200
    assert client.get("/admin/audit?page=%C2%B2").status_code == 200  # '²'.isdigit(), int('²') raised


# --- 2. NUL in a path, a query, a form (PostgreSQL refuses it in text) ---------------------------


def test_nul_in_a_path_or_query_is_a_400(client, login, world):
    assert client.get("/w/a%00b/").status_code == 400  # signed out
    login(world["admin"])
    assert client.get("/admin/users?q=a%00").status_code == 400
    assert client.post(f"/w/{world['ws'].slug}/ideas", data={"title": "a\x00b"}).status_code == 400


def test_nul_in_an_imported_email_is_refused_in_the_preview_and_nothing_is_saved(
    client, login, session, world
):
    login(world["admin"], sudo=True) if _takes_sudo(login) else login(world["admin"])
    before = session.scalar(select(func.count()).select_from(User))
    data = "name;email\nMaija\x00 Meikäläinen;maija\x00@example.fi\n".encode()
    response = client.post(
        "/admin/people/import",
        data={"file": (io.BytesIO(data), "people.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and "is not a valid email address" in response.text
    assert 'name="payload"' not in response.text  # no preview to confirm
    assert session.scalar(select(func.count()).select_from(User)) == before


def _takes_sudo(login) -> bool:
    import inspect

    return "sudo" in inspect.signature(login).parameters


# --- 3. dates out of range ----------------------------------------------------------------------


def test_out_of_range_dates_are_a_clear_422(client, login, world):
    login(world["admin"])
    response = client.get("/admin/audit?since=0001-01-01&until=9999-12-31")
    assert response.status_code == 422 and "Give a day between" in response.text
    login(world["moderator"])
    response = client.post(
        f"/w/{world['ws'].slug}/manage/edit",
        data={
            "title-fi": "Otsikko",
            "slug": world["ws"].slug,
            "opens_on": "0001-01-01",
            "closes_on": "9999-12-31",
            "status": "open",
            "access": "invited",
            "min_group_size": "5",
            "primary_language": "fi",
        },
    )
    assert response.status_code == 422 and "Give a day between" in response.text


# --- 4. deep JSON: see test_cli_fuzz.test_deep_json_is_refused_with_a_clear_message ------------------


# --- 5. a newline in a title ----------------------------------------------------------------------


def test_a_title_with_a_newline_no_longer_breaks_invitations(app, client, login, session, world):
    """An existing row (typed before titles had to be one line) is folded where the mail is built."""
    from ideaspace import mail
    from ideaspace.invitations import messages

    ws = world["ws"]
    ws.title = {"fi": "Henkilöstö\nohjelma", "sv": "Personal\r\nprogram"}
    invitee = User(email="uusi@example.fi", name="Uusi\nIhminen", role=Role.PARTICIPANT)
    session.add(invitee)
    session.commit()
    login(world["moderator"])
    response = client.post(f"/w/{ws.slug}/invitations", data={"emails": invitee.email})
    assert response.status_code == 302
    with app.test_request_context():
        subject, text, html = messages.render(
            messages.INVITATION, name=invitee.name, workspace=ws, link="https://x/signin/t", language="fi"
        )
        message = mail.build(invitee.email, subject, text, html, "fi")
    assert message["Subject"] == "Invitation: Henkilöstö ohjelma"


def test_single_line_fields_refuse_a_line_break(client, login, session, world):
    login(world["moderator"])
    slug, theme = world["ws"].slug, world["theme"]
    response = client.post(f"/w/{slug}/manage/themes/{theme.id}/edit", data={"title-fi": "Teema\nSubject: x"})
    assert response.status_code == 422 and "Write this on one line." in response.text
    session.refresh(theme)
    assert "\n" not in theme.title["fi"]


# --- 7. platform moderators -----------------------------------------------------------------------


def test_a_platform_moderator_does_not_read_an_invite_only_workspace_they_do_not_moderate(
    client, login, make, world
):
    outsider = make.user(Role.MODERATOR)
    login(outsider)
    assert client.get(f"/w/{world['ws'].slug}/").status_code == 403
    assert world["ws"].slug not in client.get("/").text
    open_ws = make.workspace(access=WorkspaceAccess.ALL_USERS)
    assert client.get(f"/w/{open_ws.slug}/").status_code == 200


def test_the_workspace_importer_folds_line_breaks_and_refuses_days_out_of_range(app, session):
    from ideaspace.transfer import TransferError, import_workspace

    from ..transfer.conftest import minimal_document

    doc = minimal_document(slug="rivit", title={"fi": "Henkilöstö\nohjelma", "sv": "Personal\u2028program"})
    doc["workspace"]["themes"][0]["title"] = {"fi": "Teema\r\nyksi"}
    doc["workspace"]["themes"][0]["activities"][0]["options"][1]["label"] = {"fi": "Ei\nkiitos"}
    workspace = import_workspace(doc)
    assert workspace.title == {"fi": "Henkilöstö ohjelma", "sv": "Personal program"}
    assert workspace.themes[0].title == {"fi": "Teema yksi"}
    assert workspace.themes[0].activities[0].options[1].label == {"fi": "Ei kiitos"}
    session.rollback()
    for field, value in (
        ("opens_on", "0001-01-01"),
        ("closes_on", "9999-12-31"),
        ("created_at", "0001-01-01T00:00:00+01:00"),
    ):
        with pytest.raises(TransferError, match="must be between"):
            import_workspace(minimal_document(slug="paivat", **{field: value}))


# --- form-field fuzzing: the id and single-line fields of the forms changed for finding 4 -----------

BAD_IDS = (HUGE, str(2**31), "-1", "abc", "²", "1.5", "1e3")
BAD_LINES = ("Otsikko\nSubject: x", "Otsikko\r\nx", "Otsikko\u2028x", "Otsikko\x85x")


def _form_cases(world):
    slug, theme = world["ws"].slug, world["theme"]
    notes = world["notes"]
    return [
        # (who, url, steady data, field, hostile values, model counted)
        (
            "member",
            f"/w/{slug}/comments/theme/{theme.id}",
            {"body": "Hyvä ajatus"},
            "parent_id",
            BAD_IDS,
            Comment,
        ),
        (
            "member",
            f"/w/{slug}/ideas",
            {"title": "Idean otsikko", "body": "Kuvaus"},
            "theme_id",
            BAD_IDS,
            Idea,
        ),
        ("member", f"/w/{slug}/ideas", {"body": "Kuvaus"}, "title", BAD_LINES, Idea),
        ("moderator", f"/w/{slug}/activities/{notes.id}/notes/groups", {}, "label", BAD_LINES, NoteGroup),
        ("moderator", f"/w/{slug}/manage/themes/{theme.id}/edit", {}, "title-fi", BAD_LINES, None),
        ("admin", "/admin/units/new", {"name-fi": "Yksikkö"}, "parent", BAD_IDS, Unit),
        ("admin", "/admin/units/new", {}, "name-fi", BAD_LINES, Unit),
        ("admin", "/admin/units/new", {"name-fi": "Yksikkö"}, "code", BAD_LINES, Unit),
        (
            "admin",
            "/admin/users/new",
            {"name": "Uusi", "email": "uusi@example.fi", "role": "participant"},
            "unit",
            BAD_IDS,
            User,
        ),
        (
            "admin",
            "/admin/users/new",
            {"email": "toinen@example.fi", "role": "participant"},
            "name",
            BAD_LINES,
            User,
        ),
    ]


@pytest.fixture
def form_world(world, make, session):
    world["notes"] = make.activity(world["theme"], kind=ActivityKind.NOTES)
    session.commit()
    return world


def test_hostile_ids_and_line_breaks_in_forms_are_a_clear_422_and_save_nothing(
    client, login, session, form_world
):
    failures = []
    for who, url, steady, field, values, model in _form_cases(form_world):
        login(form_world[who])
        valid = "" if values is BAD_IDS else "Otsikko"
        control = client.post(url, data={**steady, field: valid})
        if control.status_code >= 400:  # else the hostile values would be refused for another reason
            failures.append(f"{url} {field}={valid!r} as {who}: the valid form gave {control.status_code}")
        for value in values:
            before = session.scalar(select(func.count()).select_from(model)) if model else None
            response = client.post(url, data={**steady, field: value})
            after = session.scalar(select(func.count()).select_from(model)) if model else None
            if response.status_code not in (400, 404, 422) or before != after:
                failures.append(
                    f"{url} {field}={value!r} as {who}: {response.status_code}, {before} -> {after}"
                )
    session.refresh(form_world["theme"])
    assert all("\n" not in title and "\u2028" not in title for title in form_world["theme"].title.values())
    assert not failures, "\n".join(failures)
