"""Write a workspace as a version-1 workspace document, in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (
    Activity,
    Answer,
    Comment,
    CommentLike,
    Idea,
    IdeaSupport,
    Indicator,
    Measure,
    Membership,
    Note,
    NoteGroup,
    ProgrammeSnapshot,
    Quote,
    Respondent,
    Theme,
    Unit,
    User,
    Visit,
    Workspace,
)
from .schema import FORMAT, UNIT_SEPARATOR, VERSION


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _moment(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _number(value: Decimal | None):
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def unit_paths() -> tuple[dict[int, str], dict[int, Unit]]:
    """Every unit's path of Finnish names ("Sivistyspalvelut / Varhaiskasvatus"), in one query."""
    units = {u.id: u for u in db.session.scalars(select(Unit))}
    paths: dict[int, str] = {}

    def path_of(unit_id: int, depth: int = 0) -> str:
        if unit_id not in paths:
            unit = units[unit_id]
            own = unit.name.get("fi") or next(iter(unit.name.values()), "") or f"#{unit.id}"
            parent = path_of(unit.parent_id, depth + 1) if unit.parent_id and depth < 50 else None
            paths[unit_id] = f"{parent}{UNIT_SEPARATOR}{own}" if parent else own
        return paths[unit_id]

    for unit_id in units:
        path_of(unit_id)
    return paths, units


