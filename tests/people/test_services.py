import time

import pytest
from sqlalchemy import func, select

from ideaspace.models import AuditLog, Role, Unit, User
from ideaspace.people import service

HEADER = "name;email;unit;role;language\n"


def parse(text: str, bom: bool = False):
    data = text.encode("utf-8")
    return service.parse_csv(b"\xef\xbb\xbf" + data if bom else data)


def run_import(text: str, actor=None):
    rows, errors = parse(text)
    assert errors == []
    plan = service.plan_import(rows, actor)
    assert plan.ok, plan.errors
    return service.apply_import(plan, actor)


def user_count(session) -> int:
    return session.scalar(select(func.count()).select_from(User))


@pytest.mark.parametrize("bom", [True, False])
@pytest.mark.parametrize("delimiter", [";", ","])
def test_reads_bom_and_either_delimiter(bom, delimiter):
    text = (
        f"name{delimiter}email{delimiter}unit{delimiter}role{delimiter}language\n"
        f"Maija Meikäläinen{delimiter}Maija@Kokkola.fi{delimiter}Sivistyspalvelut / Varhaiskasvatus"
        f"{delimiter}moderator{delimiter}fi\n"
    )
    rows, errors = parse(text, bom=bom)
    assert errors == []
    assert len(rows) == 1
    row = rows[0]
    assert (row.number, row.name, row.email) == (2, "Maija Meikäläinen", "maija@kokkola.fi")
    assert row.unit_path == ("Sivistyspalvelut", "Varhaiskasvatus")
    assert (row.role, row.language) == (Role.MODERATOR, "fi")


def test_commas_inside_quotes_and_semicolon_sniffing():
    rows, errors = parse('name;email;unit\n"Virtanen, Anna";anna@kokkola.fi;Tekniset palvelut\n')
    assert errors == []
    assert rows[0].name == "Virtanen, Anna"


def test_finnish_and_swedish_words():
    text = (
        "nimi;sähköposti;yksikkö;rooli;kieli\n"
        "Anna;anna@karleby.fi;Bildning;deltagare;svenska\n"
        "Pekka;pekka@kokkola.fi;Sivistys;tarkkailija;suomi\n"
    )
    rows, errors = parse(text)
    assert errors == []
    assert [(r.role, r.language) for r in rows] == [(Role.PARTICIPANT, "sv"), (Role.OBSERVER, "fi")]


def test_empty_rows_are_skipped_and_row_numbers_stay_true():
    text = HEADER + "\n;;;;\nA;a@kokkola.fi;;;\n\n   \nB;b@kokkola.fi;;;\n"
    rows, errors = parse(text)
    assert errors == []
    assert [(r.number, r.email) for r in rows] == [(4, "a@kokkola.fi"), (7, "b@kokkola.fi")]


def test_every_row_error_is_listed_with_its_row_number():
    text = HEADER + (
        "Anna;anna@kokkola.fi;;;fi\n"  # 2 fine
        "Anna Two;ANNA@kokkola.fi;;;\n"  # 3 duplicate of row 2
        "Bea;bea@kokkola.fi;;boss;\n"  # 4 unknown role
        "Cid;not-an-email;;;\n"  # 5 bad email
        ";dan@kokkola.fi;;;\n"  # 6 missing name
        "Eve;eve@kokkola.fi;;;de\n"  # 7 unknown language
    )
    rows, errors = parse(text)
    by_row = {e.row: e.message for e in errors}
    assert sorted(by_row) == [3, 4, 5, 6, 7]
    assert "row 2" in by_row[3]
    assert "boss" in by_row[4]
    assert "not-an-email" in by_row[5]
    assert "name" in by_row[6].lower()
    assert "de" in by_row[7]
    assert [r.number for r in rows] == [2]


def test_file_level_errors():
    assert parse("")[1][0].row is None
    _, errors = service.parse_csv("name;email\nÄnne;a@b.fi\n".encode("latin-1"))
    assert "UTF-8" in errors[0].message
    _, errors = parse("nimi;unit\nA;B\n")
    assert errors[0].row == 1 and "email" in errors[0].message
    _, errors = parse(HEADER)
    assert errors and errors[0].row is None


