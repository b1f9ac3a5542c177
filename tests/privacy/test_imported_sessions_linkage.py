"""The linkage attack (issue 12's, tests/privacy/linkage.py) on a workspace imported with workshop
sessions (issue 17): supervisors of units of 2 and 9 and the 3 guests of a session of the unit of
2 answered an anonymous poll. Neither the moderator's export nor the raw database of the imported
workspace may narrow any answer to fewer than k people, guests counted as people of their
session's unit, seen at the session's time."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa

from ideaspace.extensions import db
from ideaspace.transfer import export_workspace, import_workspace
from ideaspace.workshops.models import Guest, GuestResponse, Workshop

from .linkage import CHANNELS, Knowledge, Observation, candidates, check_sound, linked

K = 5
U2, U9 = "Osasto / U2", "Osasto / U9"
SCOPE = "answer:poll"


def _document() -> dict:
    people = [(f"u2-{i}@example.fi", U2) for i in range(2)] + [(f"u9-{i}@example.fi", U9) for i in range(9)]
    answered = [email for email, _ in people[:5]]  # both of U2, three of U9
    return {
        "format": "ideaspace.workspace",
        "version": 1,
        "units": [{"name": {"fi": "Osasto"}, "units": [{"name": {"fi": "U2"}}, {"name": {"fi": "U9"}}]}],
        "people": [{"email": e, "name": e, "role": "participant", "unit": u} for e, u in people],
        "workspace": {
            "slug": "linkitys",
            "title": {"fi": "Linkitys"},
            "status": "open",
            "min_group_size": K,
            "memberships": [
                {
                    "person": e,
                    "invited_at": "2026-03-01T08:00:00+00:00",
                    "first_visit_at": "2026-03-02T09:00:00+00:00",
                    "first_contribution_at": "2026-03-02T09:05:00+00:00" if e in answered else None,
                    "visits": ["2026-03-02"],
                }
                for e, _ in people
            ],
            "themes": [
                {
                    "key": "T1",
                    "title": {"fi": "Teema"},
                    "activities": [
                        {
                            "key": "poll",
                            "kind": "single_choice",
                            "is_anonymous": True,
                            "title": {"fi": "poll"},
                            "options": [{"key": f"o{i}", "label": {"fi": f"o{i}"}} for i in range(3)],
                            # 5 supervisors on 2.3., 3 guests on 4.3.: days that would tell them apart
                            "answers": [{"on": "2026-03-02", "options": [f"o{i % 3}"]} for i in range(5)]
                            + [{"on": "2026-03-04", "options": [f"o{i % 3}"]} for i in range(3)],
                            "respondents": [{"person": e, "on": "2026-03-02"} for e in answered],
                        }
                    ],
                }
            ],
            "sessions": [
                {
                    "theme": "T1",
                    "unit": U2,
                    "facilitator": "u2-0@example.fi",
                    "created_at": "2026-03-04T11:00:00+00:00",
                    "expires_at": "2026-03-04T15:00:00+00:00",
                    "ended_at": "2026-03-04T11:40:00+00:00",
                    "steps": ["poll"],
                    "guests": 3,
                    "contributed": 3,
                    "answered": {"poll": 3},
                }
            ],
        },
    }


def _moment(text: str | None):
    if not text:
        return None
    return datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)


def _guests(doc: dict) -> dict[str, tuple[str | None, datetime | None]]:
    """Each session's guest devices as people of its unit, seen at its time."""
    out = {}
    for n, s in enumerate(doc["workspace"]["sessions"]):
        for i in range(s["guests"]):
            out[f"guest:{n}:{i}"] = (s["unit"], _moment(s["created_at"]))
    return out


def _from_export(doc: dict) -> tuple[list[Observation], Knowledge]:
    guests = _guests(doc)
    knowledge = Knowledge(
        units={p["email"]: p["unit"] for p in doc["people"]} | {g: unit for g, (unit, _) in guests.items()}
    )
    for m in doc["workspace"]["memberships"]:
        for key in ("first_visit_at", "last_visit_at", "first_contribution_at"):
            if m.get(key):
                knowledge.moments[m["person"]].add(_moment(m[key]))
        for day in m.get("visits") or []:
            knowledge.moments[m["person"]].add(_moment(day))
    for g, (_, seen) in guests.items():
        if seen:
            knowledge.moments[g].add(seen)
    truth = frozenset(knowledge.units)  # published again: any participant's
    poll = doc["workspace"]["themes"][0]["activities"][0]
    if poll["respondents"]:  # the backup's, with the day each answered
        for r in poll["respondents"]:
            knowledge.moments[r["person"]].add(_moment(r["on"]))
        knowledge.participants[SCOPE] = {r["person"] for r in poll["respondents"]} | set(guests)
    items = [
        Observation("export", SCOPE, f"answers[{n}]", unit=a["unit"], when=_moment(a["on"]), truth=truth)
        for n, a in enumerate(poll["answers"])
    ]
    return items, knowledge


