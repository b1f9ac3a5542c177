"""Write a workspace as a version-1 workspace document, in a fixed number of queries, as a dict or as
JSON text streamed a piece at a time (the download and `export-workspace` never hold the whole document)."""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import selectinload

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
from ..models.ballot import Ballot
from ..workshops.models import Guest, GuestResponse, Workshop, WorkshopStep
from . import images
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


class Lazy:
    """A list that is produced as it is written: `produce()` returns a fresh iterator of its items.

    `Exporter.stream` writes one item at a time and keeps nothing; `Exporter.run` turns it into a list.
    """

    __slots__ = ("produce",)

    def __init__(self, produce: Callable[[], Iterable]) -> None:
        self.produce = produce

    def __iter__(self) -> Iterator:
        return iter(self.produce())


def materialize(value):
    """A document with its `Lazy` lists made into lists (the dict of `export_workspace`)."""
    if isinstance(value, Lazy):
        return [materialize(v) for v in value]
    if isinstance(value, dict) and any(isinstance(v, Lazy | dict) for v in value.values()):
        return {k: materialize(v) for k, v in value.items()}
    return value


def encode(value, indent: str = "") -> Iterator[str]:
    """`json.dumps(materialize(value), ensure_ascii=False, indent=2)` in pieces, one `Lazy` item at a time."""
    if isinstance(value, Lazy):
        inner = indent + "  "
        empty = True
        for item in value:
            yield ("[\n" if empty else ",\n") + inner
            empty = False
            yield from encode(item, inner)
        yield "[]" if empty else "\n" + indent + "]"
    elif isinstance(value, dict) and value and any(isinstance(v, Lazy | dict) for v in value.values()):
        inner = indent + "  "
        for n, (key, item) in enumerate(value.items()):
            yield ("{\n" if n == 0 else ",\n") + inner + json.dumps(key, ensure_ascii=False) + ": "
            yield from encode(item, inner)
        yield "\n" + indent + "}"
    else:
        text = json.dumps(value, ensure_ascii=False, indent=2)
        yield text.replace("\n", "\n" + indent) if indent else text  # a JSON string has no raw newline


def batched(pieces: Iterable[str], size: int = 64 * 1024) -> Iterator[str]:
    """The pieces joined into chunks of about `size` characters."""
    buffer: list[str] = []
    length = 0
    for piece in pieces:
        buffer.append(piece)
        length += len(piece)
        if length >= size:
            yield "".join(buffer)
            buffer, length = [], 0
    if buffer:
        yield "".join(buffer)