class Exporter:
    def __init__(self, workspace: Workspace) -> None:
        self.ws = workspace
        self.user_ids: set[int] = set()
        self.unit_ids: set[int] = set()
        self.emails: dict[int, str] = {}
        self.paths: dict[int, str] = {}

    def person(self, user_id: int | None) -> str | None:
        if user_id is None:
            return None
        self.user_ids.add(user_id)
        return user_id  # replaced by the email once people are loaded (see `resolve`)

    def unit(self, unit_id: int | None):
        if unit_id is None:
            return None
        self.unit_ids.add(unit_id)
        return ("unit", unit_id)

    def run(self) -> dict:
        ws_id = sa_inspect(self.ws).identity[0]  # without refreshing an expired instance
        workspace = db.session.scalar(
            select(Workspace)
            .where(Workspace.id == ws_id)
            .options(
                selectinload(Workspace.themes)
                .selectinload(Theme.measures)
                .selectinload(Measure.indicators)
                .selectinload(Indicator.readings),
                selectinload(Workspace.themes).selectinload(Theme.activities).selectinload(Activity.options),
                selectinload(Workspace.memberships),
            )
            .execution_options(populate_existing=True)
        )
        themes = workspace.themes
        activity_ids = [a.id for t in themes for a in t.activities]
        self.theme_keys = {t.id: f"T{i + 1}" for i, t in enumerate(themes)}
        self.measure_keys = {m.id: f"M{i + 1}" for i, m in enumerate(m for t in themes for m in t.measures)}
        self.activity_keys = {
            a.id: f"A{i + 1}" for i, a in enumerate(a for t in themes for a in t.activities)
        }
        self.option_keys = {
            o.id: f"O{i + 1}"
            for i, o in enumerate(o for t in themes for a in t.activities for o in a.options)
        }

        ideas = list(
            db.session.scalars(
                select(Idea)
                .where(Idea.workspace_id == ws_id)
                .options(selectinload(Idea.history))
                .order_by(Idea.created_at, Idea.id)
            )
        )
        self.idea_keys = {i.id: f"I{n + 1}" for n, i in enumerate(ideas)}
        comments = list(
            db.session.scalars(
                select(Comment).where(Comment.workspace_id == ws_id).order_by(Comment.created_at, Comment.id)
            )
        )
        self.comment_keys = {c.id: f"C{n + 1}" for n, c in enumerate(comments)}
        notes = list(
            db.session.scalars(
                select(Note).where(Note.workspace_id == ws_id).order_by(Note.created_at, Note.id)
            )
        )
        self.note_keys = {n.id: f"N{i + 1}" for i, n in enumerate(notes)}

        likes = defaultdict(list)
        for comment_id, user_id in db.session.execute(
            select(CommentLike.comment_id, CommentLike.user_id)
            .join(Comment, Comment.id == CommentLike.comment_id)
            .where(Comment.workspace_id == ws_id)
        ):
            likes[comment_id].append(self.person(user_id))
        supports = defaultdict(list)
        for s in db.session.scalars(
            select(IdeaSupport).join(Idea, Idea.id == IdeaSupport.idea_id).where(Idea.workspace_id == ws_id)
        ):
            supports[s.idea_id].append({"person": self.person(s.user_id), "at": _moment(s.created_at)})
        answers = defaultdict(list)
        answer_rows = (
            db.session.scalars(
                select(Answer)
                .where(Answer.activity_id.in_(activity_ids))
                .options(selectinload(Answer.choices))
            )
            if activity_ids
            else []
        )
        for a in answer_rows:
            answers[a.activity_id].append(
                {
                    "on": _day(a.answered_on),
                    "options": sorted(self.option_keys[c.option_id] for c in a.choices),
                    "value": a.scale_value,
                    "unit": self.unit(a.unit_id),
                }
            )
        respondents = defaultdict(list)
        if activity_ids:
            for activity_id, user_id in db.session.execute(
                select(Respondent.activity_id, Respondent.user_id).where(
                    Respondent.activity_id.in_(activity_ids)
                )
            ):
                respondents[activity_id].append(self.person(user_id))
        groups = defaultdict(list)
        group_keys = {}
        if activity_ids:
            for g in db.session.scalars(
                select(NoteGroup)
                .where(NoteGroup.activity_id.in_(activity_ids))
                .order_by(NoteGroup.position, NoteGroup.id)
            ):
                group_keys[g.id] = f"G{len(group_keys) + 1}"
                groups[g.activity_id].append({"key": group_keys[g.id], "label": g.label})
        notes_by_activity = defaultdict(list)
        for n in notes:
            notes_by_activity[n.activity_id].append(
                {
                    "key": self.note_keys[n.id],
                    "text": n.text,
                    "author": self.person(n.author_id),
                    "unit": self.unit(n.unit_id),
                    "group": group_keys.get(n.group_id),
                    "created_at": _moment(n.created_at),
                    "hidden": self.hidden(n),
                }
            )
        quotes = defaultdict(list)
        for q in db.session.scalars(
            select(Quote).where(Quote.workspace_id == ws_id).order_by(Quote.position, Quote.id)
        ):
            quotes[q.theme_id].append(self.quote(q))
        visits = defaultdict(list)
        for membership_id, day in db.session.execute(
            select(Visit.membership_id, Visit.day)
            .join(Membership, Membership.id == Visit.membership_id)
            .where(Membership.workspace_id == ws_id)
            .order_by(Visit.day)
        ):
            visits[membership_id].append(_day(day))

        comment_tree = self.comment_tree(comments, likes)
        themes_out = []
        for t in themes:
            themes_out.append(
                {
                    "key": self.theme_keys[t.id],
                    "title": t.title,
                    "introduction": t.introduction,
                    "measures": [self.measure(m, comment_tree) for m in t.measures],
                    "activities": [
                        self.activity(a, answers, respondents, groups, notes_by_activity, comment_tree)
                        for a in t.activities
                    ],
                    "comments": comment_tree.get(("theme", t.id), []),
                    "quotes": quotes.get(t.id, []),
                }
            )
        memberships = [
            {
                "person": self.person(m.user_id),
                "role": m.role.value,
                "invited_at": _moment(m.invited_at),
                "invited_by": self.person(m.invited_by_id),
                "first_visit_at": _moment(m.first_visit_at),
                "last_visit_at": _moment(m.last_visit_at),
                "visit_count": m.visit_count,
                "first_contribution_at": _moment(m.first_contribution_at),
                "last_reminded_at": _moment(m.last_reminded_at),
                "visits": visits.get(m.id, []),
            }
            for m in workspace.memberships
        ]
        ideas_out = [self.idea(i, supports, comment_tree) for i in ideas]
        snapshots = list(
            db.session.scalars(
                select(ProgrammeSnapshot)
                .where(ProgrammeSnapshot.workspace_id == ws_id)
                .order_by(ProgrammeSnapshot.version)
            )
        )
        programme_versions = [
            {
                "version": v.version,
                "published_at": _moment(v.published_at),
                "published_by": self.person(v.published_by_id),
                "note": v.note,
                "content": None,  # set after `resolve`: a frozen document is kept exactly as it is
            }
            for v in snapshots
        ]
        body = {
            "slug": workspace.slug,
            "title": workspace.title,
            "introduction": workspace.introduction,
            "strategy": workspace.strategy,
            "status": workspace.status.value,
            "access": workspace.access.value,
            "opens_on": _day(workspace.opens_on),
            "closes_on": _day(workspace.closes_on),
            "primary_language": workspace.primary_language,
            "min_group_size": workspace.min_group_size,
            "created_at": _moment(workspace.created_at),
            "memberships": memberships,
            "themes": themes_out,
            "ideas": ideas_out,
            "programme_versions": programme_versions,
        }
        people = self.load_people()
        units = self.unit_tree()
        body = self.resolve(body)
        for out, snapshot in zip(body["programme_versions"], snapshots, strict=True):
            out["content"] = snapshot.content
        body["memberships"].sort(key=lambda m: m["person"])
        for idea in body["ideas"]:  # stored order differs between databases
            idea["supporters"].sort(key=lambda s: (s["at"] or "", s["person"] or ""))
        for t in body["themes"]:
            for a in t["activities"]:
                a["answers"].sort(key=lambda x: (x["on"], x["options"], x["value"] or 0, x["unit"] or ""))
                a["respondents"].sort()
        return {"format": FORMAT, "version": VERSION, "units": units, "people": people, "workspace": body}

    def hidden(self, obj) -> dict | None:
        if obj.hidden_at is None:
            return None
        return {
            "at": _moment(obj.hidden_at),
            "reason": obj.hidden_reason,
            "by": self.person(obj.hidden_by_id),
        }

    def comment_tree(self, comments: list[Comment], likes) -> dict:
        """Comments grouped by what they are on, replies nested under their parent."""
        by_id, tree = {}, defaultdict(list)
        for c in comments:
            by_id[c.id] = {
                "key": self.comment_keys[c.id],
                "body": c.body,
                "author": self.person(c.author_id),
                "unit": self.unit(c.unit_id),
                "on_behalf_of_unit": c.on_behalf_of_unit,
                "created_at": _moment(c.created_at),
                "edited_at": _moment(c.edited_at),
                "withdrawn_at": _moment(c.withdrawn_at),
                "hidden": self.hidden(c),
                "liked_by": likes.get(c.id, []),
                "replies": [],
            }
        for c in comments:
            if c.parent_id and c.parent_id in by_id:
                by_id[c.parent_id]["replies"].append(by_id[c.id])
                continue
            target = next(
                (k, v)
                for k, v in (
                    ("theme", c.theme_id),
                    ("measure", c.measure_id),
                    ("activity", c.activity_id),
                    ("idea", c.idea_id),
                )
                if v
            )
            tree[target].append(by_id[c.id])
        return tree

    def measure(self, m: Measure, comment_tree) -> dict:
        return {
            "key": self.measure_keys[m.id],
            "goal": m.goal,
            "text": m.text,
            "schedule": m.schedule,
            "responsible": m.responsible,
            "status": m.status.value,
            "origin_idea": self.idea_keys.get(m.origin_idea_id),
            "indicators": [
                {
                    "description": i.description,
                    "unit_of_measure": i.unit_of_measure,
                    "baseline_year": i.baseline_year,
                    "baseline_value": _number(i.baseline_value),
                    "baseline_source": i.baseline_source,
                    "comparator": i.comparator.value,
                    "target_value": _number(i.target_value),
                    "target_text": i.target_text,
                    "readings": [
                        {"year": r.year, "value": _number(r.value), "note": r.note} for r in i.readings
                    ],
                }
                for i in m.indicators
            ],
            "comments": comment_tree.get(("measure", m.id), []),
        }

    def activity(self, a: Activity, answers, respondents, groups, notes, comment_tree) -> dict:
        return {
            "key": self.activity_keys[a.id],
            "kind": a.kind.value,
            "title": a.title,
            "prompt": a.prompt,
            "status": a.status.value,
            "is_anonymous": a.is_anonymous,
            "results_visibility": a.results_visibility.value,
            "answers_changeable": a.answers_changeable,
            "max_selections": a.max_selections,
            "in_programme": a.in_programme,
            "programme_position": a.programme_position,
            "options": [
                {
                    "key": self.option_keys[o.id],
                    "label": o.label,
                    "measure": self.measure_keys.get(o.measure_id),
                }
                for o in a.options
            ],
            "answers": answers.get(a.id, []),
            "respondents": respondents.get(a.id, []),
            "note_groups": groups.get(a.id, []),
            "notes": notes.get(a.id, []),
            "comments": comment_tree.get(("activity", a.id), []),
        }

    def idea(self, i: Idea, supports, comment_tree) -> dict:
        return {
            "key": self.idea_keys[i.id],
            "title": i.title,
            "body": i.body,
            "theme": self.theme_keys.get(i.theme_id),
            "author": self.person(i.author_id),
            "unit": self.unit(i.unit_id),
            "status": i.status.value,
            "status_reason": i.status_reason,
            "merged_into": self.idea_keys.get(i.merged_into_id),
            "created_at": _moment(i.created_at),
            "hidden": self.hidden(i),
            "supporters": supports.get(i.id, []),
            "history": [
                {
                    "from": h.from_status.value if h.from_status else None,
                    "to": h.to_status.value,
                    "reason": h.reason,
                    "by": self.person(h.changed_by_id),
                    "at": _moment(h.changed_at),
                }
                for h in i.history
            ],
            "comments": comment_tree.get(("idea", i.id), []),
        }

    def quote(self, q: Quote) -> dict:
        source = None
        if q.comment_id in self.comment_keys:
            source = {"comment": self.comment_keys[q.comment_id]}
        elif q.note_id in self.note_keys:
            source = {"note": self.note_keys[q.note_id]}
        elif q.idea_id in self.idea_keys:
            source = {"idea": self.idea_keys[q.idea_id]}
        return {
            "excerpt": q.excerpt,
            "language": q.language,
            "attribution": q.attribution.value,
            "attributed_unit": q.attributed_unit,
            "attributed_name": q.attributed_name,
            "source": source,
            "created_at": _moment(q.created_at),
        }

    def load_people(self) -> list[dict]:
        users = (
            list(db.session.scalars(select(User).where(User.id.in_(self.user_ids)))) if self.user_ids else []
        )
        self.emails = {u.id: u.email for u in users}
        self.paths, self.units = unit_paths()
        for u in users:
            if u.unit_id:
                self.unit_ids.add(u.unit_id)
        return sorted(
            (
                {
                    "email": u.email,
                    "name": u.name,
                    "role": u.role.value,
                    "unit": self.paths.get(u.unit_id),
                    "locale": u.locale,
                    "consents_to_named_quotes": u.consents_to_named_quotes,
                }
                for u in users
            ),
            key=lambda p: p["email"],
        )

    def unit_tree(self) -> list[dict]:
        """The units referenced, with their ancestors, as a nested tree sorted by name."""
        wanted: set[int] = set()
        for unit_id in self.unit_ids:
            while unit_id and unit_id not in wanted and unit_id in self.units:
                wanted.add(unit_id)
                unit_id = self.units[unit_id].parent_id
        children = defaultdict(list)
        for unit_id in wanted:
            children[self.units[unit_id].parent_id].append(self.units[unit_id])

        def node(u: Unit) -> dict:
            return {
                "name": u.name,
                "code": u.code,
                "units": [node(c) for c in sorted(children[u.id], key=lambda c: self.paths[c.id])],
            }

        return [node(u) for u in sorted(children[None], key=lambda u: self.paths[u.id])]

    def resolve(self, value):
        """Replace the user ids and unit markers collected on the way by emails and unit paths."""
        if isinstance(value, dict):
            out = {}
            for k, v in value.items():
                if (
                    k in ("person", "author", "by", "invited_by", "published_by")
                    and isinstance(v, int)
                    and not isinstance(v, bool)
                ):
                    out[k] = self.emails.get(v)
                elif k in ("liked_by", "respondents"):
                    out[k] = sorted(self.emails[v] for v in v if v in self.emails)
                else:
                    out[k] = self.resolve(v)
            return out
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if isinstance(value, tuple) and value and value[0] == "unit":
            return self.paths.get(value[1])
        return value
