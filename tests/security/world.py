"""One fixture world for the security tests: two open workspaces A and B, each with a theme, a
measure with an indicator and a reading, an activity of every kind (polls with options), a
comment, a note in a group, an idea with a support, a report, a quote, a published programme
version and a sign-in link; and a person in every role.

Route parameters are filled from it (`params_for`), from workspace A, or with B's ids for the IDOR
checks (`params_for(..., ids_from="b")`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ideaspace.invitations.tokens import issue_token
from ideaspace.models import (
    ActivityKind,
    IndicatorReading,
    MemberRole,
    NoteGroup,
    Quote,
    Report,
    Role,
)
from ideaspace.programme.versions import publish

ROLES = ("anonymous", "nonmember", "member", "observer", "other_moderator", "moderator", "admin")
KINDS = (
    ActivityKind.DISCUSSION,
    ActivityKind.SINGLE_CHOICE,
    ActivityKind.MULTIPLE_CHOICE,
    ActivityKind.SCALE,
    ActivityKind.NOTES,
    ActivityKind.IDEAS,
)


@dataclass
class Side:
    """The objects of one workspace."""

    ws: object
    theme: object
    measure: object
    indicator: object
    reading: object
    activities: dict
    comment: object
    note: object
    group: object
    idea: object
    report: object
    quote: object
    snapshot: object
    moderator: object
    # images (issue 18): the workspace's and the theme's covers, the idea's picture
    images: dict = field(default_factory=dict)
    workshop: object = None  # a live workshop run by the author, a guest's note held in it
    post: object = None


@dataclass
class World:
    a: Side
    b: Side
    people: dict
    unit: object
    token: str
    extra: dict = field(default_factory=dict)

    def user(self, role: str):
        return self.people.get(role)


def _side(make, session, unit, author, moderator) -> Side:
    ws = make.workspace()
    make.member(ws, author)
    make.member(ws, moderator, MemberRole.MODERATOR)
    theme = make.theme(ws)
    measure = make.measure(theme)
    indicator = make.indicator(measure)
    reading = IndicatorReading(indicator_id=indicator.id, year=2023, value=15, note={"fi": "Hyvä"})
    session.add(reading)
    activities = {}
    for kind in KINDS:
        options = 3 if kind.is_poll else 0
        activities[kind.value] = make.activity(theme, kind=kind, options=options)
    activities["single_choice"].options[0].measure_id = measure.id
    comment = make.comment(theme, author)
    group = NoteGroup(activity_id=activities["notes"].id, label="Ryhmä")
    session.add(group)
    session.flush()
    note = make.note(activities["notes"], author, group_id=group.id)
    idea = make.idea(ws, author, theme=theme)
    make.idea_support(idea, moderator)
    report = Report(workspace_id=ws.id, comment_id=comment.id, reporter_id=moderator.id, reason="Asiaton")
    quote = Quote(workspace_id=ws.id, theme_id=theme.id, comment_id=comment.id, excerpt="Kommentti")
    session.add_all([report, quote])
    session.flush()
    snapshot = publish(moderator, ws, "Ensimmäinen versio")
    images = _images(ws, theme, idea, moderator, author)
    session.commit()
    workshop, post = _workshop(author, ws, theme, activities)
    session.commit()
    side = Side(
        ws,
        theme,
        measure,
        indicator,
        reading,
        activities,
        comment,
        note,
        group,
        idea,
        report,
        quote,
        snapshot,
        moderator,
    )
    side.workshop, side.post = workshop, post
    side.images = images
    return side


def _images(ws, theme, idea, moderator, author) -> dict:
    """A cover for the workspace and its theme, a picture for the author's idea (real WebP variants)."""
    from ideaspace.images import processing
    from ideaspace.images import service as images

    from ..images import files

    variants = processing.prepare(files.png(48, 32)).variants
    return {
        "workspace": images.store(moderator, ws, variants, {"fi": "Kansikuva"}),
        "theme": images.store(moderator, theme, variants, {"fi": "Teeman kuva"}),
        "idea": images.store(author, idea, variants, {"fi": "Idean kuva"}),
    }


