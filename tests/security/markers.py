"""The marker world of the rendering sweep: every user-writable column of the data model holds a
payload that names it.

The columns are found by introspecting the metadata (every String, Text and JSON column that is
not an enum, a key or a hash): a new column joins the sweep by itself, and `test_rendering_sweep`
fails until it is marked here or excluded below with a reason.

Each column gets its own number n, and its payload

    "'><i data-m=n hx-get=/x onmouseover=alert(n)>

breaks out of a double- or single-quoted attribute and opens an element with an htmx and an event
attribute. Escaped, it shows as text (`&lt;i data-m=n ...`), which is how the sweep sees where each
column was rendered; unescaped, the `data-m` element appears in the parsed page.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

from ideaspace.audit import record
from ideaspace.extensions import db
from ideaspace.models import (
    Attribution,
    Comment,
    Idea,
    IdeaStatus,
    IdeaStatusChange,
    Note,
    Quote,
    Report,
    utcnow,
)
from ideaspace.programme.versions import publish
from ideaspace.sanitize import clean_html

from . import world as worlds
from .harness import as_role


def marker(n: int) -> str:
    return f"\"'><i data-m={n} hx-get=/x onmouseover=alert({n})>"


# Raw in a page: an element made from user data. Escaped: where column n was rendered (&lt; in
# HTML text and attributes, \u003c in JSON inside a page, \< in Markdown).
LIVE = re.compile(r"(?<![\\\w])<i data-m=(\d+)")
SHOWN = re.compile(r"(?:&lt;|\\u003c|\\<|<)i data-m=(\d+)|rich-(\d+)")

# Shorter String columns hold codes (a language, a frequency) from a fixed list; no payload fits.
SHORTEST = 16

# Columns a user cannot write, with why (primary keys and codes shorter than SHORTEST are left out).
EXCLUDED = {
    "image.owner": "which thing an image belongs to (workspace:1, theme:2, idea:3), written by the app",
    "image_variant.content_type": "image/webp, written by the app (ideaspace/images/processing.py)",
    "image_variant.etag": "a hash",
    "respondent.answer_key": "the answer's random key",
    "audit_log.action": "an action code of the app (audit.record's literals)",
    "audit_log.object_type": "a table name",
    "signin_token.token_hash": "a hash",
    "user.password_hash": "a hash",
    "ballot.contributor": "a keyed hash (HMAC) the app computes",
    "instance_setting.content_type": "a file's type, checked against the setting's allow-list",
    "notification.kind": "a kind of notification of the app",
    "notification.about": "the ids of what a notification is about, written by the app (no text)",
    "workspace.slug": "validated as [a-z0-9-] by the form and the importer",
    "outbox_message.kind": "a kind the app registered (outbox.kind)",
    "workshop.code": "a join code the app draws from its own alphabet (workshops.service.new_code)",
    "outbox_message.language": "chosen from fi/sv/en by outbox.service.enqueue",
    "outbox_message.about": "ids the app writes (no text), read only by the worker",
    "outbox_message.claimed_by": "the worker's host, process and thread",
    "outbox_message.email": "a copy of an address (user.email's rules), shown escaped (tests/outbox)",
    "outbox_message.last_error": (
        "the mail server's answer, shown escaped in an hx-disable list (tests/outbox)"
    ),
    # clusters (issue 14): scopes and item keys the app writes and checks (insight.service.parse_key)
    "cluster_cache.scope": "a scope code the app writes (workspace, theme:<id>, activity:<id>)",
    "cluster_cache.fingerprint": "counts and sums of index row ids",
    "cluster_cache.clusters": "item keys and labels of analysed terms (letters only, ideaspace.text)",
    "cluster_name.scope": "a scope code, checked by insight.service.parse_scope",
    "cluster_name.anchor": "an item key the app took from its own clustering",
    "cluster_move.scope": "a scope code, checked by insight.service.parse_scope",
    "cluster_move.item": "an item key, checked against the scope's clusters",
    "cluster_move.anchor": "an item key the app took from its own clustering",
    "theme_heard.sources": "item keys the app took from the cluster",
    "theme_heard.summary_source": "the Markdown typed; only its rendering (summary_html) is shown",
}

# Rich text: stored as clean_html output, and shown as markup (|rich, |safe). The sweep stores what
# the forms and the importer would: the sanitized payload (bleach keeps a bare <i>, no attribute).
RICH = {
    "comment.body",
    "idea.body",
    "workspace.introduction",
    "theme.introduction",
    "activity.prompt",
    "theme_heard.summary_html",
}

# Written by the requests themselves rather than into the rows (see `request_headers`).
FROM_REQUEST = {"user_session.user_agent": "the User-Agent header of every sweep request"}

# JSON columns that are not a localized text {"fi": ..., "sv": ..., "en": ...}: each row's new value
# from its old one (None: filled otherwise, as said).
SPECIAL_JSON = {
    "audit_log.details": lambda old, m: {**{k: m for k in old or {}}, "label": m, "title": m, "name": m},
    # A sealed anonymous contribution (the ballot box): its texts, the rest of the payload kept.
    "ballot.payload": lambda old, m: {**old, **{k: m for k in ("title", "text", "body") if k in old}},
    # A setting's value: the texts (the organisation's name, a file's name); colours and switches
    # are validated to their shape, and stay.
    "instance_setting.value": lambda old, m: (
        m
        if isinstance(old, str) and not old.startswith("#")
        else {**old, "filename": m}
        if isinstance(old, dict) and "filename" in old
        else old
    ),
    # A published version: re-published below from the marked draft (every field of the document).
    "programme_snapshot.content": None,
}
# Columns with a unique constraint get the row's id after the payload.
UNIQUE_SUFFIX = {"user.email": "{id}@example.fi", "unit.code": "u{id}"}


def text_columns() -> dict[str, sa.Column]:
    """Every String/Text/JSON column of the schema that is not an enum or a primary key."""
    found = {}
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            kind = column.type
            if isinstance(kind, sa.Enum) or column.primary_key and not isinstance(kind, sa.JSON):
                continue
            if isinstance(kind, sa.String) and kind.length and kind.length < SHORTEST:
                continue
            if isinstance(kind, (sa.String, sa.Text, sa.JSON)):
                found[f"{table.name}.{column.name}"] = column
    return found


def user_writable() -> set[str]:
    return set(text_columns()) - set(EXCLUDED)


def numbers() -> dict[str, int]:
    """A stable number per user-writable column (sorted, so both engines agree)."""
    return {name: n for n, name in enumerate(sorted(user_writable()), start=1)}


def request_headers() -> dict[str, str]:
    n = numbers()
    return {"User-Agent": marker(n["user_session.user_agent"])} if "user_session.user_agent" in n else {}


def _extras(make, session, world) -> None:
    """What the fixture world lacks for every column to show somewhere: an idea under review with
    candidates to merge into (the merge list), a status change, hidden content, reports on a note
    and an idea, a named quote, a reply, results in the programme, an audit entry with a reason."""
    a = world.a
    author = world.user("member")
    a.idea.status = IdeaStatus.UNDER_REVIEW
    a.idea.status_reason = "x"
    session.add(
        IdeaStatusChange(
            idea_id=a.idea.id,
            from_status=IdeaStatus.NEW,
            to_status=IdeaStatus.UNDER_REVIEW,
            reason="x",
            changed_by_id=a.moderator.id,
        )
    )
    make.idea(a.ws, author, theme=a.theme)  # a candidate of the merge list
    hidden_idea = make.idea(a.ws, author, theme=a.theme)
    hidden_comment = make.comment(a.theme, author)
    hidden_note = make.note(a.activities["notes"], author, group_id=a.group.id)
    for item in (hidden_idea, hidden_comment, hidden_note):
        item.hidden_at, item.hidden_reason, item.hidden_by_id = utcnow(), "x", a.moderator.id
    make.comment(a.theme, author, parent=a.comment)
    make.comment(a.idea, author)
    session.add_all(
        [
            Report(workspace_id=a.ws.id, note_id=a.note.id, reporter_id=a.moderator.id, reason="x"),
            Report(workspace_id=a.ws.id, idea_id=a.idea.id, reporter_id=a.moderator.id, reason="x"),
            Quote(
                workspace_id=a.ws.id,
                theme_id=a.theme.id,
                note_id=a.note.id,
                excerpt="x",
                attribution=Attribution.NAME,
                attributed_name="x",
                attributed_unit="x",
            ),
            Quote(
                workspace_id=a.ws.id,
                theme_id=a.theme.id,
                idea_id=a.idea.id,
                excerpt="x",
                attribution=Attribution.ROLE_AND_UNIT,
                attributed_unit="x",
            ),
        ]
    )
    for activity in a.activities.values():
        activity.in_programme = True
    author.consents_to_named_quotes = True
    record(a.moderator, "theme.update", a.theme, workspace_id=a.ws.id, reason="x", label="x")
    _settings(world.user("admin"))
    _identity(session, author)
    _mail_texts(world)
    _clusters(session, world)
    session.commit()
    assert {Comment, Note, Idea}  # the hidden kinds above


def _clusters(session, world) -> None:
    """A moderator's name for the cluster of A's comment, and A's theme's "what we heard"."""
    if "cluster_name" not in db.metadata.tables:
        return
    from ideaspace.insight.models import ClusterName, ThemeHeard

    a = world.a
    session.add_all(
        [
            ClusterName(
                workspace_id=a.ws.id, scope=f"theme:{a.theme.id}", anchor=f"comment:{a.comment.id}", name="x"
            ),
            ThemeHeard(
                theme_id=a.theme.id,
                summary_source="x",
                summary_html="<p>x</p>",
                sources=[f"comment:{a.comment.id}"],
            ),
        ]
    )


def _mail_texts(world) -> None:
    """A workspace's own invitation and reminder texts, written by its moderator (where the store
    of mail texts exists)."""
    if "mail_text" not in db.metadata.tables:
        return
    from ideaspace.notifications import mailtexts

    for kind in mailtexts.KINDS:
        mailtexts.save(world.a.moderator, world.a.ws, kind, "en", "x {name}")


def _identity(session, person) -> None:
    """A single sign-on identity (issuer and subject come from the identity provider)."""
    from ideaspace.models.session import UserIdentity

    session.add(UserIdentity(user_id=person.id, issuer="x", subject="x"))
    session.commit()


def _settings(admin) -> None:
    """The instance settings an admin writes: the organisation's name, the brand colour."""
    from ideaspace.exports.frame import ORGANISATION  # registers the programme's settings
    from ideaspace.settings import service as settings

    settings.put(admin, ORGANISATION, "x")
    settings.put(admin, "brand_colour", "#1a5e9c")