def _from_database(workspace_id: int) -> tuple[list[Observation], Knowledge]:
    """Every row about the imported workspace's people, guests and answers, with their ids."""
    from ideaspace.models import Activity, Answer, Membership, Respondent, Theme, Unit, User

    paths = {
        u.id: ("Osasto / " + u.name["fi"]) if u.parent_id else u.name["fi"]
        for u in db.session.scalars(sa.select(Unit))
    }
    users = {u.id: u for u in db.session.scalars(sa.select(User))}
    knowledge = Knowledge(units={u.email: paths.get(u.unit_id) for u in users.values()})
    for m in db.session.scalars(sa.select(Membership).where(Membership.workspace_id == workspace_id)):
        for moment in (m.first_visit_at, m.last_visit_at, m.first_contribution_at):
            if moment:
                knowledge.moments[users[m.user_id].email].add(moment)
    activity = db.session.scalar(sa.select(Activity).join(Theme).where(Theme.workspace_id == workspace_id))
    order = [
        users[r.user_id].email
        for r in db.session.scalars(
            sa.select(Respondent).where(Respondent.activity_id == activity.id).order_by(Respondent.user_id)
        )
    ]
    for email in order:
        knowledge.moments[email].add(date(2026, 3, 2))
    guests = db.session.execute(
        sa.select(Guest.id, Workshop.unit_id, Workshop.created_at)
        .join(Workshop, Workshop.id == Guest.workshop_id)
        .join(GuestResponse, GuestResponse.guest_id == Guest.id)
        .where(Workshop.workspace_id == workspace_id, GuestResponse.activity_id == activity.id)
        .order_by(Guest.id)
    ).all()
    for guest_id, unit_id, created in guests:
        name = f"guest:{guest_id}"
        knowledge.units[name] = paths.get(unit_id)
        knowledge.moments[name].add(created if created.tzinfo else created.replace(tzinfo=UTC))
        order.append(name)
    knowledge.participants[SCOPE] = set(order)
    knowledge.order[SCOPE] = order
    truth = frozenset(order)
    items = []
    for n, (on, unit_id) in enumerate(
        db.session.execute(
            sa.select(Answer.answered_on, Answer.unit_id).where(Answer.activity_id == activity.id)
        ).all()
    ):
        items.append(
            Observation(
                "database",
                SCOPE,
                f"answer {n}",
                unit=paths.get(unit_id),
                when=on,
                position=(n,),
                batch=on,
                truth=truth,
            )
        )
    return items, knowledge


def test_imported_guest_answers_link_to_no_fewer_than_k_people(session):
    workspace = import_workspace(_document())
    for name, (items, knowledge) in {
        "moderator's export": _from_export(export_workspace(workspace)),
        "admin's backup": _from_export(export_workspace(workspace, backup=True)),
        "database": _from_database(workspace.id),
    }.items():
        assert len(items) == 8, name
        for channels in [{n: c} for n, c in CHANNELS.items()] + [CHANNELS]:
            results = candidates(items, knowledge, channels)
            assert check_sound(results) == [], (name, list(channels))
            assert linked(results, K) == [], (name, list(channels))


def test_the_session_day_and_unit_do_not_survive_the_import(session):
    """What would tell the guests' answers apart in the document (their session's day, 4.3., after
    the supervisors' 2.3.) is gone once imported: one batch, one day, no unit below k."""
    from ideaspace.models import Answer

    workspace = import_workspace(_document())
    activity = workspace.themes[0].activities[0]
    rows = session.execute(
        sa.select(Answer.answered_on, Answer.unit_id).where(Answer.activity_id == activity.id)
    ).all()
    assert len(rows) == 8 and len({on for on, _ in rows}) == 1 and {u for _, u in rows} == {None}
