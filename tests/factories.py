"""Small factories: each call builds a valid object with sensible defaults, flushed, ready to use.

Rich-text defaults carry a script payload, so every rendering test also exercises the sanitizer.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from werkzeug.security import generate_password_hash

from ideaspace.models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    Comparator,
    Indicator,
    Measure,
    MemberRole,
    Membership,
    Option,
    Role,
    Theme,
    Unit,
    User,
    Workspace,
    WorkspaceAccess,
    WorkspaceStatus,
    utcnow,
)
from ideaspace.sanitize import clean_html

PASSWORD = "correct horse battery staple"
PASSWORD_HASH = generate_password_hash(PASSWORD)
XSS = '<script>alert("hello");</script>'

_seq = itertools.count(1)


class Factories:
    def __init__(self, session):
        self.session = session

    def _save(self, obj):
        # Commit (a savepoint inside the test's transaction): what a test sets up existed before
        # its requests, so a request that fails and rolls back does not take it away.
        self.session.add(obj)
        self.session.commit()
        return obj

    def unit(self, name: str | None = None, parent: Unit | None = None, **kw) -> Unit:
        n = next(_seq)
        name = name or f"Yksikkö {n}"
        return self._save(Unit(name={"fi": name, "sv": f"Enhet {n}"}, parent=parent, **kw))

    def user(self, role: Role = Role.PARTICIPANT, unit: Unit | None = None, **kw) -> User:
        n = next(_seq)
        kw.setdefault("email", f"person{n}@example.fi")
        kw.setdefault("name", f"Person {n}")
        kw.setdefault("password_hash", PASSWORD_HASH)
        return self._save(User(role=role, unit=unit, **kw))

    def workspace(self, status: WorkspaceStatus = WorkspaceStatus.OPEN, **kw) -> Workspace:
        n = next(_seq)
        kw.setdefault("slug", f"workspace-{n}")
        kw.setdefault("title", {"fi": f"Työtila {n}", "sv": f"Arbetsrum {n}"})
        kw.setdefault("introduction", {"fi": clean_html(f"Johdanto {XSS}")})
        kw.setdefault("access", WorkspaceAccess.INVITED)
        kw.setdefault("opens_on", date.today() - timedelta(days=7))
        kw.setdefault("closes_on", date.today() + timedelta(days=30))
        return self._save(Workspace(status=status, **kw))

    def member(
        self, workspace: Workspace, user: User, role: MemberRole = MemberRole.PARTICIPANT
    ) -> Membership:
        return self._save(
            Membership(workspace_id=workspace.id, user_id=user.id, role=role, invited_at=utcnow())
        )

    def person_in_role(self, role: str, *, member: User, moderator: User) -> User:
        """Someone to sign in as for a route-by-role test of a workspace whose participant is
        `member` and whose moderator is `moderator`: participant, outsider, observer,
        other_moderator (moderates another workspace), moderator or admin."""
        if role == "participant":
            return member
        if role == "outsider":
            return self.user()
        if role == "observer":
            return self.user(role=Role.OBSERVER)
        if role == "other_moderator":
            other = self.workspace()
            user = self.user(role=Role.MODERATOR)
            self.member(other, user, MemberRole.MODERATOR)
            return user
        if role == "moderator":
            return moderator
        return self.user(role=Role.ADMIN)

    def theme(self, workspace: Workspace, **kw) -> Theme:
        n = next(_seq)
        kw.setdefault("title", {"fi": f"Teema {n}", "sv": f"Tema {n}"})
        kw.setdefault("introduction", {"fi": clean_html(f"Teeman johdanto {XSS}")})
        kw.setdefault("position", n)
        return self._save(Theme(workspace_id=workspace.id, **kw))

    def measure(self, theme: Theme, **kw) -> Measure:
        n = next(_seq)
        kw.setdefault("goal", {"fi": f"Tavoite {n}"})
        kw.setdefault("text", {"fi": f"Toimenpide {n}", "sv": f"Åtgärd {n}"})
        kw.setdefault("schedule", {"fi": "2023–2025"})
        kw.setdefault("responsible", {"fi": "Henkilöstöpalvelut"})
        kw.setdefault("position", n)
        return self._save(Measure(theme_id=theme.id, **kw))

    def indicator(self, measure: Measure, **kw) -> Indicator:
        kw.setdefault("description", {"fi": "Anonyymit rekrytoinnit"})
        kw.setdefault("baseline_year", 2022)
        kw.setdefault("baseline_value", 11)
        kw.setdefault("comparator", Comparator.GT)
        kw.setdefault("target_value", 20)
        return self._save(Indicator(measure_id=measure.id, **kw))

    def activity(
        self,
        theme: Theme,
        kind: ActivityKind = ActivityKind.SINGLE_CHOICE,
        options: int | list[str] = 0,
        **kw,
    ) -> Activity:
        n = next(_seq)
        kw.setdefault("title", {"fi": f"Kysely {n}", "sv": f"Enkät {n}"})
        kw.setdefault("status", ActivityStatus.OPEN)
        kw.setdefault("position", n)
        activity = self._save(Activity(theme_id=theme.id, kind=kind, **kw))
        labels = options if isinstance(options, list) else [f"Vaihtoehto {i + 1}" for i in range(options)]
        for i, text in enumerate(labels):
            self.session.add(Option(activity_id=activity.id, position=i, label={"fi": text}))
        self.session.commit()
        self.session.refresh(activity)
        return activity

    # --- the idea barrel (ideas) ---

    def idea(self, workspace: Workspace, author: User | None = None, theme: Theme | None = None, **kw):
        from ideaspace.models import Idea

        n = next(_seq)
        kw.setdefault("title", f"Idea {n}")
        kw.setdefault("body", clean_html(f"Idean kuvaus {n} {XSS}"))
        if author is not None:
            kw.setdefault("unit_id", author.unit_id)
        return self._save(
            Idea(
                workspace_id=workspace.id,
                author_id=author.id if author else None,
                theme_id=theme.id if theme else None,
                **kw,
            )
        )

    def idea_support(self, idea, user: User):
        from ideaspace.models import IdeaSupport

        return self._save(IdeaSupport(idea_id=idea.id, user_id=user.id))

    # --- discussion and notes walls ---

    def comment(self, target, author: User | None = None, parent=None, **kw):
        """A comment on a theme, measure, activity or idea (a reply when `parent` is given)."""
        from ideaspace.models import Activity, Comment, Idea, Measure, Theme

        column = {Theme: "theme_id", Measure: "measure_id", Activity: "activity_id", Idea: "idea_id"}[
            type(target)
        ]
        workspace_id = kw.pop("workspace_id", None) or getattr(target, "workspace_id", None)
        if workspace_id is None:
            theme = target.theme if not isinstance(target, Theme) else target
            workspace_id = theme.workspace_id
        kw.setdefault("body", clean_html(f"Kommentti {next(_seq)} {XSS}"))
        kw.setdefault("unit_id", author.unit_id if author else None)
        kw[column] = target.id
        return self._save(
            Comment(
                workspace_id=workspace_id,
                author_id=author.id if author else None,
                parent_id=parent.id if parent else None,
                **kw,
            )
        )

    def note(self, activity: Activity, author: User | None = None, **kw):
        from ideaspace.models import Note

        kw.setdefault("text", f"Muistiinpano {next(_seq)}")
        kw.setdefault("unit_id", author.unit_id if author else None)
        workspace_id = kw.pop("workspace_id", None) or activity.theme.workspace_id
        return self._save(
            Note(
                workspace_id=workspace_id,
                activity_id=activity.id,
                author_id=author.id if author else None,
                **kw,
            )
        )
