"""Load the Kokkola demo through the same import service as `ideaspace import-workspace`.

The demo files are workspace documents (docs/workspace-json.md). `kokkola.json` also carries a
demo-only `generate` section: the invited supervisors beyond the named sign-ins are generated from it
(deterministic names, emails, units and funnel dates) so the file need not list 157 people one by one.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select, update

from ..extensions import db
from ..models import Activity, Theme, Workspace
from ..transfer import import_workspace

DEMO_DIR = Path(__file__).resolve().parent
FILES = ("kokkola.json", "ideatynnyri.json")
DEMO_ORGANISATION = "Kokkolan kaupunki – Karleby stad"
PASSWORD = "demo-password-2023"

# Shown after loading; the same list is in the README.
SIGN_INS = (
    ("admin@demo.ideaspace.fi", "admin"),
    ("hr@demo.ideaspace.fi", "HR moderator"),
    ("johtoryhma@demo.ideaspace.fi", "observer (management group)"),
    ("esihenkilo1@demo.ideaspace.fi", "supervisor, Varhaiskasvatus"),
    ("esihenkilo2@demo.ideaspace.fi", "supervisor, Kuntatekniikka"),
    (
        "esihenkilo3@demo.ideaspace.fi",
        "supervisor, Swedish-speaking (sv), Svenskspråkig grundläggande utbildning",
    ),
    ("esihenkilo4@demo.ideaspace.fi", "supervisor, Nuorisopalvelut (invited, not yet visited)"),
)


@dataclass
class DemoResult:
    created: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created)


def read_document(name: str) -> dict:
    """A demo file as a plain workspace document, its `generate` section expanded."""
    data = json.loads((DEMO_DIR / name).read_text(encoding="utf-8"))
    return expand(data)


def expand(data: dict) -> dict:
    """Replace the `generate` section by the people and memberships it describes."""
    data = copy.deepcopy(data)
    spec = data.pop("generate", None)
    if not spec:
        return data
    people_spec, member_spec = spec["people"], spec.get("memberships", {})
    first = people_spec["first_number"]
    units = people_spec["units"]
    given, family = people_spec["given_names"], people_spec["family_names"]
    every_sv = people_spec.get("swedish_every") or 0
    people, memberships = [], []
    start = date.fromisoformat(member_spec.get("first_visit_from", "2022-09-05"))
    until = date.fromisoformat(member_spec.get("first_visit_until", "2022-10-21"))
    span = (until - start).days + 1
    for i in range(people_spec["count"]):
        n = first + i
        language = "sv" if every_sv and n % every_sv == 0 else "fi"
        names_g, names_f = given[language], family[language]
        email = people_spec["email"].format(n=n)
        people.append(
            {
                "email": email,
                "name": f"{names_g[(n * 7) % len(names_g)]} {names_f[(n * 11) % len(names_f)]}",
                "role": people_spec.get("role", "participant"),
                "unit": units[i % len(units)],
                "locale": language,
                **({"password": people_spec["password"]} if people_spec.get("password") else {}),
            }
        )
        if not member_spec:
            continue
        membership = {
            "person": email,
            "role": "participant",
            "invited_at": member_spec["invited_at"],
            "invited_by": member_spec.get("invited_by"),
        }
        # The first `visited` generated people visited, the first `contributed` of them contributed.
        if i < member_spec.get("visited", 0):
            first_day = start + timedelta(days=(i * 13) % span)
            days = [first_day] + [first_day + timedelta(days=7 * k) for k in range(1, 1 + i % 3)]
            days = [d for d in days if d <= until + timedelta(days=10)]
            hour = 6 + (i * 5) % 9
            membership.update(
                first_visit_at=f"{first_day.isoformat()}T{hour:02d}:{(i * 17) % 60:02d}:00+00:00",
                last_visit_at=f"{days[-1].isoformat()}T{hour:02d}:{(i * 17) % 60:02d}:00+00:00",
                visit_count=len(days),
                visits=[d.isoformat() for d in days],
            )
            if i < member_spec.get("contributed", 0):
                membership["first_contribution_at"] = (
                    f"{first_day.isoformat()}T{hour:02d}:{(i * 17) % 60 // 2 + 30:02d}:00+00:00"
                )
        memberships.append(membership)
    data["people"] = [*data.get("people", []), *people]
    data["workspace"]["memberships"] = [*data["workspace"].get("memberships", []), *memberships]
    return data


def load_demo() -> DemoResult:
    """Import each demo workspace that is not there yet; flush, never commit. Idempotent."""
    result = DemoResult()
    for name in FILES:
        document = read_document(name)
        slug = document["workspace"]["slug"]
        if db.session.scalar(select(Workspace.id).where(Workspace.slug == slug)):
            result.skipped.append(slug)
            continue
        _dated_from_opening(import_workspace(document))
        result.created.append(slug)
    if result.created:
        _organisation_name()
    return result


def _dated_from_opening(workspace: Workspace) -> None:
    """The demo's themes and activities date from the workspace's opening, not from the moment it
    was loaded: otherwise the front page would show every theme as new to the demo people, whose
    last visits are in 2022."""
    if workspace.opens_on is None:
        return
    opened = datetime.combine(workspace.opens_on, time(8), tzinfo=UTC)
    themes = select(Theme.id).where(Theme.workspace_id == workspace.id).scalar_subquery()
    db.session.execute(update(Theme).where(Theme.workspace_id == workspace.id).values(created_at=opened))
    db.session.execute(
        update(Activity)
        .where(Activity.theme_id.in_(themes), Activity.opened_at.is_not(None))
        .values(opened_at=opened)
    )


def _organisation_name() -> None:
    """The demo organisation's name on the programme's covers, unless an admin has set one."""
    from ..exports import frame
    from ..settings import service as settings

    if settings.stored(frame.ORGANISATION) is None:
        settings.put(None, frame.ORGANISATION, DEMO_ORGANISATION)