def test_import_creates_units_along_the_path_and_people(session, make):
    root = make.unit("Sivistyspalvelut")
    plan = run_import(
        HEADER
        + (
            "Maija;maija@kokkola.fi;SIVISTYSPALVELUT / Varhaiskasvatus / Päiväkoti Lohi;moderator;fi\n"
            "Anna;anna@karleby.fi;Sivistyspalvelut / Varhaiskasvatus;;sv\n"
        )
    )
    assert (plan.created, plan.updated, plan.unchanged) == (2, 0, 0)
    assert plan.new_units == [
        ("SIVISTYSPALVELUT", "Varhaiskasvatus"),
        ("SIVISTYSPALVELUT", "Varhaiskasvatus", "Päiväkoti Lohi"),
    ]
    maija = session.scalar(select(User).where(User.email == "maija@kokkola.fi"))
    anna = session.scalar(select(User).where(User.email == "anna@karleby.fi"))
    assert maija.role is Role.MODERATOR and maija.locale == "fi" and maija.password_hash is None
    assert anna.role is Role.PARTICIPANT and anna.locale == "sv"
    assert maija.unit.name == {"fi": "Päiväkoti Lohi"}
    assert maija.unit.parent.id == anna.unit.id
    assert anna.unit.parent.id == root.id  # matched case-insensitively, not duplicated
    assert session.scalar(select(func.count()).select_from(Unit)) == 3
    entry = session.scalar(select(AuditLog).where(AuditLog.action == "users.import"))
    assert entry.details == {"created": 2, "updated": 0, "unchanged": 0, "units_created": 2}


def test_reimport_updates_and_never_duplicates(session, make):
    make.user(email="maija@kokkola.fi", name="Maija Old", role=Role.PARTICIPANT, locale="fi")
    before = user_count(session)
    text = HEADER + "Maija New;MAIJA@kokkola.fi;Hallinto;observer;sv\nPekka;pekka@kokkola.fi;;;\n"
    first = run_import(text)
    assert (first.created, first.updated, first.unchanged) == (1, 1, 0)
    change = next(c for c in first.changes if c.action == "update")
    assert change.fields["name"] == ("Maija Old", "Maija New")
    assert change.fields["role"] == ("participant", "observer")
    second = run_import(text)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 2)
    assert user_count(session) == before + 1
    maija = session.scalar(select(User).where(User.email == "maija@kokkola.fi"))
    assert (maija.name, maija.role, maija.locale, maija.unit.name["fi"]) == (
        "Maija New",
        Role.OBSERVER,
        "sv",
        "Hallinto",
    )


def test_empty_cells_leave_existing_values(session, make):
    unit = make.unit("Hallinto")
    make.user(email="mod@kokkola.fi", name="Mod", role=Role.MODERATOR, locale="sv", unit=unit)
    plan = run_import(HEADER + "Mod;mod@kokkola.fi;;;\n")
    assert plan.unchanged == 1
    mod = session.scalar(select(User).where(User.email == "mod@kokkola.fi"))
    assert (mod.role, mod.locale, mod.unit_id) == (Role.MODERATOR, "sv", unit.id)


def test_dry_run_plan_writes_nothing(session):
    users, units, logs = (session.scalar(select(func.count()).select_from(m)) for m in (User, Unit, AuditLog))
    rows, _ = parse(HEADER + "A;a@kokkola.fi;X / Y;;\n")
    plan = service.plan_import(rows)
    session.flush()
    assert plan.created == 1 and len(plan.new_units) == 2
    assert (users, units, logs) == tuple(
        session.scalar(select(func.count()).select_from(m)) for m in (User, Unit, AuditLog)
    )


def test_a_plan_with_errors_is_never_applied(session, make):
    admin = make.user(Role.ADMIN, email="boss@kokkola.fi")
    rows, errors = parse(HEADER + "Boss;boss@kokkola.fi;;participant;\nNew;new@kokkola.fi;;;\n")
    assert errors == []
    plan = service.plan_import(rows, admin)
    assert [e.row for e in plan.errors] == [2]  # an admin cannot demote themselves by import
    before = user_count(session)
    with pytest.raises(service.PlanHasErrors):
        service.apply_import(plan, admin)
    assert user_count(session) == before


def test_ten_thousand_rows_in_bounded_queries_and_time(session, make, count_queries):
    make.user(email="person5@kokkola.fi", name="Existing")
    lines = [
        f"Person {i};person{i}@kokkola.fi;Toimiala {i % 5} / Yksikkö {i % 40};"
        f"{'participant' if i % 10 else 'observer'};{('fi', 'sv', 'en')[i % 3]}"
        for i in range(10_000)
    ]
    data = (HEADER + "\n".join(lines) + "\n").encode("utf-8")
    started = time.perf_counter()
    with count_queries() as statements:
        rows, errors = service.parse_csv(data)
        plan = service.plan_import(rows)
        service.apply_import(plan, None)
    elapsed = time.perf_counter() - started
    assert errors == [] and plan.ok
    assert (plan.created, plan.updated) == (9_999, 1)
    assert len(plan.new_units) == 5 + 40  # i % 40 fixes i % 5: each unit sits under one department
    assert len(statements) < 150, len(statements)
    assert elapsed < 30
    assert user_count(session) >= 10_000
