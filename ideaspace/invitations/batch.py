"""A batch of typed addresses: who they are, who is new, and why any of them cannot be invited.

A bad address never stops the batch: the good ones are invited and the rest come back with their
reasons, so the moderator can correct them and nothing is lost. When the instance setting
`invite_new_addresses` allows it, an address nobody has yet becomes a participant in the unit the
moderator chose (audited per person, like an admin adding them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from .. import audit
from ..extensions import db
from ..models import Role, Unit, User
from ..people.service import EMAIL_RE
from ..sanitize import clean_text
from ..settings import service as settings
from ..workspaces.service import insert_if_new

NEW_ADDRESSES = "invite_new_addresses"

settings.register(
    settings.Setting(
        NEW_ADDRESSES,
        settings.BOOL,
        _l("Moderators may invite new email addresses"),
        settings.boolean,
        default=False,
        hint=_l(
            "An invited address that is not yet anyone's becomes a participant in the unit the "
            "moderator chooses. Off: only people already in IdeaSpace can be invited."
        ),
    )
)

# Why an address was not invited (the page says it in the reader's language: REASONS).
INVALID, UNKNOWN, NEEDS_UNIT, INACTIVE, ERASED = "invalid", "unknown", "needs_unit", "inactive", "erased"
REASONS = {
    INVALID: _l("Not a valid email address."),
    UNKNOWN: _l("Nobody in IdeaSpace has this address."),
    NEEDS_UNIT: _l("A new person needs a unit: choose the unit for new people."),
    INACTIVE: _l("This person's account is deactivated."),
    ERASED: _l("This address belonged to a person who was erased; they cannot be added again."),
}

MAX_EMAIL = 254
_SEPARATORS = re.compile(r"[\s,;]+")
_WORD_BREAKS = re.compile(r"[._]+")


@dataclass
class Rejected:
    address: str
    reason: str  # a key of REASONS


@dataclass
class Batch:
    people: list[User] = field(default_factory=list)  # to invite: known and active, or new
    created: list[User] = field(default_factory=list)  # made now, in the chosen unit
    rejected: list[Rejected] = field(default_factory=list)


def split(text: str | None) -> list[str]:
    """The addresses in what was typed (spaces, commas, semicolons or new lines), once each, lower case."""
    seen: dict[str, None] = {}
    for part in _SEPARATORS.split(text or ""):
        address = part.strip().strip("<>").lower()
        if address:
            seen.setdefault(address, None)
    return list(seen)


def valid(address: str) -> bool:
    return len(address) <= MAX_EMAIL and bool(EMAIL_RE.match(address))


def may_create() -> bool:
    return bool(settings.get(NEW_ADDRESSES))


def name_from(address: str) -> str:
    """A first guess at a new person's name: "anna-maria.virtanen@…" is "Anna-Maria Virtanen"."""
    local = address.split("@", 1)[0].split("+", 1)[0]
    words = [word for word in _WORD_BREAKS.split(local) if word]
    name = " ".join("-".join(part[:1].upper() + part[1:] for part in word.split("-")) for word in words)
    return clean_text(name)[:200] or address[:200]


def resolve(actor: User | None, addresses: list[str], new_unit: Unit | None = None) -> Batch:
    """Find the people behind the addresses; create the new ones when allowed and a unit is given
    (flushed, audited, never committed). Every address ends up in `people` or `rejected`."""
    batch = Batch()
    wanted = [address for address in addresses if valid(address)]
    batch.rejected.extend(Rejected(address[:300], INVALID) for address in addresses if not valid(address))
    found: dict[str, User] = {}
    for start in range(0, len(wanted), 1000):
        chunk = wanted[start : start + 1000]
        for user in db.session.scalars(select(User).where(func.lower(User.email).in_(chunk))):
            found[user.email.lower()] = user
    unknown, new = [], []
    for address in wanted:
        user = found.get(address)
        if user is None:
            unknown.append(address)
        elif not user.is_active:
            batch.rejected.append(Rejected(address, INACTIVE))
        else:
            batch.people.append(user)
    if unknown:
        from ..privacy.service import erased_emails

        erased = erased_emails(unknown)
        allowed = may_create()
        for address in unknown:
            if address in erased:
                batch.rejected.append(Rejected(address, ERASED))
            elif not allowed:
                batch.rejected.append(Rejected(address, UNKNOWN))
            elif new_unit is None:
                batch.rejected.append(Rejected(address, NEEDS_UNIT))
            else:
                new.append(address)
    if new:
        batch.created = _create(actor, new, new_unit)
        batch.people.extend(batch.created)
    order = {address: n for n, address in enumerate(addresses)}
    batch.rejected.sort(key=lambda item: order.get(item.address, len(order)))  # as they were typed
    return batch


def _create(actor: User | None, addresses: list[str], unit: Unit) -> list[User]:
    """New participants in `unit`, audited one by one. INSERT ... ON CONFLICT DO NOTHING: a
    moderator inviting the same new address elsewhere at the same moment made that person
    already, and they are invited as they are."""
    statement = insert_if_new(User.__table__).on_conflict_do_nothing().returning(User.id)
    rows = [
        {"email": address, "name": name_from(address), "role": Role.PARTICIPANT, "unit_id": unit.id}
        for address in addresses
    ]
    made = set(db.session.scalars(statement, rows))
    people = [
        user
        for start in range(0, len(addresses), 1000)
        for user in db.session.scalars(
            select(User).where(func.lower(User.email).in_(addresses[start : start + 1000]))
        )
    ]
    for user in people:
        if user.id in made:
            audit.record(
                actor,
                "user.create",
                user,
                email=user.email,
                role=user.role.value,
                unit_id=unit.id,
                active=True,
                password_set=False,
                by_invitation=True,
            )
    return [user for user in people if user.is_active]
