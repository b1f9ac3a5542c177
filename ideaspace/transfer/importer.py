"""Create a workspace, and any missing units and people, from a validated workspace document."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, insert, select
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
    ProgrammeSnapshot,
    Quote,
    Respondent,
    Theme,
    Unit,
    User,
    Visit,
    Workspace,
)
from ..models.ballot import Ballot, BallotKind
from ..workshops.models import Guest, GuestResponse, Workshop, WorkshopStatus, WorkshopStep
from ..workshops.service import new_code
from . import images
from .exporter import unit_paths
from .schema import TransferError


def ensure_units(doc: dict) -> dict[str, Unit]:
    """Find or create every unit of the document; return every known unit by path."""
    paths, existing = unit_paths()
    by_path = {p: existing[i] for i, p in paths.items()}
    by_code = {u.code: u for u in existing.values() if u.code}
    missing = [
        (kind, v, p)
        for kind, v, p in doc["refs"]
        if kind == "unit" and v not in by_path and v not in {u["path"] for u in doc["units"]}
    ]
    if missing:
        raise TransferError([f"{p}: no unit {v!r} in this file or in the database" for _, v, p in missing])
    for spec in doc["units"]:
        unit = by_code.get(spec["code"]) if spec["code"] else None
        unit = unit or by_path.get(spec["path"])
        if unit is None:
            unit = Unit(
                name=spec["name"],
                code=spec["code"],
                parent=by_path.get(spec["parent"]) if spec["parent"] else None,
            )
            db.session.add(unit)
        by_path[spec["path"]] = unit
    db.session.flush()
    return by_path


def ensure_people(doc: dict, units: dict[str, Unit]) -> dict[str, User]:
    """Find people by email (case-insensitive) or create the listed ones; existing people stay as they are."""
    emails = {e for kind, e, _ in doc["refs"] if kind == "person"} | {p["email"] for p in doc["people"]}
    found = (
        {
            u.email.lower(): u
            for u in db.session.scalars(select(User).where(func.lower(User.email).in_(emails)))
        }
        if emails
        else {}
    )
    listed = {p["email"] for p in doc["people"]}
    missing = [
        (e, p) for kind, e, p in doc["refs"] if kind == "person" and e not in found and e not in listed
    ]
    if missing:
        raise TransferError(
            [f"{p}: no person {e} in this file's people or in the database" for e, p in missing]
        )
    hashes: dict[str, str] = {}
    for spec in doc["people"]:
        if spec["email"] in found:
            continue
        user = User(
            email=spec["email"],
            name=spec["name"],
            role=spec["role"],
            locale=spec["locale"],
            unit=units.get(spec["unit"]) if spec["unit"] else None,
            consents_to_named_quotes=spec["consents_to_named_quotes"],
        )
        if spec["password"]:
            # One hash per distinct password: the demo gives many people the same one.
            if spec["password"] not in hashes:
                hashes[spec["password"]] = generate_password_hash(spec["password"])
            user.password_hash = hashes[spec["password"]]
        db.session.add(user)
        found[spec["email"]] = user
    db.session.flush()
    return found


class Importer:
    def __init__(self, units: dict[str, Unit], people: dict[str, User]) -> None:
        self.units = units
        self.people = people

    def uid(self, email: str | None) -> int | None:
        return self.people[email].id if email else None

    def unit_id(self, path: str | None) -> int | None:
        return self.units[path].id if path else None

    def build(self, spec: dict, actor: User | None) -> Workspace:
        ws = Workspace(
            slug=spec["slug"],
            title=spec["title"],
            introduction=spec["introduction"],
            # The Markdown sources as schema.py read them (or made them from the HTML).
            introduction_source=spec["introduction_source"],
            strategy=spec["strategy"],
            status=spec["status"],
            access=spec["access"],
            opens_on=spec["opens_on"],
            closes_on=spec["closes_on"],
            primary_language=spec["primary_language"],
            min_group_size=spec["min_group_size"],
            created_by_id=getattr(actor, "id", None),
        )
        if spec["created_at"]:
            ws.created_at = spec["created_at"]
        self.themes, self.measures, self.activities, self.options = {}, {}, {}, {}
        for tpos, t in enumerate(spec["themes"]):
            theme = Theme(
                position=tpos,
                title=t["title"],
                introduction=t["introduction"],
                introduction_source=t["introduction_source"],
            )
            ws.themes.append(theme)
            self.themes[t["key"]] = theme
            for mpos, m in enumerate(t["measures"]):
                measure = Measure(
                    position=mpos,
                    goal=m["goal"],
                    text=m["text"],
                    schedule=m["schedule"],
                    responsible=m["responsible"],
                    status=m["status"],
                )
                for ipos, i in enumerate(m["indicators"]):
                    measure.indicators.append(
                        Indicator(
                            position=ipos,
                            description=i["description"],
                            unit_of_measure=i["unit_of_measure"],
                            baseline_year=i["baseline_year"],
                            baseline_value=i["baseline_value"],
                            baseline_source=i["baseline_source"],
                            comparator=i["comparator"],
                            target_value=i["target_value"],
                            target_text=i["target_text"],
                            readings=[
                                IndicatorReading(year=r["year"], value=r["value"], note=r["note"])
                                for r in i["readings"]
                            ],
                        )
                    )
                theme.measures.append(measure)
                self.measures[m["key"]] = measure
            for apos, a in enumerate(t["activities"]):
                activity = Activity(
                    position=apos,
                    kind=a["kind"],
                    title=a["title"],
                    prompt=a["prompt"],
                    prompt_source=a["prompt_source"],
                    status=a["status"],
                    is_anonymous=a["is_anonymous"],
                    results_visibility=a["results_visibility"],
                    answers_changeable=a["answers_changeable"],
                    max_selections=a["max_selections"],
                    in_programme=a["in_programme"],
                    programme_position=a["programme_position"],
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
        self.build_sessions(spec["sessions"])
        self.build_pending(spec.get("pending", []))
        self.build_images(spec)
        for v in spec["programme_versions"]:
            snapshot = ProgrammeSnapshot(
                workspace_id=ws.id,
                version=v["version"],
                published_by_id=self.uid(v["published_by"]),
                note=v["note"],
                content=v["content"],
            )
            if v["published_at"]:
                snapshot.published_at = v["published_at"]
            db.session.add(snapshot)
        db.session.flush()
        audit.record(actor, "workspace.import", ws, workspace_id=ws.id, slug=ws.slug)
        return ws

    def build_ideas(self, ideas: list[dict]) -> None:
        self.ideas = {}
        for i in ideas:
            idea = Idea(
                workspace_id=self.ws.id,
                theme_id=self.themes[i["theme"]].id if i["theme"] else None,
                title=i["title"],
                body=i["body"],
                body_source=i["body_source"],
                author_id=self.uid(i["author"]),
                unit_id=self.unit_id(i["unit"]),
                status=i["status"],
                status_reason=i["status_reason"],
            )
            self._stamp(idea, i)
            idea.history = [
                IdeaStatusChange(
                    from_status=h["from"],
                    to_status=h["to"],
                    reason=h["reason"],
                    changed_by_id=self.uid(h["by"]),
                    **({"changed_at": h["at"]} if h["at"] else {}),
                )
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
                db.session.add(
                    IdeaSupport(
                        idea_id=idea.id,
                        user_id=self.uid(s["person"]),
                        **({"created_at": s["at"]} if s["at"] else {}),
                    )
                )

    def build_images(self, spec: dict) -> None:
        """The workspace's and the themes' covers, the ideas' pictures, as they were stored."""
        images.restore(self, self.ws, spec.get("cover"))
        for t in spec["themes"]:
            images.restore(self, self.themes[t["key"]], t.get("cover"))
        for i in spec["ideas"]:
            images.restore(self, self.ideas[i["key"]], i.get("image"))

    def _stamp(self, obj, spec: dict) -> None:
        if spec.get("created_at"):
            obj.created_at = spec["created_at"]
        hidden = spec.get("hidden")
        if hidden:
            obj.hidden_at, obj.hidden_reason, obj.hidden_by_id = (
                hidden["at"],
                hidden["reason"],
                self.uid(hidden["by"]),
            )

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
                    note = Note(
                        workspace_id=self.ws.id,
                        activity_id=activity.id,
                        text=n["text"],
                        author_id=self.uid(n["author"]),
                        unit_id=self.unit_id(n["unit"]),
                        group_id=groups[n["group"]].id if n["group"] else None,
                    )
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
                    workspace_id=self.ws.id,
                    theme_id=self.themes[t["key"]].id,
                    position=qpos,
                    excerpt=q["excerpt"],
                    language=q["language"],
                    attribution=q["attribution"],
                    attributed_unit=q["attributed_unit"],
                    attributed_name=q["attributed_name"],
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
                workspace_id=self.ws.id,
                parent=parent,
                body=c["body"],
                body_source=c["body_source"],
                author_id=self.uid(c["author"]),
                unit_id=self.unit_id(c["unit"]),
                on_behalf_of_unit=c["on_behalf_of_unit"],
                edited_at=c["edited_at"],
                withdrawn_at=c["withdrawn_at"],
                **target,
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
            answer = Answer(
                activity_id=activity.id,
                answered_on=a["on"],
                scale_value=a["value"],
                unit_id=self.unit_id(a["unit"]),
            )
            answer.choices = [AnswerChoice(option_id=self.options[(spec["key"], k)].id) for k in a["options"]]
            db.session.add(answer)
        # The moderator's export keeps no day per respondent (a day could be lined up with an
        # answer's); the admin's backup does.
        for email, on in spec["respondents"]:
            db.session.add(
                Respondent(activity_id=activity.id, user_id=self.uid(email), answered_on=on or date.today())
            )

    def build_pending(self, pending: list[dict]) -> None:
        """The pending pool of an admin's backup, its keys made ids again (new random ballot ids)."""
        for b in pending:
            payload = dict(b["payload"])
            if "unit" in payload:
                payload["unit"] = self.unit_id(payload["unit"])
            if b["kind"] is BallotKind.ANSWER and "options" in payload:
                payload["options"] = [self.options[(b["scope"], k)].id for k in payload["options"]]
            if payload.get("theme"):
                payload["theme"] = self.themes[payload["theme"]].id
            if payload.get("parent"):
                payload["parent"] = self.comments[payload["parent"]].id
            if payload.get("target_id"):
                targets = {
                    "theme": self.themes,
                    "measure": self.measures,
                    "activity": self.activities,
                    "idea": self.ideas,
                }[payload["target"]]
                payload["target_id"] = targets[payload["target_id"]].id
            db.session.add(
                Ballot(
                    workspace_id=self.ws.id,
                    activity_id=self.activities[b["scope"]].id if b["scope"] else None,
                    kind=b["kind"],
                    contributor=b["contributor"],
                    payload=payload,
                )
            )

    def build_sessions(self, sessions: list[dict]) -> None:
        """Workshop sessions, ended (an import never opens a join code), with their guest devices:
        the first `contributed` of them contributed, and of those the first `answered[step]`
        answered the step. Which device answered what is not in the document (nor anywhere an
        answer could be lined up with it): the counts are what the statistics show."""
        if not sessions:
            return
        codes = _unused_codes(len(sessions))
        workshops = []
        for s, code in zip(sessions, codes, strict=True):
            workshop = Workshop(
                workspace_id=self.ws.id,
                theme_id=self.themes[s["theme"]].id,
                unit_id=self.unit_id(s["unit"]),
                facilitator_id=self.uid(s["facilitator"]),
                code=code,
                language=s["language"],
                status=WorkshopStatus.ENDED,
                position=len(s["steps"]) - 1,
                answering_open=False,
                created_at=s["created_at"],
                expires_at=s["expires_at"],
                ended_at=s["ended_at"] or s["expires_at"],
            )
            workshop.steps = [
                WorkshopStep(position=i, activity_id=self.activities[key].id)
                for i, key in enumerate(s["steps"])
            ]
            workshops.append((workshop, s))
        db.session.add_all(w for w, _ in workshops)
        db.session.flush()
        guests = [
            [
                Guest(workshop_id=workshop.id, contributed=i < s["contributed"], joined_at=s["created_at"])
                for i in range(s["guests"])
            ]
            for workshop, s in workshops
        ]
        db.session.add_all(g for devices in guests for g in devices)
        db.session.flush()
        rows = [
            {"guest_id": guest.id, "activity_id": self.activities[key].id}
            for (_, s), devices in zip(workshops, guests, strict=True)
            for key, n in s["answered"].items()
            for guest in devices[:n]
        ]
        if rows:
            db.session.execute(insert(GuestResponse.__table__), rows)

    def build_memberships(self, memberships: list[dict]) -> None:
        created = []
        for m in memberships:
            membership = Membership(
                workspace_id=self.ws.id,
                user_id=self.uid(m["person"]),
                role=m["role"],
                invited_at=m["invited_at"],
                invited_by_id=self.uid(m["invited_by"]),
                first_visit_at=m["first_visit_at"],
                last_visit_at=m["last_visit_at"],
                visit_count=m["visit_count"],
                first_contribution_at=m["first_contribution_at"],
                last_reminded_at=m["last_reminded_at"],
            )
            db.session.add(membership)
            created.append((membership, m["visits"]))
        db.session.flush()
        db.session.add_all(
            Visit(membership_id=membership.id, day=day) for membership, days in created for day in days
        )


def _unused_codes(n: int) -> list[str]:
    """`n` join codes no session has (one query; a clash, about one in 10^10, draws again)."""
    codes: set[str] = set()
    while len(codes) < n:
        codes |= {new_code() for _ in range(n - len(codes))}
        codes -= set(db.session.scalars(select(Workshop.code).where(Workshop.code.in_(codes))))
    return sorted(codes)
