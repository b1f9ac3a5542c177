"""Export a workspace to the workspace JSON document, and import one (docs/workspace-json.md).

Both are plain functions: they flush, never commit. The export loads everything in a fixed number of
queries (no query per row); the import validates the whole document first (schema.parse_document),
so a bad document leaves nothing behind.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import selectinload
from werkzeug.security import generate_password_hash

from .. import audit
from ..extensions import db
from ..models import (
    Activity,
    Answer,
    AnswerChoice,
    Comment,
    CommentLike,
    Idea,
    IdeaStatusChange,
    IdeaSupport,
    Indicator,
    IndicatorReading,
    Measure,
    Membership,
    Note,
    NoteGroup,
    Option,
    Quote,
    Respondent,
    Theme,
    Unit,
    User,
    Visit,
    Workspace,
)
from .schema import FORMAT, UNIT_SEPARATOR, VERSION, TransferError, parse_document

# --- export ---------------------------------------------------------------------------------


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


def export_workspace(workspace: Workspace) -> dict:
    """The workspace as a version-1 document: structure, content, aggregated answers, people."""
    return _Exporter(workspace).run()


class _Exporter:
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
            select(Workspace).where(Workspace.id == ws_id).options(
                selectinload(Workspace.themes).selectinload(Theme.measures)
                .selectinload(Measure.indicators).selectinload(Indicator.readings),
                selectinload(Workspace.themes).selectinload(Theme.activities).selectinload(Activity.options),
                selectinload(Workspace.memberships),
            ).execution_options(populate_existing=True)
        )
        themes = workspace.themes
        activity_ids = [a.id for t in themes for a in t.activities]
        self.theme_keys = {t.id: f"T{i + 1}" for i, t in enumerate(themes)}
        self.measure_keys = {m.id: f"M{i + 1}" for i, m in enumerate(m for t in themes for m in t.measures)}
        self.activity_keys = {a.id: f"A{i + 1}" for i, a in enumerate(a for t in themes for a in t.activities)}
        self.option_keys = {o.id: f"O{i + 1}" for i, o in enumerate(
            o for t in themes for a in t.activities for o in a.options)}

        ideas = list(db.session.scalars(
            select(Idea).where(Idea.workspace_id == ws_id)
            .options(selectinload(Idea.history)).order_by(Idea.created_at, Idea.id)
        ))
        self.idea_keys = {i.id: f"I{n + 1}" for n, i in enumerate(ideas)}
        comments = list(db.session.scalars(
            select(Comment).where(Comment.workspace_id == ws_id).order_by(Comment.created_at, Comment.id)
        ))
        self.comment_keys = {c.id: f"C{n + 1}" for n, c in enumerate(comments)}
        notes = list(db.session.scalars(
            select(Note).where(Note.workspace_id == ws_id).order_by(Note.created_at, Note.id)
        ))
        self.note_keys = {n.id: f"N{i + 1}" for i, n in enumerate(notes)}

        likes = defaultdict(list)
        for comment_id, user_id in db.session.execute(
            select(CommentLike.comment_id, CommentLike.user_id)
            .join(Comment, Comment.id == CommentLike.comment_id).where(Comment.workspace_id == ws_id)
        ):
            likes[comment_id].append(self.person(user_id))
        supports = defaultdict(list)
        for s in db.session.scalars(
            select(IdeaSupport).join(Idea, Idea.id == IdeaSupport.idea_id).where(Idea.workspace_id == ws_id)
        ):
            supports[s.idea_id].append({"person": self.person(s.user_id), "at": _moment(s.created_at)})
        answers = defaultdict(list)
        answer_rows = db.session.scalars(
            select(Answer).where(Answer.activity_id.in_(activity_ids)).options(selectinload(Answer.choices))
        ) if activity_ids else []
        for a in answer_rows:
            answers[a.activity_id].append({
                "on": _day(a.answered_on),
                "options": sorted(self.option_keys[c.option_id] for c in a.choices),
                "value": a.scale_value,
                "unit": self.unit(a.unit_id),
            })
        respondents = defaultdict(list)
        if activity_ids:
            for activity_id, user_id in db.session.execute(
                select(Respondent.activity_id, Respondent.user_id).where(Respondent.activity_id.in_(activity_ids))
            ):
                respondents[activity_id].append(self.person(user_id))
        groups = defaultdict(list)
        group_keys = {}
        if activity_ids:
            for g in db.session.scalars(
                select(NoteGroup).where(NoteGroup.activity_id.in_(activity_ids))
                .order_by(NoteGroup.position, NoteGroup.id)
            ):
                group_keys[g.id] = f"G{len(group_keys) + 1}"
                groups[g.activity_id].append({"key": group_keys[g.id], "label": g.label})
        notes_by_activity = defaultdict(list)
        for n in notes:
            notes_by_activity[n.activity_id].append({
                "key": self.note_keys[n.id], "text": n.text, "author": self.person(n.author_id),
                "unit": self.unit(n.unit_id), "group": group_keys.get(n.group_id),
                "created_at": _moment(n.created_at), "hidden": self.hidden(n),
            })
        quotes = defaultdict(list)
        for q in db.session.scalars(
            select(Quote).where(Quote.workspace_id == ws_id).order_by(Quote.position, Quote.id)
        ):
            quotes[q.theme_id].append(self.quote(q))
        visits = defaultdict(list)
        for membership_id, day in db.session.execute(
            select(Visit.membership_id, Visit.day).join(Membership, Membership.id == Visit.membership_id)
            .where(Membership.workspace_id == ws_id).order_by(Visit.day)
        ):
            visits[membership_id].append(_day(day))

        comment_tree = self.comment_tree(comments, likes)
        themes_out = []
        for t in themes:
            themes_out.append({
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
            })
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
        }
        people = self.load_people()
        units = self.unit_tree()
        body = self.resolve(body)
        body["memberships"].sort(key=lambda m: m["person"])
        for t in body["themes"]:
            for a in t["activities"]:
                a["answers"].sort(key=lambda x: (x["on"], x["options"], x["value"] or 0, x["unit"] or ""))
                a["respondents"].sort()
        return {"format": FORMAT, "version": VERSION, "units": units, "people": people, "workspace": body}

    def hidden(self, obj) -> dict | None:
        if obj.hidden_at is None:
            return None
        return {"at": _moment(obj.hidden_at), "reason": obj.hidden_reason, "by": self.person(obj.hidden_by_id)}

    def comment_tree(self, comments: list[Comment], likes) -> dict:
        """Comments grouped by what they are on, replies nested under their parent."""
        by_id, tree = {}, defaultdict(list)
        for c in comments:
            by_id[c.id] = {
                "key": self.comment_keys[c.id], "body": c.body, "author": self.person(c.author_id),
                "unit": self.unit(c.unit_id), "on_behalf_of_unit": c.on_behalf_of_unit,
                "created_at": _moment(c.created_at), "edited_at": _moment(c.edited_at),
                "withdrawn_at": _moment(c.withdrawn_at), "hidden": self.hidden(c),
                "liked_by": likes.get(c.id, []), "replies": [],
            }
        for c in comments:
            if c.parent_id and c.parent_id in by_id:
                by_id[c.parent_id]["replies"].append(by_id[c.id])
                continue
            target = next((k, v) for k, v in (("theme", c.theme_id), ("measure", c.measure_id),
                                              ("activity", c.activity_id), ("idea", c.idea_id)) if v)
            tree[target].append(by_id[c.id])
        return tree

    def measure(self, m: Measure, comment_tree) -> dict:
        return {
            "key": self.measure_keys[m.id],
            "goal": m.goal, "text": m.text, "schedule": m.schedule, "responsible": m.responsible,
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
                    "readings": [{"year": r.year, "value": _number(r.value), "note": r.note} for r in i.readings],
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
                {"key": self.option_keys[o.id], "label": o.label, "measure": self.measure_keys.get(o.measure_id)}
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
                {"from": h.from_status.value if h.from_status else None, "to": h.to_status.value,
                 "reason": h.reason, "by": self.person(h.changed_by_id), "at": _moment(h.changed_at)}
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
            "excerpt": q.excerpt, "language": q.language, "attribution": q.attribution.value,
            "attributed_unit": q.attributed_unit, "attributed_name": q.attributed_name,
            "source": source, "created_at": _moment(q.created_at),
        }

    def load_people(self) -> list[dict]:
        users = list(db.session.scalars(select(User).where(User.id.in_(self.user_ids)))) if self.user_ids else []
        self.emails = {u.id: u.email for u in users}
        self.paths, self.units = unit_paths()
        for u in users:
            if u.unit_id:
                self.unit_ids.add(u.unit_id)
        return sorted(
            (
                {"email": u.email, "name": u.name, "role": u.role.value,
                 "unit": self.paths.get(u.unit_id), "locale": u.locale,
                 "consents_to_named_quotes": u.consents_to_named_quotes}
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
            return {"name": u.name, "code": u.code,
                    "units": [node(c) for c in sorted(children[u.id], key=lambda c: self.paths[c.id])]}

        return [node(u) for u in sorted(children[None], key=lambda u: self.paths[u.id])]

    def resolve(self, value):
        """Replace the user ids and unit markers collected on the way by emails and unit paths."""
        if isinstance(value, dict):
            out = {}
            for k, v in value.items():
                if k in ("person", "author", "by", "invited_by") and isinstance(v, int) and not isinstance(v, bool):
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


# --- import ---------------------------------------------------------------------------------


def import_workspace(data, actor: User | None = None) -> Workspace:
    """Create the workspace a document describes, with any missing units and people.

    Raises TransferError (nothing written) when the document is invalid or its slug is taken.
    """
    doc = parse_document(data)
    spec = doc["workspace"]
    if db.session.scalar(select(Workspace.id).where(Workspace.slug == spec["slug"])):
        raise TransferError([
            f"workspace.slug: a workspace {spec['slug']!r} already exists; "
            "change the slug in the file to import it as a new workspace"
        ])
    units = _ensure_units(doc)
    people = _ensure_people(doc, units)
    return _Importer(units, people).build(spec, actor)


def _ensure_units(doc: dict) -> dict[str, Unit]:
    """Find or create every unit of the document; return every known unit by path."""
    paths, existing = unit_paths()
    by_path = {p: existing[i] for i, p in paths.items()}
    by_code = {u.code: u for u in existing.values() if u.code}
    missing = [(kind, v, p) for kind, v, p in doc["refs"] if kind == "unit"
               and v not in by_path and v not in {u["path"] for u in doc["units"]}]
    if missing:
        raise TransferError([f"{p}: no unit {v!r} in this file or in the database" for _, v, p in missing])
    for spec in doc["units"]:
        unit = by_code.get(spec["code"]) if spec["code"] else None
        unit = unit or by_path.get(spec["path"])
        if unit is None:
            unit = Unit(name=spec["name"], code=spec["code"],
                        parent=by_path.get(spec["parent"]) if spec["parent"] else None)
            db.session.add(unit)
        by_path[spec["path"]] = unit
    db.session.flush()
    return by_path


def _ensure_people(doc: dict, units: dict[str, Unit]) -> dict[str, User]:
    """Find people by email (case-insensitive) or create those listed; existing people are kept as they are."""
    emails = {e for kind, e, _ in doc["refs"] if kind == "person"} | {p["email"] for p in doc["people"]}
    found = {
        u.email.lower(): u
        for u in db.session.scalars(select(User).where(func.lower(User.email).in_(emails)))
    } if emails else {}
    listed = {p["email"] for p in doc["people"]}
    missing = [(e, p) for kind, e, p in doc["refs"] if kind == "person" and e not in found and e not in listed]
    if missing:
        raise TransferError([f"{p}: no person {e} in this file's people or in the database" for e, p in missing])
    hashes: dict[str, str] = {}
    for spec in doc["people"]:
        if spec["email"] in found:
            continue
        user = User(email=spec["email"], name=spec["name"], role=spec["role"], locale=spec["locale"],
                    unit=units.get(spec["unit"]) if spec["unit"] else None,
                    consents_to_named_quotes=spec["consents_to_named_quotes"])
        if spec["password"]:
            # One hash per distinct password: the demo gives many people the same one.
            if spec["password"] not in hashes:
                hashes[spec["password"]] = generate_password_hash(spec["password"])
            user.password_hash = hashes[spec["password"]]
        db.session.add(user)
        found[spec["email"]] = user
    db.session.flush()
    return found


class _Importer:
    def __init__(self, units: dict[str, Unit], people: dict[str, User]) -> None:
        self.units = units
        self.people = people

    def uid(self, email: str | None) -> int | None:
        return self.people[email].id if email else None

    def unit_id(self, path: str | None) -> int | None:
        return self.units[path].id if path else None

    def build(self, spec: dict, actor: User | None) -> Workspace:
        ws = Workspace(
            slug=spec["slug"], title=spec["title"], introduction=spec["introduction"],
            strategy=spec["strategy"], status=spec["status"], access=spec["access"],
            opens_on=spec["opens_on"], closes_on=spec["closes_on"],
            primary_language=spec["primary_language"], min_group_size=spec["min_group_size"],
            created_by_id=getattr(actor, "id", None),
        )
        if spec["created_at"]:
            ws.created_at = spec["created_at"]
        self.themes, self.measures, self.activities, self.options = {}, {}, {}, {}
        for tpos, t in enumerate(spec["themes"]):
            theme = Theme(position=tpos, title=t["title"], introduction=t["introduction"])
            ws.themes.append(theme)
            self.themes[t["key"]] = theme
            for mpos, m in enumerate(t["measures"]):
                measure = Measure(position=mpos, goal=m["goal"], text=m["text"], schedule=m["schedule"],
                                  responsible=m["responsible"], status=m["status"])
                for ipos, i in enumerate(m["indicators"]):
                    measure.indicators.append(Indicator(
                        position=ipos, description=i["description"], unit_of_measure=i["unit_of_measure"],
                        baseline_year=i["baseline_year"], baseline_value=i["baseline_value"],
                        baseline_source=i["baseline_source"], comparator=i["comparator"],
                        target_value=i["target_value"], target_text=i["target_text"],
                        readings=[IndicatorReading(year=r["year"], value=r["value"], note=r["note"])
                                  for r in i["readings"]],
                    ))
                theme.measures.append(measure)
                self.measures[m["key"]] = measure
            for apos, a in enumerate(t["activities"]):
                activity = Activity(
                    position=apos, kind=a["kind"], title=a["title"], prompt=a["prompt"], status=a["status"],
                    is_anonymous=a["is_anonymous"], results_visibility=a["results_visibility"],
                    answers_changeable=a["answers_changeable"], max_selections=a["max_selections"],
                    in_programme=a["in_programme"], programme_position=a["programme_position"],
                )
                for opos, o in enumerate(a["options"]):
                    option = Option(position=opos, label=o["label"], measure=self.measures.get(o["measure"]))
                    activity.options.append(option)
                    self.options[(a["key"], o["key"])] = option
                theme.activities.append(activity)
                self.activities[a["key"]] = activity
        db.session.add(ws)
        db.session.flush()
        # Options may point at measures of a later theme: set them now that every measure exists.
        for t in spec["themes"]:
            for a in t["activities"]:
                for o in a["options"]:
                    if o["measure"]:
                        self.options[(a["key"], o["key"])].measure_id = self.measures[o["measure"]].id
        self.ws = ws
        self.build_ideas(spec["ideas"])
        self.build_content(spec)
        self.build_memberships(spec["memberships"])
        db.session.flush()
        audit.record(actor, "workspace.import", ws, workspace_id=ws.id, slug=ws.slug)
        return ws

    def build_ideas(self, ideas: list[dict]) -> None:
        self.ideas = {}
        for i in ideas:
            idea = Idea(
                workspace_id=self.ws.id, theme_id=self.themes[i["theme"]].id if i["theme"] else None,
                title=i["title"], body=i["body"], author_id=self.uid(i["author"]), unit_id=self.unit_id(i["unit"]),
                status=i["status"], status_reason=i["status_reason"],
            )
            self._stamp(idea, i)
            idea.history = [
                IdeaStatusChange(from_status=h["from"], to_status=h["to"], reason=h["reason"],
                                 changed_by_id=self.uid(h["by"]), **({"changed_at": h["at"]} if h["at"] else {}))
                for h in i["history"]
            ]
            db.session.add(idea)
            self.ideas[i["key"]] = idea
        db.session.flush()
        for i in ideas:
            idea = self.ideas[i["key"]]
            if i["merged_into"]:
                idea.merged_into_id = self.ideas[i["merged_into"]].id
            for s in i["supporters"]:
                db.session.add(IdeaSupport(idea_id=idea.id, user_id=self.uid(s["person"]),
                                           **({"created_at": s["at"]} if s["at"] else {})))

    def _stamp(self, obj, spec: dict) -> None:
        if spec.get("created_at"):
            obj.created_at = spec["created_at"]
        hidden = spec.get("hidden")
        if hidden:
            obj.hidden_at, obj.hidden_reason, obj.hidden_by_id = hidden["at"], hidden["reason"], self.uid(hidden["by"])

    def build_content(self, spec: dict) -> None:
        self.comments, self.notes = {}, {}
        for t in spec["themes"]:
            theme = self.themes[t["key"]]
            self.add_comments(t["comments"], theme_id=theme.id)
            for m in t["measures"]:
                measure = self.measures[m["key"]]
                if m["origin_idea"]:
                    measure.origin_idea_id = self.ideas[m["origin_idea"]].id
                self.add_comments(m["comments"], measure_id=measure.id)
            for a in t["activities"]:
                activity = self.activities[a["key"]]
                self.add_comments(a["comments"], activity_id=activity.id)
                self.add_answers(activity, a)
                groups = {}
                for gpos, g in enumerate(a["note_groups"]):
                    groups[g["key"]] = NoteGroup(activity_id=activity.id, label=g["label"], position=gpos)
                    db.session.add(groups[g["key"]])
                db.session.flush()
                for n in a["notes"]:
                    note = Note(workspace_id=self.ws.id, activity_id=activity.id, text=n["text"],
                                author_id=self.uid(n["author"]), unit_id=self.unit_id(n["unit"]),
                                group_id=groups[n["group"]].id if n["group"] else None)
                    self._stamp(note, n)
                    db.session.add(note)
                    if n["key"]:
                        self.notes[n["key"]] = note
        for i in spec["ideas"]:
            self.add_comments(i["comments"], idea_id=self.ideas[i["key"]].id)
        db.session.flush()
        for t in spec["themes"]:
            for qpos, q in enumerate(t["quotes"]):
                quote = Quote(
                    workspace_id=self.ws.id, theme_id=self.themes[t["key"]].id, position=qpos,
                    excerpt=q["excerpt"], language=q["language"], attribution=q["attribution"],
                    attributed_unit=q["attributed_unit"], attributed_name=q["attributed_name"],
                )
                if q["source"]:
                    kind, key = q["source"]
                    source = {"comment": self.comments, "note": self.notes, "idea": self.ideas}[kind][key]
                    setattr(quote, f"{kind}_id", source.id)
                if q["created_at"]:
                    quote.created_at = q["created_at"]
                db.session.add(quote)

    def add_comments(self, comments: list[dict], parent: Comment | None = None, **target) -> None:
        for c in comments:
            comment = Comment(
                workspace_id=self.ws.id, parent=parent, body=c["body"], author_id=self.uid(c["author"]),
                unit_id=self.unit_id(c["unit"]), on_behalf_of_unit=c["on_behalf_of_unit"],
                edited_at=c["edited_at"], withdrawn_at=c["withdrawn_at"], **target,
            )
            self._stamp(comment, c)
            db.session.add(comment)
            if c["key"]:
                self.comments[c["key"]] = comment
            if c["liked_by"]:
                db.session.flush()
                for email in c["liked_by"]:
                    db.session.add(CommentLike(comment_id=comment.id, user_id=self.uid(email)))
            self.add_comments(c["replies"], parent=comment, **target)

    def add_answers(self, activity: Activity, spec: dict) -> None:
        for a in spec["answers"]:
            answer = Answer(activity_id=activity.id, answered_on=a["on"], scale_value=a["value"],
                            unit_id=self.unit_id(a["unit"]))
            answer.choices = [AnswerChoice(option_id=self.options[(spec["key"], k)].id) for k in a["options"]]
            db.session.add(answer)
        # The document keeps no date per respondent (a date could be lined up with an answer's).
        for email in spec["respondents"]:
            db.session.add(Respondent(activity_id=activity.id, user_id=self.uid(email), answered_on=date.today()))

    def build_memberships(self, memberships: list[dict]) -> None:
        created = []
        for m in memberships:
            membership = Membership(
                workspace_id=self.ws.id, user_id=self.uid(m["person"]), role=m["role"],
                invited_at=m["invited_at"], invited_by_id=self.uid(m["invited_by"]),
                first_visit_at=m["first_visit_at"], last_visit_at=m["last_visit_at"],
                visit_count=m["visit_count"], first_contribution_at=m["first_contribution_at"],
                last_reminded_at=m["last_reminded_at"],
            )
            db.session.add(membership)
            created.append((membership, m["visits"]))
        db.session.flush()
        db.session.add_all(
            Visit(membership_id=membership.id, day=day) for membership, days in created for day in days
        )