def mark(session, world) -> dict[str, int]:
    """Write each column's payload into every row, then publish a version from the marked draft."""
    columns, marked = text_columns(), set(FROM_REQUEST)
    for name, n in numbers().items():
        if name in FROM_REQUEST:
            continue
        column = columns[name]
        if session.execute(sa.select(sa.func.count()).select_from(column.table)).scalar():
            marked.add(name)
        payload = marker(n)
        table = column.table
        if name in SPECIAL_JSON:
            fill = SPECIAL_JSON[name]
            if fill is None:
                continue
            (key,) = table.primary_key.columns
            for row_id, old in session.execute(sa.select(key, column)).all():
                session.execute(
                    sa.update(table).where(key == row_id).values({column.name: fill(old, payload)})
                )
            continue
        if isinstance(column.type, sa.JSON):
            text = clean_html(f"{payload}rich-{n}") if name in RICH else payload
            value = {"fi": text, "sv": text, "en": text}
        elif name in RICH:
            value = clean_html(f"{payload}rich-{n}")
        else:
            value = payload
        if name in UNIQUE_SUFFIX:
            (key,) = table.primary_key.columns
            for row_id in session.execute(sa.select(key)).scalars():
                suffix = UNIQUE_SUFFIX[name].format(id=row_id)
                session.execute(sa.update(table).where(key == row_id).values({column.name: payload + suffix}))
        else:
            session.execute(sa.update(table).values({column.name: value}))
    session.commit()
    session.expire_all()
    n = numbers()
    for side in (world.a, world.b):
        side.snapshot = publish(side.moderator, side.ws, "x")
    session.execute(
        sa.update(db.metadata.tables["programme_snapshot"]).values(note=marker(n["programme_snapshot.note"]))
    )
    session.commit()
    session.expire_all()
    return n, marked


def mark_sessions(session) -> None:
    """Sessions are made by signing in: give theirs the payload too (beside the User-Agent)."""
    table = db.metadata.tables.get("user_session")
    n = numbers().get("user_session.user_agent")
    if table is not None and n:
        session.execute(sa.update(table).values(user_agent=marker(n)))
        session.commit()


def _anonymous_note(client, session, world) -> None:
    """A sealed anonymous note of the member, through the form: it waits in the ballot box (one
    person is fewer than k), and the member's browser keeps its id to show it to them."""
    a = world.a
    activity = world.a.activities["notes"]
    activity.is_anonymous = True
    session.commit()
    as_role(client, world, "member")
    response = client.post(f"/w/{a.ws.slug}/activities/{activity.id}/notes", data={"text": "x"})
    assert response.status_code in (200, 302), response.status_code


def build(make, session, client):
    world = worlds.build(make, session)
    _extras(make, session, world)
    _anonymous_note(client, session, world)
    world.extra["numbers"], world.extra["marked"] = mark(session, world)
    return world
