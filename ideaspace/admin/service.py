"""Managing people and organisational units: plain operations that flush and write the audit log."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from .. import audit
from ..auth import sessions
from ..extensions import db
from ..i18n import localize
from ..models import LANGUAGES, LocalizedText, Role, Unit, User
from ..sanitize import clean_text

USERS_PER_PAGE = 50


class AdminError(ValueError):
    """A rule an admin form broke; `field` names the form field the message belongs to."""

    def __init__(self, field: str, message) -> None:
        super().__init__(str(message))
        self.field = field
        self.message = message


# --- units ---------------------------------------------------------------------------------


@dataclass
class UnitNode:
    unit: Unit
    depth: int
    children: list[UnitNode] = field(default_factory=list)


def all_units() -> list[Unit]:
    """Every unit, in one query."""
    return list(db.session.scalars(select(Unit).order_by(Unit.id)))


def unit_tree(units: list[Unit] | None = None) -> list[UnitNode]:
    """The units as a forest (department > unit > team), built in Python from one query."""
    units = all_units() if units is None else units
    by_parent: dict[int | None, list[Unit]] = {}
    for unit in units:
        by_parent.setdefault(unit.parent_id, []).append(unit)
    known = {unit.id for unit in units}

    def build(parent_id: int | None, depth: int, seen: frozenset[int]) -> list[UnitNode]:
        nodes = []
        for unit in sorted(by_parent.get(parent_id, []), key=lambda u: localize(u.name).casefold()):
            if unit.id in seen:  # a cycle in the data must not hang the page
                continue
            nodes.append(UnitNode(unit, depth, build(unit.id, depth + 1, seen | {unit.id})))
        return nodes

    roots = build(None, 0, frozenset())
    # Units whose parent is missing still show, at the top level.
    for orphan_parent in sorted(pid for pid in by_parent if pid is not None and pid not in known):
        roots.extend(build(orphan_parent, 0, frozenset()))
    return roots


def flatten(nodes: list[UnitNode]) -> list[UnitNode]:
    """The tree in display order, depth first."""
    out: list[UnitNode] = []
    for node in nodes:
        out.append(node)
        out.extend(flatten(node.children))
    return out


def unit_choices(units: list[Unit], blank_label) -> list[tuple[int | None, str]]:
    """Options for a unit select: each unit with its full path ("Department › Unit"), in tree order."""
    by_id = {unit.id: unit for unit in units}

    def path(unit: Unit) -> str:
        names, seen, current = [], set(), unit
        while current is not None and current.id not in seen:
            seen.add(current.id)
            names.append(localize(current.name))
            current = by_id.get(current.parent_id) if current.parent_id else None
        return " › ".join(reversed(names))

    return [("", str(blank_label))] + [(node.unit.id, path(node.unit)) for node in flatten(unit_tree(units))]


def descendant_ids(units: list[Unit], root_id: int) -> set[int]:
    """The unit and every unit below it."""
    by_parent: dict[int | None, list[int]] = {}
    for unit in units:
        by_parent.setdefault(unit.parent_id, []).append(unit.id)
    found, stack = set(), [root_id]
    while stack:
        current = stack.pop()
        if current in found:
            continue
        found.add(current)
        stack.extend(by_parent.get(current, []))
    return found


def member_counts() -> dict[int, int]:
    """How many people each unit has, in one GROUP BY."""
    rows = db.session.execute(
        select(User.unit_id, func.count(User.id)).where(User.unit_id.is_not(None)).group_by(User.unit_id)
    )
    return {unit_id: count for unit_id, count in rows}


def get_unit(unit_id: int) -> Unit:
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        abort(404)
    return unit


def _check_parent(unit: Unit | None, parent_id: int | None) -> Unit | None:
    if parent_id is None:
        return None
    parent = db.session.get(Unit, parent_id)
    if parent is None:
        raise AdminError("parent", _l("Choose a unit from the list."))
    if unit is not None:
        parents = dict(db.session.execute(select(Unit.id, Unit.parent_id)).all())
        current: int | None = parent.id
        seen: set[int] = set()
        while current is not None and current not in seen:
            if current == unit.id:
                raise AdminError(
                    "parent", _l("A unit cannot be placed under itself or under one of its own sub-units.")
                )
            seen.add(current)
            current = parents.get(current)
    return parent


def _check_code(unit: Unit | None, code: str | None) -> str | None:
    code = clean_text(code) or None
    if code is None:
        return None
    query = select(Unit.id).where(func.lower(Unit.code) == code.lower())
    if unit is not None:
        query = query.where(Unit.id != unit.id)
    if db.session.scalar(query) is not None:
        raise AdminError("code", _l("Another unit already has this code."))
    return code


def create_unit(
    actor: User, *, name: LocalizedText, code: str | None = None, parent_id: int | None = None
) -> Unit:
    code = _check_code(None, code)
    parent = _check_parent(None, parent_id)
    unit = Unit(name=name, code=code, parent=parent)
    db.session.add(unit)
    db.session.flush()
    audit.record(actor, "unit.create", unit, name=name, code=code, parent_id=parent_id)
    return unit


def update_unit(
    actor: User, unit: Unit, *, name: LocalizedText, code: str | None = None, parent_id: int | None = None
) -> Unit:
    code = _check_code(unit, code)
    parent = _check_parent(unit, parent_id)
    before = {"name": dict(unit.name or {}), "code": unit.code, "parent_id": unit.parent_id}
    unit.name = name
    unit.code = code
    unit.parent = parent
    db.session.flush()
    after = {"name": dict(name), "code": code, "parent_id": parent.id if parent else None}
    changed = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
    audit.record(actor, "unit.update", unit, changed=changed)
    return unit


# --- users ---------------------------------------------------------------------------------


@dataclass
class UserPage:
    items: list[User]
    page: int
    pages: int
    total: int


def list_users(
    *,
    search: str = "",
    role: Role | None = None,
    unit_id: int | None = None,
    page: int = 1,
    units: list[Unit] | None = None,
) -> UserPage:
    """People matching the filters, 50 a page; a unit filter includes the units below it."""
    query = select(User)
    if search:
        pattern = (
            "%" + search.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        )
        query = query.where(
            or_(
                func.lower(User.name).like(pattern, escape="\\"),
                func.lower(User.email).like(pattern, escape="\\"),
            )
        )
    if role is not None:
        query = query.where(User.role == role)
    if unit_id is not None:
        units = all_units() if units is None else units
        query = query.where(User.unit_id.in_(descendant_ids(units, unit_id)))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // USERS_PER_PAGE))
    page = min(max(1, page), pages)
    items = db.session.scalars(
        query.options(selectinload(User.unit))
        .order_by(func.lower(User.name), User.id)
        .limit(USERS_PER_PAGE)
        .offset((page - 1) * USERS_PER_PAGE)
    )
    return UserPage(list(items), page, pages, total)


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _check_email(user: User | None, email: str) -> str:
    email = normalise_email(email)
    query = select(User.id).where(func.lower(User.email) == email)
    if user is not None:
        query = query.where(User.id != user.id)
    if db.session.scalar(query) is not None:
        raise AdminError("email", _l("Another person already uses this email address."))
    return email


def _check_unit(unit_id: int | None) -> Unit | None:
    if unit_id is None:
        return None
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        raise AdminError("unit", _l("Choose a unit from the list."))
    return unit


def _check_locale(locale: str | None) -> str | None:
    if locale and locale not in LANGUAGES:
        raise AdminError("locale", _l("Choose a language from the list."))
    return locale or None


def end_sessions(user: User, *, keep=None) -> None:
    """Sign the person out everywhere (but in `keep`, the actor's own session when they set their
    own password): their session rows go."""
    sessions.end_all(user, except_for=keep)


def needs_sudo(user: User | None, *, role: Role, email: str, active: bool, password: str | None, **_):
    """Whether this change needs an admin in sudo mode: a new person with more than a
    participant's role, or another person's role, activity, email or password changed."""
    if user is None:
        return role is not Role.PARTICIPANT or bool(password)
    return (
        role is not user.role
        or active != user.is_active_account
        or normalise_email(email) != user.email
        or bool(password)
    )


def create_user(
    actor: User,
    *,
    name: str,
    email: str,
    role: Role,
    unit_id: int | None = None,
    locale: str | None = None,
    active: bool = True,
    password: str | None = None,
) -> User:
    email = _check_email(None, email)
    unit = _check_unit(unit_id)
    locale = _check_locale(locale)
    user = User(
        name=clean_text(name), email=email, role=role, unit=unit, locale=locale, is_active_account=active
    )
    if password:
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record(
        actor,
        "user.create",
        user,
        email=email,
        role=role.value,
        unit_id=unit_id,
        active=active,
        password_set=bool(password),
    )
    return user


def update_user(
    actor: User,
    user: User,
    *,
    name: str,
    email: str,
    role: Role,
    unit_id: int | None = None,
    locale: str | None = None,
    active: bool = True,
    password: str | None = None,
) -> User:
    """Change a person's details; a new role, deactivation or a new password ends their sessions
    (admins who set their own password keep the session they did it in)."""
    email = _check_email(user, email)
    unit = _check_unit(unit_id)
    locale = _check_locale(locale)
    if actor.id == user.id and not active:
        raise AdminError("active", _l("You cannot deactivate your own account."))
    if actor.id == user.id and role is not Role.ADMIN:
        raise AdminError("role", _l("You cannot remove your own administrator role."))
    before = {
        "name": user.name,
        "email": user.email,
        "role": user.role.value,
        "unit_id": user.unit_id,
        "locale": user.locale,
        "active": user.is_active_account,
    }
    was_active = user.is_active_account
    user.name = clean_text(name)
    user.email = email
    user.role = role
    user.unit = unit
    user.locale = locale
    user.is_active_account = active
    after = {
        "name": user.name,
        "email": email,
        "role": role.value,
        "unit_id": unit.id if unit else None,
        "locale": locale,
        "active": active,
    }
    changed = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
    if password:
        user.set_password(password)
        changed["password"] = True
        end_sessions(user, keep=actor.current_session if actor.id == user.id else None)
    if "role" in changed:
        end_sessions(user)  # what they may do changed: they sign in again under the new role
    db.session.flush()
    audit.record(actor, "user.update", user, changed=changed)
    if was_active and not active:
        end_sessions(user)
        audit.record(actor, "user.deactivate", user)
    elif active and not was_active:
        audit.record(actor, "user.reactivate", user)
    db.session.flush()
    return user