def _workshop(author, ws, theme, activities):
    """A live workshop the author (a supervisor) runs: its first step a notes wall that holds a
    guest's note for approval."""
    from ideaspace.workshops import service as workshops

    steps = [activities["notes"].id, activities["single_choice"].id]
    workshop = workshops.start(author, ws, theme, steps, premoderate=True)
    workshop.results_revealed = True  # the big screen shows the wall
    guest = workshops.join(workshop, "Vieras")
    post = workshops.guest_note(guest, workshop, activities["notes"], "Odottaa")
    return workshop, post


def build(make, session) -> World:
    unit = make.unit("Henkilöstöpalvelut")
    member = make.user(Role.PARTICIPANT, unit=unit, name="Maija Member")
    people = {
        "anonymous": None,
        "nonmember": make.user(Role.PARTICIPANT, unit=unit, name="Nella Nonmember"),
        "member": member,
        "observer": make.user(Role.OBSERVER, name="Olli Observer"),
        "other_moderator": make.user(Role.MODERATOR, name="Otto Othermod"),
        "moderator": make.user(Role.MODERATOR, name="Moa Moderator"),
        "admin": make.user(Role.ADMIN, name="Ada Admin"),
    }
    author_b = make.user(Role.PARTICIPANT, unit=unit, name="Bertta B")
    a = _side(make, session, unit, member, people["moderator"])
    b = _side(make, session, unit, author_b, people["other_moderator"])
    raw, _token = issue_token(member, a.ws)
    session.commit()
    return World(a, b, people, unit, raw, extra={"author_b": author_b})


# --- URL parameters --------------------------------------------------------------------------

# Which activity an endpoint's `activity_id` names, when not the single-choice poll.
ACTIVITY_FOR = {
    "notes.wall": "notes",
    "notes.post": "notes",
    "notes.similar": "notes",
    "notes.create_group": "notes",
}
# Which `kind`/`item_id` pair an endpoint takes.
KIND_FOR = {"discussion.show": "theme", "discussion.create": "theme"}


def params_for(endpoint: str, arguments, world: World, ids_from: str = "a") -> dict:
    """Values for a rule's arguments: A's slug, and ids of A's objects (or B's, for IDOR)."""
    a, side = world.a, getattr(world, ids_from)
    kind = KIND_FOR.get(endpoint, "comment")
    values = {
        "slug": a.ws.slug,
        "activity_id": side.activities[ACTIVITY_FOR.get(endpoint, "single_choice")].id,
        "theme_id": side.theme.id,
        "measure_id": side.measure.id,
        "indicator_id": side.indicator.id,
        "reading_id": side.reading.id,
        "comment_id": side.comment.id,
        "note_id": side.note.id,
        "idea_id": side.idea.id,
        "quote_id": side.quote.id,
        "number": side.snapshot.version if ids_from == "a" else 2,
        "kind": kind,
        "target_id": {"theme": side.theme.id, "comment": side.comment.id}[kind],
        "item_id": side.comment.id,
        "fmt": FMT_FOR.get(endpoint, "html"),
        "audience": "not_visited",
        "token": world.token,
        "user_id": side.moderator.id,
        "unit_id": world.unit.id,
        "key": "brand_colour",  # an instance setting
        "session_id": "x" * 43,  # no session of the reader's: refused, but a well-formed id
        # an image: the idea's picture (whoever may read the idea sees it), its small variant
        "image_id": side.images["idea"].id,
        "size": "small",
        "version": next(v.etag[:16] for v in side.images["idea"].variants if v.size == "small"),
        "workshop_id": side.workshop.id,
        "post_id": side.post.id,
    }
    chosen = {name: values[name] for name in arguments}
    chosen.update(QUERY_FOR.get(endpoint, lambda _side: {})(side))
    return chosen


# The format a download route is asked for, when it is not a programme format.
FMT_FOR = {"exports.content": "csv"}

# Ids some routes take in the query string rather than the path.
QUERY_FOR = {
    "quotes.pick": lambda side: {"source": "comment", "id": side.comment.id},
}


def has_ids(endpoint: str, arguments) -> bool:
    """Whether the route names objects of a workspace (so B's ids must not reach them)."""
    return "slug" in arguments and (
        any(name.endswith("_id") or name == "number" for name in arguments) or endpoint in QUERY_FOR
    )