class Exporter:
    """The document of one workspace, as a dict (`run`) or as JSON text written piece by piece (`stream`).

    Both come from the same `document()`: the small structure (themes, measures, indicators, activities,
    options) as ORM objects, every other row as a plain tuple of its columns (no ORM object per comment,
    note, answer ...), one query per kind of row whatever the size. Items are turned into dicts only as
    they are written, people and units are resolved to emails and paths on the way, and `stream`
    never holds the whole document or its text.
    """

    def __init__(self, workspace: Workspace, *, backup: bool = False) -> None:
        self.ws = workspace
        # The admin's backup carries everything the database holds of the workspace (the pending
        # pool, who answered when, visit days); the moderator's export only what the k rules allow.
        self.backup = backup
        self.user_ids: set[int] = set()
        self.unit_ids: set[int] = set()
        self.emails: dict[int, str] = {}
        self.paths: dict[int, str] = {}

    def person(self, user_id: int | None) -> int | None:
        if user_id is not None:
            self.user_ids.add(user_id)
        return user_id

    def unit(self, unit_id: int | None) -> int | None:
        if unit_id is not None:
            self.unit_ids.add(unit_id)
        return unit_id

    def email(self, user_id: int | None) -> str | None:
        return None if user_id is None else self.emails.get(user_id)

    def path(self, unit_id: int | None) -> str | None:
        return None if unit_id is None else self.paths.get(unit_id)

    def emails_of(self, user_ids) -> list[str]:
        return sorted(self.emails[u] for u in user_ids if u in self.emails)

    def run(self) -> dict:
        return materialize(self.document())

    def stream(self) -> Iterator[str]:
        """`json.dumps(self.run(), ensure_ascii=False, indent=2) + "\n"` in chunks of about 64 KB."""
        return self.encode(self.document())

    @staticmethod
    def encode(document: dict) -> Iterator[str]:
        return batched(itertools.chain(encode(document), ("\n",)))

    def document(self) -> dict:  # noqa: C901 (one query per kind of row, in order)
        ws_id = sa_inspect(self.ws).identity[0]  # without refreshing an expired instance
        session = db.session
        workspace = session.scalar(
            select(Workspace)
            .where(Workspace.id == ws_id)
            .options(
                selectinload(Workspace.themes)
                .selectinload(Theme.measures)
                .selectinload(Measure.indicators)
                .selectinload(Indicator.readings),
                selectinload(Workspace.themes).selectinload(Theme.activities).selectinload(Activity.options),
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

        ideas = self.moderated_rows(
            Idea,
            ws_id,
            Idea.id,
            Idea.title,
            Idea.body,
            Idea.body_source,
            Idea.theme_id,
            Idea.author_id,
            Idea.unit_id,
            Idea.status,
            Idea.status_reason,
            Idea.merged_into_id,
            Idea.created_at,
        )
        self.idea_keys = {i.id: f"I{n + 1}" for n, i in enumerate(ideas)}
        history = defaultdict(list)
        for h in session.execute(
            select(
                IdeaStatusChange.idea_id,
                IdeaStatusChange.from_status,
                IdeaStatusChange.to_status,
                IdeaStatusChange.reason,
                IdeaStatusChange.changed_by_id,
                IdeaStatusChange.changed_at,
            )
            .join(Idea, Idea.id == IdeaStatusChange.idea_id)
            .where(Idea.workspace_id == ws_id)
            .order_by(IdeaStatusChange.changed_at, IdeaStatusChange.id)
        ):
            self.person(h.changed_by_id)
            history[h.idea_id].append(h)
        comments = self.moderated_rows(
            Comment,
            ws_id,
            Comment.id,
            Comment.parent_id,
            Comment.theme_id,
            Comment.measure_id,
            Comment.activity_id,
            Comment.idea_id,
            Comment.body,
            Comment.body_source,
            Comment.author_id,
            Comment.unit_id,
            Comment.on_behalf_of_unit,
            Comment.created_at,
            Comment.edited_at,
            Comment.withdrawn_at,
        )
        self.comment_keys = {c.id: f"C{n + 1}" for n, c in enumerate(comments)}
        notes = self.moderated_rows(
            Note,
            ws_id,
            Note.id,
            Note.activity_id,
            Note.text,
            Note.author_id,
            Note.unit_id,
            Note.group_id,
            Note.created_at,
        )
        self.note_keys = {n.id: f"N{i + 1}" for i, n in enumerate(notes)}

        likes = defaultdict(list)
        for comment_id, user_id in session.execute(
            select(CommentLike.comment_id, CommentLike.user_id)
            .join(Comment, Comment.id == CommentLike.comment_id)
            .where(Comment.workspace_id == ws_id)
        ):
            likes[comment_id].append(self.person(user_id))
        supports = defaultdict(list)
        for idea_id, user_id, created_at in session.execute(
            select(IdeaSupport.idea_id, IdeaSupport.user_id, IdeaSupport.created_at)
            .join(Idea, Idea.id == IdeaSupport.idea_id)
            .where(Idea.workspace_id == ws_id)
        ):
            supports[idea_id].append((self.person(user_id), _moment(created_at)))
        # Answers: when, which options, which scale value, which unit; never who (DESIGN.md).
        answers = defaultdict(dict)
        if activity_ids:
            for activity_id, key, on, value, unit_id, option_id in session.execute(
                select(
                    Answer.activity_id,
                    Answer.key,
                    Answer.answered_on,
                    Answer.scale_value,
                    Answer.unit_id,
                    AnswerChoice.option_id,
                )
                .outerjoin(AnswerChoice, AnswerChoice.answer_key == Answer.key)
                .where(Answer.activity_id.in_(activity_ids))
            ):
                answer = answers[activity_id].get(key)
                if answer is None:
                    answer = answers[activity_id][key] = (_day(on), [], value, self.unit(unit_id))
                if option_id is not None:
                    answer[1].append(self.option_keys[option_id])
        respondents = defaultdict(list)
        if activity_ids:
            for activity_id, user_id, on in session.execute(
                select(Respondent.activity_id, Respondent.user_id, Respondent.answered_on).where(
                    Respondent.activity_id.in_(activity_ids)
                )
            ):
                respondents[activity_id].append((self.person(user_id), on))
        anonymous = {a.id for t in themes for a in t.activities if a.is_anonymous}
        self.strip_people = not self.backup and bool(anonymous)
        pending = self.pending_rows(ws_id) if self.backup else []
        groups = defaultdict(list)
        group_keys = {}
        if activity_ids:
            for group_id, activity_id, label in session.execute(
                select(NoteGroup.id, NoteGroup.activity_id, NoteGroup.label)
                .where(NoteGroup.activity_id.in_(activity_ids))
                .order_by(NoteGroup.position, NoteGroup.id)
            ):
                group_keys[group_id] = f"G{len(group_keys) + 1}"
                groups[activity_id].append({"key": group_keys[group_id], "label": label})
        self.group_keys = group_keys
        notes_by_activity = defaultdict(list)
        for n in notes:
            self.person(n.author_id)
            self.unit(n.unit_id)
            self.hidden_by(n)
            notes_by_activity[n.activity_id].append(n)
        quotes = defaultdict(list)
        for q in session.execute(
            select(
                Quote.theme_id,
                Quote.comment_id,
                Quote.note_id,
                Quote.idea_id,
                Quote.excerpt,
                Quote.language,
                Quote.attribution,
                Quote.attributed_unit,
                Quote.attributed_name,
                Quote.created_at,
            )
            .where(Quote.workspace_id == ws_id)
            .order_by(Quote.position, Quote.id)
        ):
            quotes[q.theme_id].append(self.quote(q))
        visits = defaultdict(list)
        for membership_id, day in session.execute(
            select(Visit.membership_id, Visit.day)
            .join(Membership, Membership.id == Visit.membership_id)
            .where(Membership.workspace_id == ws_id)
            .order_by(Visit.day)
        ):
            visits[membership_id].append(_day(day))
        memberships = session.execute(
            select(
                Membership.id,
                Membership.user_id,
                Membership.role,
                Membership.invited_at,
                Membership.invited_by_id,
                Membership.first_visit_at,
                Membership.last_visit_at,
                Membership.visit_count,
                Membership.first_contribution_at,
                Membership.last_reminded_at,
            ).where(Membership.workspace_id == ws_id)
        ).all()
        for m in memberships:
            self.person(m.user_id)
            self.person(m.invited_by_id)
        for c in comments:
            self.person(c.author_id)
            self.unit(c.unit_id)
            self.hidden_by(c)
        for i in ideas:
            self.person(i.author_id)
            self.unit(i.unit_id)
            self.hidden_by(i)
        snapshots = session.execute(
            select(
                ProgrammeSnapshot.id,
                ProgrammeSnapshot.version,
                ProgrammeSnapshot.published_at,
                ProgrammeSnapshot.published_by_id,
                ProgrammeSnapshot.note,
            )
            .where(ProgrammeSnapshot.workspace_id == ws_id)
            .order_by(ProgrammeSnapshot.version)
        ).all()
        for v in snapshots:
            self.person(v.published_by_id)
        sessions = self.session_rows(ws_id, anonymous)

        self.images = images.load(self, ws_id)  # covers and ideas' pictures, with their files
        people = self.load_people()
        units = self.unit_tree()
        comment_tree = self.comment_tree(comments, likes)
        del comments, notes, likes  # kept in the groups above only

        workspace_fields = {
            "slug": workspace.slug,
            "title": workspace.title,
            "introduction": workspace.introduction,
            "introduction_source": workspace.introduction_source or {},
            "strategy": workspace.strategy,
            "status": workspace.status.value,
            "access": workspace.access.value,
            "opens_on": _day(workspace.opens_on),
            "closes_on": _day(workspace.closes_on),
            "primary_language": workspace.primary_language,
            "min_group_size": workspace.min_group_size,
            "created_at": _moment(workspace.created_at),
            **images.field(self, self.images, "workspace", ws_id, "cover"),
        }
        # The structure as plain dicts now: the ORM objects expire when the request commits, before
        # the download is written.
        structure = [
            (
                {
                    "key": self.theme_keys[t.id],
                    "title": t.title,
                    "introduction": t.introduction,
                    "introduction_source": t.introduction_source or {},
                    **images.field(self, self.images, "theme", t.id, "cover"),
                },
                [self.measure(m, comment_tree) for m in t.measures],
                [(a.id, self.activity_head(a)) for a in t.activities],
                t.id,
            )
            for t in themes
        ]
        del themes, workspace

        def themes_out():
            for head, measures, activities, theme_id in structure:
                yield {
                    **head,
                    "measures": measures,
                    "activities": Lazy(
                        lambda activities=activities: (
                            self.activity(
                                activity_id,
                                fields,
                                answers,
                                respondents,
                                groups,
                                notes_by_activity,
                                comment_tree,
                            )
                            for activity_id, fields in activities
                        )
                    ),
                    "comments": self.comments_on(comment_tree, ("theme", theme_id)),
                    "quotes": quotes.pop(theme_id, []),
                }

        def memberships_out():
            by_email = sorted(memberships, key=lambda m: self.emails.get(m.user_id) or "")
            for m in by_email:
                days = visits.pop(m.id, [])
                if self.strip_people:
                    # When and on which days a person was here, next to anonymous content dated
                    # by day, narrows who wrote it: the moderator's export leaves them out.
                    yield {
                        "person": self.email(m.user_id),
                        "role": m.role.value,
                        "invited_at": _moment(m.invited_at),
                        "invited_by": self.email(m.invited_by_id),
                        "visit_count": m.visit_count,
                        "last_reminded_at": _moment(m.last_reminded_at),
                    }
                    continue
                yield {
                    "person": self.email(m.user_id),
                    "role": m.role.value,
                    "invited_at": _moment(m.invited_at),
                    "invited_by": self.email(m.invited_by_id),
                    "first_visit_at": _moment(m.first_visit_at),
                    "last_visit_at": _moment(m.last_visit_at),
                    "visit_count": m.visit_count,
                    "first_contribution_at": _moment(m.first_contribution_at),
                    "last_reminded_at": _moment(m.last_reminded_at),
                    "visits": days,
                }

        def programme_versions_out():
            contents = session.execute(
                select(ProgrammeSnapshot.id, ProgrammeSnapshot.content)
                .where(ProgrammeSnapshot.workspace_id == ws_id)
                .order_by(ProgrammeSnapshot.version)
            )
            for v, (snapshot_id, content) in zip(snapshots, contents, strict=True):
                assert snapshot_id == v.id
                yield {
                    "version": v.version,
                    "published_at": _moment(v.published_at),
                    "published_by": self.email(v.published_by_id),
                    "note": v.note,
                    "content": content,  # a frozen document is kept exactly as it is
                }

        body = {
            **workspace_fields,
            "memberships": Lazy(memberships_out),
            "themes": Lazy(themes_out),
            "ideas": Lazy(lambda: (self.idea(i, supports, history, comment_tree) for i in ideas)),
            "programme_versions": Lazy(programme_versions_out),
            "sessions": [
                {**s, "unit": self.path(s["unit"]), "facilitator": self.email(s["facilitator"])}
                for s in sessions
            ],
        }
        if self.backup:
            body["pending"] = sorted(
                (self.ballot(b) for b in pending),
                key=lambda b: (
                    b["scope"] or "",
                    b["kind"],
                    b["contributor"],
                    json.dumps(b["payload"], sort_keys=True),
                ),
            )
        head = {"format": FORMAT, "version": VERSION}
        if self.backup:
            head["backup"] = True
        return {
            **head,
            "units": units,
            "people": Lazy(lambda: iter(people)),
            "workspace": body,
        }

    @staticmethod
    def moderated_rows(model, ws_id: int, *columns) -> list:
        """Workspace `ws_id`'s rows of `model` (ideas, comments, notes) as plain tuples of `columns` and its
        hidden_at, hidden_reason and hidden_by_id (read by `hidden`), oldest first."""
        return db.session.execute(
            select(*columns, model.hidden_at, model.hidden_reason, model.hidden_by_id)
            .where(model.workspace_id == ws_id)
            .order_by(model.created_at, model.id)
        ).all()

    def hidden_by(self, row) -> None:
        if row.hidden_at is not None:
            self.person(row.hidden_by_id)

    def hidden(self, row) -> dict | None:
        if row.hidden_at is None:
            return None
        return {"at": _moment(row.hidden_at), "reason": row.hidden_reason, "by": self.email(row.hidden_by_id)}

    def source(self, row) -> dict:
        """The Markdown typed for a comment or idea (null: none kept); in the moderator's export not
        for those without an author (anonymous ones): how someone types Markdown (markers, spacing,
        escapes) shows more than their HTML, so those carry their HTML only (docs/anonymity.md),
        and an import makes their source from it as for an older document."""
        return {"body_source": row.body_source} if self.backup or row.author_id is not None else {}

    def comment_tree(self, comments, likes) -> dict:
        """Comments grouped by what they are on, replies nested under their parent (as dicts)."""
        by_id, tree = {}, defaultdict(list)
        for c in comments:
            by_id[c.id] = {
                "key": self.comment_keys[c.id],
                "body": c.body,
                **self.source(c),
                "author": self.email(c.author_id),
                "unit": self.path(c.unit_id),
                "on_behalf_of_unit": c.on_behalf_of_unit,
                "created_at": _moment(c.created_at),
                "edited_at": _moment(c.edited_at),
                "withdrawn_at": _moment(c.withdrawn_at),
                "hidden": self.hidden(c),
                "liked_by": self.emails_of(likes.get(c.id, ())),
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

    @staticmethod
    def comments_on(comment_tree, target) -> list[dict]:
        return comment_tree.pop(target, [])

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
            "comments": self.comments_on(comment_tree, ("measure", m.id)),
        }

    def activity_head(self, a: Activity) -> dict:
        return {
            "key": self.activity_keys[a.id],
            "kind": a.kind.value,
            "title": a.title,
            "prompt": a.prompt,
            "prompt_source": a.prompt_source or {},
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
        }

    def activity(
        self, activity_id: int, head: dict, answers, respondents, groups, notes, comment_tree
    ) -> dict:
        rows = answers.pop(activity_id, {}).values()
        answers_out = sorted(
            (
                {"on": on, "options": sorted(options), "value": value, "unit": self.path(unit_id)}
                for on, options, value, unit_id in rows
            ),
            key=lambda x: (x["on"], x["options"], x["value"] or 0, x["unit"] or ""),
        )
        return {
            **head,
            "answers": answers_out,
            "respondents": self.respondents(head, respondents.pop(activity_id, ())),
            "note_groups": groups.pop(activity_id, []),
            "notes": [
                {
                    "key": self.note_keys[n.id],
                    "text": n.text,
                    "author": self.email(n.author_id),
                    "unit": self.path(n.unit_id),
                    "group": self.group_keys.get(n.group_id),
                    "created_at": _moment(n.created_at),
                    "hidden": self.hidden(n),
                }
                for n in notes.pop(activity_id, [])
            ],
            "comments": self.comments_on(comment_tree, ("activity", activity_id)),
        }

    def respondents(self, head: dict, rows) -> list:
        """Who answered: in the backup with the day of each; in the moderator's export only for
        activities that are not anonymous (the list of who answered an anonymous poll, beside
        its answers, narrows them down)."""
        if self.backup:
            return sorted(
                ({"person": self.email(user_id), "on": _day(on)} for user_id, on in rows),
                key=lambda r: (r["person"] or "", r["on"] or ""),
            )
        if head["is_anonymous"]:
            return []
        return self.emails_of(user_id for user_id, _ in rows)

    def session_rows(self, ws_id: int, anonymous: set[int]) -> list[dict]:
        """The workspace's workshop sessions (two queries, one when there are none): unit,
        facilitator, times, steps, and how many guest devices joined, contributed and answered
        each step. The moderator's export of a workspace with anonymous activities leaves out the
        facilitator (a person's time, as the memberships' times are left out) and the counts of
        anonymous steps (as it leaves out who answered an anonymous activity); the backup carries
        them all."""
        joined = select(func.count()).where(Guest.workshop_id == Workshop.id).scalar_subquery()
        contributed = (
            select(func.count())
            .where(Guest.workshop_id == Workshop.id, Guest.contributed.is_(True))
            .scalar_subquery()
        )
        rows = db.session.execute(
            select(
                Workshop.id,
                Workshop.theme_id,
                Workshop.unit_id,
                Workshop.facilitator_id,
                Workshop.language,
                Workshop.created_at,
                Workshop.expires_at,
                Workshop.ended_at,
                joined,
                contributed,
                WorkshopStep.activity_id,
            )
            .outerjoin(WorkshopStep, WorkshopStep.workshop_id == Workshop.id)
            .where(Workshop.workspace_id == ws_id)
            .order_by(Workshop.created_at, Workshop.id, WorkshopStep.position)
        ).all()
        if not rows:
            return []
        answered = defaultdict(dict)
        for workshop_id, activity_id, n in db.session.execute(
            select(Guest.workshop_id, GuestResponse.activity_id, func.count())
            .join(Guest, Guest.id == GuestResponse.guest_id)
            .join(Workshop, Workshop.id == Guest.workshop_id)
            .where(Workshop.workspace_id == ws_id)
            .group_by(Guest.workshop_id, GuestResponse.activity_id)
        ):
            if self.backup or activity_id not in anonymous:
                answered[workshop_id][activity_id] = n
        sessions: dict[int, dict] = {}
        for w in rows:
            out = sessions.get(w.id)
            if out is None:
                out = sessions[w.id] = {
                    "theme": self.theme_keys[w.theme_id],
                    "unit": self.unit(w.unit_id),
                    "facilitator": None if self.strip_people else self.person(w.facilitator_id),
                    "language": w.language,
                    "created_at": _moment(w.created_at),
                    "expires_at": _moment(w.expires_at),
                    "ended_at": _moment(w.ended_at),
                    "steps": [],
                    "guests": w[8],
                    "contributed": w[9],
                    "answered": {},
                }
            if w.activity_id is not None:
                key = self.activity_keys[w.activity_id]
                out["steps"].append(key)
                if w.activity_id in answered[w.id]:  # in step order, as the steps
                    out["answered"][key] = answered[w.id][w.activity_id]
        return list(sessions.values())

    def pending_rows(self, ws_id: int) -> list:
        """The workspace's pending pool (the backup only), with the ids its payloads refer to."""
        rows = db.session.execute(
            select(Ballot.activity_id, Ballot.kind, Ballot.contributor, Ballot.payload).where(
                Ballot.workspace_id == ws_id
            )
        ).all()
        for row in rows:
            self.unit(row.payload.get("unit"))
        return rows

    def ballot(self, row) -> dict:
        """A pending contribution with its ids as the document's keys (its own id is not kept:
        it is random, and a restored instance hands out new ones)."""
        payload = dict(row.payload)
        if "options" in payload:
            payload["options"] = sorted(self.option_keys.get(o, "") for o in payload["options"] or ())
        if "unit" in payload:
            payload["unit"] = self.path(payload["unit"])
        if "theme" in payload:
            payload["theme"] = self.theme_keys.get(payload["theme"])
        if "parent" in payload:
            payload["parent"] = self.comment_keys.get(payload["parent"])
        if "target_id" in payload:
            keys = {
                "theme": self.theme_keys,
                "measure": self.measure_keys,
                "activity": self.activity_keys,
                "idea": self.idea_keys,
            }.get(payload.get("target", "activity"), {})
            payload["target_id"] = keys.get(payload["target_id"])
        return {
            "scope": self.activity_keys.get(row.activity_id),
            "kind": row.kind.value,
            "contributor": row.contributor,
            "payload": payload,
        }

    def idea(self, i, supports, history, comment_tree) -> dict:
        supporters = sorted(
            ({"person": self.email(user_id), "at": at} for user_id, at in supports.pop(i.id, ())),
            key=lambda s: (s["at"] or "", s["person"] or ""),  # stored order differs between databases
        )
        return {
            "key": self.idea_keys[i.id],
            "title": i.title,
            "body": i.body,
            **self.source(i),
            "theme": self.theme_keys.get(i.theme_id),
            "author": self.email(i.author_id),
            "unit": self.path(i.unit_id),
            "status": i.status.value,
            "status_reason": i.status_reason,
            "merged_into": self.idea_keys.get(i.merged_into_id),
            "created_at": _moment(i.created_at),
            "hidden": self.hidden(i),
            "supporters": supporters,
            "history": [
                {
                    "from": h.from_status.value if h.from_status else None,
                    "to": h.to_status.value,
                    "reason": h.reason,
                    "by": self.email(h.changed_by_id),
                    "at": _moment(h.changed_at),
                }
                for h in history.pop(i.id, ())
            ],
            "comments": self.comments_on(comment_tree, ("idea", i.id)),
            **images.field(self, self.images, "idea", i.id, "image"),
        }

    def quote(self, q) -> dict:
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
            db.session.execute(
                select(
                    User.id,
                    User.email,
                    User.name,
                    User.role,
                    User.unit_id,
                    User.locale,
                    User.consents_to_named_quotes,
                ).where(User.id.in_(self.user_ids))
            ).all()
            if self.user_ids
            else []
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
