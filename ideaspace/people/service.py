"""Importing people from a CSV file: parse, plan (what would change), apply.

The file has a header row naming the columns name, email, unit, role and language (Finnish and
Swedish header words work too). Row numbers are the ones a spreadsheet shows: the header is row 1.

- `parse_csv(data)` reads UTF-8 (with or without BOM), `;` or `,` (sniffed from the header line),
  validates every row and returns the rows and the errors.
- `plan_import(rows)` compares the rows with the database, loading people and units once, and
  says what would be created, updated or left unchanged (a dry run is just this).
- `apply_import(plan, actor)` writes the plan, all or nothing: it refuses a plan with errors.

An empty role, language or unit cell leaves that field as it is for an existing person (a new
person becomes a participant, with no language and no unit).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select

from .. import audit
from ..extensions import db
from ..models import Role, Unit, User
from ..sanitize import clean_line

MAX_ROWS = 50_000
UNIT_SEPARATOR = "/"

HEADER_WORDS = {
    "name": "name",
    "nimi": "name",
    "namn": "name",
    "email": "email",
    "e-mail": "email",
    "sähköposti": "email",
    "sahkoposti": "email",
    "e-post": "email",
    "unit": "unit",
    "yksikkö": "unit",
    "yksikko": "unit",
    "enhet": "unit",
    "role": "role",
    "rooli": "role",
    "roll": "role",
    "language": "language",
    "kieli": "language",
    "språk": "language",
    "sprak": "language",
}

ROLE_WORDS = {
    "admin": Role.ADMIN,
    "administrator": Role.ADMIN,
    "ylläpitäjä": Role.ADMIN,
    "pääkäyttäjä": Role.ADMIN,
    "administratör": Role.ADMIN,
    "moderator": Role.MODERATOR,
    "moderaattori": Role.MODERATOR,
    "participant": Role.PARTICIPANT,
    "osallistuja": Role.PARTICIPANT,
    "deltagare": Role.PARTICIPANT,
    "observer": Role.OBSERVER,
    "tarkkailija": Role.OBSERVER,
    "observatör": Role.OBSERVER,
}

LANGUAGE_WORDS = {
    "fi": "fi",
    "suomi": "fi",
    "finnish": "fi",
    "finska": "fi",
    "sv": "sv",
    "ruotsi": "sv",
    "swedish": "sv",
    "svenska": "sv",
    "en": "en",
    "englanti": "en",
    "english": "en",
    "engelska": "en",
}

# Deliberately simple: one @, no spaces or control characters (a NUL passed here and failed only when
# PostgreSQL stored it), a dot in the domain. Mail servers judge the rest.
EMAIL_RE = re.compile(
    r"^[^@\s<>,;\"\x00-\x1f\x7f]+@[^@\s<>,;\"\x00-\x1f\x7f]+\.[^@\s<>,;\".\x00-\x1f\x7f]{2,}$"
)


class PlanHasErrors(Exception):
    """Raised when a plan with errors is applied."""


@dataclass
class Row:
    number: int
    name: str
    email: str
    unit_path: tuple[str, ...] | None
    role: Role | None
    language: str | None


@dataclass
class RowError:
    row: int | None  # None: the file as a whole
    message: str


@dataclass
class Change:
    row: int
    email: str
    name: str
    action: str  # "create" | "update" | "unchanged"
    fields: dict[str, tuple[str, str]] = field(default_factory=dict)  # field → (old, new), for display
    user: User | None = None
    values: dict = field(default_factory=dict)


@dataclass
class ImportPlan:
    changes: list[Change] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    new_units: list[tuple[str, ...]] = field(default_factory=list)
    _unit_index: dict = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, action: str) -> int:
        return sum(1 for change in self.changes if change.action == action)

    @property
    def created(self) -> int:
        return self.count("create")

    @property
    def updated(self) -> int:
        return self.count("update")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")


# --- reading the file ------------------------------------------------------------------------


def decode(data: bytes) -> str:
    """UTF-8 text with any BOM removed; raises UnicodeDecodeError otherwise."""
    return data.decode("utf-8-sig")


def sniff_delimiter(header_line: str) -> str:
    return ";" if header_line.count(";") > header_line.count(",") else ","


def parse_csv(data: bytes) -> tuple[list[Row], list[RowError]]:
    """Read and validate every row; returns the good rows and every error found."""
    try:
        text = decode(data)
    except UnicodeDecodeError:
        return [], [RowError(None, str(_l("The file is not UTF-8 text. Save it as “CSV UTF-8”.")))]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    first_line = next((line for line in text.split("\n", 50) if line.strip()), "")
    if not first_line:
        return [], [RowError(None, str(_l("The file is empty.")))]
    reader = csv.reader(io.StringIO(text), delimiter=sniff_delimiter(first_line))
    header: dict[str, int] | None = None
    rows: list[Row] = []
    errors: list[RowError] = []
    first_seen: dict[str, int] = {}
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            if not any(cell.strip() for cell in cells):
                continue  # empty rows are skipped
            if header is None:
                header, header_errors = _read_header(cells)
                if header_errors:
                    return [], header_errors
                continue
            if len(rows) + len(errors) >= MAX_ROWS:
                errors.append(RowError(None, str(gettext("The file has more than %(n)d rows.", n=MAX_ROWS))))
                break
            row, row_errors = _read_row(number, cells, header)
            if row is not None and row.email:
                earlier = first_seen.setdefault(row.email, number)
                if earlier != number:
                    row_errors.append(
                        RowError(
                            number,
                            str(
                                gettext(
                                    "The email %(email)s is already on row %(row)d.",
                                    email=row.email,
                                    row=earlier,
                                )
                            ),
                        )
                    )
            if row_errors:
                errors.extend(row_errors)
            else:
                rows.append(row)
    except csv.Error as error:
        errors.append(
            RowError(
                number or None, str(gettext("The file cannot be read as CSV: %(error)s", error=str(error)))
            )
        )
    if header is None and not errors:
        errors.append(RowError(None, str(_l("The file is empty."))))
    elif header is not None and not rows and not errors:
        errors.append(RowError(None, str(_l("The file has a header row but no people."))))
    return rows, errors


def _read_header(cells: list[str]) -> tuple[dict[str, int], list[RowError]]:
    header: dict[str, int] = {}
    for index, cell in enumerate(cells):
        key = HEADER_WORDS.get(cell.strip().lstrip("\ufeff").casefold())
        if key and key not in header:
            header[key] = index
    missing = [name for name in ("name", "email") if name not in header]
    if missing:
        return header, [
            RowError(
                1,
                str(
                    gettext(
                        "The header row must name the columns name, email, unit, role and language; "
                        "missing: %(columns)s.",
                        columns=", ".join(missing),
                    )
                ),
            )
        ]
    return header, []


def _cell(cells: list[str], header: dict[str, int], key: str) -> str:
    index = header.get(key)
    if index is None or index >= len(cells):
        return ""
    return cells[index].strip()


def _read_row(number: int, cells: list[str], header: dict[str, int]) -> tuple[Row | None, list[RowError]]:
    errors: list[RowError] = []
    name = clean_line(_cell(cells, header, "name"))
    if not name:
        errors.append(RowError(number, str(_l("The name is missing."))))
    elif len(name) > 200:
        errors.append(RowError(number, str(_l("The name is longer than 200 characters."))))

    email = _cell(cells, header, "email").lower()
    if not email:
        errors.append(RowError(number, str(_l("The email is missing."))))
    elif len(email) > 254 or not EMAIL_RE.match(email):
        errors.append(
            RowError(number, str(gettext("“%(value)s” is not a valid email address.", value=email)))
        )

    role = None
    raw_role = _cell(cells, header, "role")
    if raw_role:
        role = ROLE_WORDS.get(raw_role.casefold())
        if role is None:
            errors.append(
                RowError(
                    number,
                    str(
                        gettext(
                            "Unknown role “%(value)s”: use admin, moderator, participant or observer.",
                            value=raw_role,
                        )
                    ),
                )
            )

    language = None
    raw_language = _cell(cells, header, "language")
    if raw_language:
        language = LANGUAGE_WORDS.get(raw_language.casefold())
        if language is None:
            errors.append(
                RowError(
                    number,
                    str(gettext("Unknown language “%(value)s”: use fi, sv or en.", value=raw_language)),
                )
            )

    unit_path = None
    raw_unit = _cell(cells, header, "unit")
    if raw_unit:
        unit_path = tuple(clean_line(part) for part in raw_unit.split(UNIT_SEPARATOR) if clean_line(part))
        if any(len(part) > 200 for part in unit_path):
            errors.append(RowError(number, str(_l("A unit name is longer than 200 characters."))))
        unit_path = unit_path or None

    return Row(number, name, email, unit_path, role, language), errors


# --- comparing with the database ------------------------------------------------------------


def _unit_key(name: str) -> str:
    return name.strip().casefold()


class _UnitIndex:
    """Every unit, loaded once: find a unit by its Finnish-name path, and name a unit by its path."""

    def __init__(self, units: list[Unit]) -> None:
        self.by_id = {unit.id: unit for unit in units}
        self.children: dict[tuple[int | None, str], Unit] = {}
        for unit in sorted(units, key=lambda u: u.id):
            fi = (unit.name or {}).get("fi") or next(iter((unit.name or {}).values()), "")
            self.children.setdefault((unit.parent_id, _unit_key(fi)), unit)
        self._paths: dict[int, str] = {}

    def find(self, path: tuple[str, ...]) -> Unit | None:
        parent_id = None
        unit = None
        for part in path:
            unit = self.children.get((parent_id, _unit_key(part)))
            if unit is None:
                return None
            parent_id = unit.id
        return unit

    def path_of(self, unit_id: int | None) -> str:
        if unit_id is None:
            return ""
        if unit_id not in self._paths:
            names, seen, current = [], set(), self.by_id.get(unit_id)
            while current is not None and current.id not in seen:
                seen.add(current.id)
                names.append((current.name or {}).get("fi") or next(iter((current.name or {}).values()), ""))
                current = self.by_id.get(current.parent_id) if current.parent_id else None
            self._paths[unit_id] = f" {UNIT_SEPARATOR} ".join(reversed(names))
        return self._paths[unit_id]


def _display_path(path: tuple[str, ...] | None) -> str:
    return f" {UNIT_SEPARATOR} ".join(path) if path else ""


def plan_import(
    rows: list[Row], actor: User | None = None, progress: Callable[[int], None] | None = None
) -> ImportPlan:
    """What importing these rows would do; reads people and units once, writes nothing."""
    plan = ImportPlan()
    users = {user.email.lower(): user for user in db.session.scalars(select(User))}
    index = _UnitIndex(list(db.session.scalars(select(Unit))))
    plan._unit_index = {"index": index}
    new_units: dict[tuple[str, ...], None] = {}
    refused = _refuse_erased(rows, plan)

    for row in rows:
        if row.number in refused:
            continue
        unit = None
        if row.unit_path:
            unit = index.find(row.unit_path)
            if unit is None:
                for depth in range(1, len(row.unit_path) + 1):
                    prefix = row.unit_path[:depth]
                    if index.find(prefix) is None:
                        key = tuple(_unit_key(p) for p in prefix)
                        if key not in new_units:
                            new_units[key] = None
                            plan.new_units.append(prefix)
        existing = users.get(row.email)
        if existing is None:
            plan.changes.append(
                Change(
                    row.number,
                    row.email,
                    row.name,
                    "create",
                    fields={
                        "name": ("", row.name),
                        "role": ("", (row.role or Role.PARTICIPANT).value),
                        "language": ("", row.language or ""),
                        "unit": ("", _display_path(row.unit_path)),
                    },
                    values={
                        "role": row.role or Role.PARTICIPANT,
                        "locale": row.language,
                        "unit_path": row.unit_path,
                    },
                )
            )
        else:
            _plan_update(plan, row, existing, unit, index, actor)
        if progress:
            progress(1)
    return plan


def _refuse_erased(rows: list[Row], plan: ImportPlan) -> set[int]:
    """Rows whose address belonged to an erased person: refused (they asked to be forgotten)."""
    from ..privacy.service import erased_emails

    erased = erased_emails({row.email for row in rows})
    refused = set()
    for row in rows:
        if row.email in erased:
            refused.add(row.number)
            plan.errors.append(
                RowError(
                    row.number,
                    str(
                        gettext(
                            "The person with the email %(email)s has been erased and cannot be imported again.",  # noqa: E501
                            email=row.email,
                        )
                    ),
                )
            )
    return refused


def _plan_update(
    plan: ImportPlan, row: Row, user: User, unit: Unit | None, index: _UnitIndex, actor: User | None
) -> None:
    if user.erased_at is not None:
        plan.errors.append(
            RowError(
                row.number,
                str(
                    gettext(
                        "The person with the email %(email)s has been erased and cannot be imported again.",
                        email=row.email,
                    )
                ),
            )
        )
        return
    fields: dict[str, tuple[str, str]] = {}
    values: dict = {}
    if user.name != row.name:
        fields["name"] = (user.name, row.name)
        values["name"] = row.name
    if row.role is not None and user.role is not row.role:
        if actor is not None and user.id == actor.id:
            plan.errors.append(RowError(row.number, str(_l("You cannot change your own role by importing."))))
            return
        fields["role"] = (user.role.value, row.role.value)
        values["role"] = row.role
    if row.language is not None and user.locale != row.language:
        fields["language"] = (user.locale or "", row.language)
        values["locale"] = row.language
    if row.unit_path is not None and (unit is None or unit.id != user.unit_id):
        fields["unit"] = (index.path_of(user.unit_id), _display_path(row.unit_path))
        values["unit_path"] = row.unit_path
    action = "update" if fields else "unchanged"
    plan.changes.append(
        Change(row.number, row.email, row.name, action, fields=fields, user=user, values=values)
    )


# --- writing ---------------------------------------------------------------------------------


def apply_import(
    plan: ImportPlan, actor: User | None, progress: Callable[[int], None] | None = None
) -> ImportPlan:
    """Write the plan: create the missing units, create and update people; flush, audit, no commit."""
    if not plan.ok:
        raise PlanHasErrors("a plan with errors cannot be applied")
    index: _UnitIndex = plan._unit_index["index"]
    created_units: dict[tuple[str, ...], Unit] = {}

    def unit_for(path: tuple[str, ...]) -> Unit:
        key = tuple(_unit_key(p) for p in path)
        if key in created_units:
            return created_units[key]
        existing = index.find(path)
        if existing is not None:
            return existing
        parent = unit_for(path[:-1]) if len(path) > 1 else None
        unit = Unit(name={"fi": path[-1]}, parent=parent)
        db.session.add(unit)
        created_units[key] = unit
        return unit

    new_people = []
    for change in plan.changes:
        if change.action == "create":
            path = change.values.get("unit_path")
            new_people.append((change, unit_for(path) if path else None))
        elif change.action == "update":
            user = change.user
            for key, value in change.values.items():
                if key == "unit_path":
                    user.unit = unit_for(value)
                else:
                    setattr(user, key, value)
        if progress:
            progress(1)
    db.session.flush()  # units get their ids; updated people are written
    if new_people:
        # One bulk INSERT (batched by the driver), not one statement per person.
        db.session.execute(
            insert(User),
            [
                {
                    "email": change.email,
                    "name": change.name,
                    "role": change.values["role"],
                    "locale": change.values.get("locale"),
                    "unit_id": unit.id if unit is not None else None,
                }
                for change, unit in new_people
            ],
        )
    audit.record(
        actor,
        "users.import",
        created=plan.created,
        updated=plan.updated,
        unchanged=plan.unchanged,
        units_created=len(created_units),
    )
    return plan
