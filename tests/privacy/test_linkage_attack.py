"""The linkage attack (issue 12): people of units of 1, 2, 4, 6 and 9 take part anonymously on
different days; a moderator with every output, and someone with the raw database, try every join.

No anonymous item may link to fewer than k people. The scenario runs once per engine on a database
of its own, through real requests that commit (so PostgreSQL's xmin and SQLite's rowid are what
production would write); the clock is the code's own `utcnow`, moved day by day.
"""

from __future__ import annotations

import csv
import io
import json
import os
import secrets
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

import ideaspace.models.base as model_base
from ideaspace.extensions import db
from ideaspace.models import ActivityKind, MemberRole, Role, User, WorkspaceAccess

from .. import factories
from ..conftest import ENGINES, create_scratch_postgres, create_test_app, drop_scratch_postgres, sign_in
from .linkage import CHANNELS, Knowledge, Observation, candidates, check_sound, difference, linked

K = 5
UNIT_SIZES = {"U1": 1, "U2": 2, "U4": 4, "U6": 6, "U9": 9}
TAKING_PART = {"U1": 1, "U2": 2, "U4": 3, "U6": 4, "U9": 6}  # 16 people
DAYS = [date(2026, 3, 2) + timedelta(days=d) for d in range(5)]
ANSWERED = ("single", "multiple", "scale")
REAL_DATETIME = datetime


class Clock:
    now = REAL_DATETIME(2026, 3, 2, 8, tzinfo=UTC)


class FrozenDatetime(REAL_DATETIME):
    """`datetime` as ideaspace.models.base sees it: `now()` is the test's clock (a real datetime)."""

    @classmethod
    def now(cls, tz=None):
        return Clock.now if tz is not None else Clock.now.replace(tzinfo=None)


# --- the scenario --------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=ENGINES)
def world(request, tmp_path_factory):
    engine = request.param
    if engine == "postgresql":
        url = create_scratch_postgres(os.environ["TEST_DATABASE_URL"], "linkage")
    else:
        url = "sqlite:///" + str(tmp_path_factory.mktemp("linkage") / "linkage.sqlite3")
    app = create_test_app(url, tmp_path_factory)
    patch = pytest.MonkeyPatch()
    patch.setattr(model_base, "datetime", FrozenDatetime)
    try:
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
            yield build(app, engine)
            db.session.remove()
            db.engine.dispose()
    finally:
        patch.undo()
        if engine == "postgresql":
            drop_scratch_postgres(os.environ["TEST_DATABASE_URL"], url)


def build(app, engine: str) -> SimpleNamespace:
    make = factories.Factories(db.session)
    dept = make.unit("Osasto")
    units = {name: make.unit(name, parent=dept) for name in UNIT_SIZES}
    ws = make.workspace(access=WorkspaceAccess.INVITED, min_group_size=K)
    theme = make.theme(ws)
    labels = [f"o{i}" for i in range(4)]
    acts = {
        "single": make.activity(theme, ActivityKind.SINGLE_CHOICE, options=labels[:3], is_anonymous=True),
        "multiple": make.activity(
            theme, ActivityKind.MULTIPLE_CHOICE, options=labels, is_anonymous=True, max_selections=4
        ),
        "scale": make.activity(theme, ActivityKind.SCALE, is_anonymous=True),
        "notes": make.activity(theme, ActivityKind.NOTES, is_anonymous=True),
        "discussion": make.activity(theme, ActivityKind.DISCUSSION, is_anonymous=True),
        "ideas": make.activity(theme, ActivityKind.IDEAS, is_anonymous=True),
    }
    for name, activity in acts.items():
        activity.title = {"fi": name, "sv": name}
    db.session.commit()
    people, units_of = [], {}
    for name, size in UNIT_SIZES.items():
        for i in range(size):
            person = make.user(
                Role.PARTICIPANT,
                unit=units[name],
                email=f"{name.lower()}-{i}@example.fi",
                locale="sv" if i % 3 == 1 else "fi",  # a Swedish-speaking minority in each unit
            )
            make.member(ws, person)
            units_of[person.email] = f"Osasto / {name}"
            if i < TAKING_PART[name]:
                people.append(SimpleNamespace(id=person.id, email=person.email))
    moderator = make.user(Role.MODERATOR)
    make.member(ws, moderator, MemberRole.MODERATOR)
    spare = db.session.scalar(sa.select(User).where(User.email == "u9-6@example.fi"))
    spare = SimpleNamespace(id=spare.id, email=spare.email)
    db.session.commit()

    w = SimpleNamespace(
        app=app,
        engine=engine,
        ws=SimpleNamespace(id=ws.id),
        slug=ws.slug,
        acts={name: a.id for name, a in acts.items()},
        titles={a.id: name for name, a in acts.items()},
        options={o.id: o.label["fi"] for a in acts.values() for o in a.options},
        option_ids={(name, o.label["fi"]): o.id for name, a in acts.items() for o in a.options},
        units_of=units_of,
        moderator=SimpleNamespace(id=moderator.id),
        truth=defaultdict(set),  # (scope, signature) → people who gave it
        client=app.test_client(),
    )
    # Each person takes part on one of four days (a day's people in the order of their index).
    for i, person in sorted(enumerate(people), key=lambda pair: (pair[0] % 4, pair[0])):
        day = DAYS[i % 4]
        Clock.now = REAL_DATETIME.combine(day, datetime.min.time(), UTC) + timedelta(hours=9, minutes=i)
        take_part(w, person, i)
    pick_quotes(w)
    cluster_and_summarise(w)
    w.before = outputs(w)
    # One more answer, the next day, and everything again.
    Clock.now = REAL_DATETIME.combine(DAYS[4], datetime.min.time(), UTC) + timedelta(hours=10)
    act_as(w, spare)
    answer(w, spare, "scale", value=3)
    w.after = outputs(w)
    return w


def pick_quotes(w) -> None:
    """The moderator quotes two published anonymous notes in the programme (unit and language shown)."""
    from ideaspace.models import Note, Theme, Workspace
    from ideaspace.quotes import service as quotes

    workspace = db.session.get(Workspace, w.ws.id)
    theme = db.session.scalar(sa.select(Theme).where(Theme.workspace_id == w.ws.id))
    notes = db.session.scalars(
        sa.select(Note).where(Note.activity_id == w.acts["notes"]).order_by(Note.id).limit(2)
    ).all()
    for note in notes:
        # The notes are written in Finnish ("lappu ..."), so their quotes are marked Finnish. (A
        # note written in Swedish tells that its author writes Swedish, whatever any output shows:
        # a limit of what people write, in docs/anonymity.md.)
        language = "fi"
        source = quotes.get_source(workspace, "note", note.id)
        attribution = "role_and_unit" if note.unit_id else "role"
        quotes.pick(
            db.session.get(User, w.moderator.id),
            workspace,
            source,
            theme_id=theme.id,
            excerpt=None,
            attribution=attribution,
            language=language,
        )
    db.session.commit()


def cluster_and_summarise(w) -> None:
    """The moderator reads the workspace as clusters (cached), names one, moves a published
    anonymous item and sends a summary to the programme: the rows keep item keys, never people."""
    from ideaspace.insight import service as insight
    from ideaspace.models import Theme, Workspace

    moderator = db.session.get(User, w.moderator.id)
    scope = insight.Scope(db.session.get(Workspace, w.ws.id))
    views = insight.clusters(scope)
    assert views, "the published anonymous content is clustered"
    insight.rename(moderator, scope, views[0].anchor, "Kuultua")
    if len(views) > 1:
        insight.move(moderator, scope, views[0].items[-1].key, views[1].anchor)
    theme = db.session.scalar(sa.select(Theme).where(Theme.workspace_id == w.ws.id))
    insight.send_heard(moderator, scope, views[0].anchor, theme.id, "Kuulimme lapuista.")
    db.session.commit()


def act_as(w, person) -> None:
    sign_in(w.client, db.session.get(User, person.id))
    db.session.commit()
    assert w.client.get(f"/w/{w.slug}/").status_code == 200  # the day's visit


def tick() -> None:
    Clock.now += timedelta(seconds=7)


def answer(w, person, name: str, options=(), value=None) -> None:
    tick()
    data = {"option": [str(w.option_ids[(name, o)]) for o in options]}
    if value is not None:
        data["value"] = str(value)
    response = w.client.post(f"/w/{w.slug}/activities/{w.acts[name]}/answer", data=data)
    assert response.status_code < 400, (name, response.status_code)
    signature = (frozenset(options), value)
    w.truth[(f"answer:{name}", signature)].add(person.email)


def write(w, person, kind: str) -> None:
    tick()
    token = secrets.token_hex(6)
    if kind == "note":
        url, data = f"/w/{w.slug}/activities/{w.acts['notes']}/notes", {"text": f"lappu {token}"}
    elif kind == "comment":
        url, data = f"/w/{w.slug}/comments/activity/{w.acts['discussion']}", {"body": f"kommentti {token}"}
    else:
        url, data = f"/w/{w.slug}/ideas", {"title": f"idea {token}", "body": f"kuvaus {token}"}
    response = w.client.post(url, data=data)
    assert response.status_code < 400, (kind, response.status_code, response.text[:500])
    w.truth[("text", token)].add(person.email)


def take_part(w, person, i: int) -> None:
    act_as(w, person)
    answer(w, person, "single", options=[f"o{i % 3}"])
    answer(w, person, "multiple", options=sorted({f"o{i % 4}", f"o{(i * 3 + 1) % 4}"}))
    answer(w, person, "scale", value=i % 11)
    if i % 3 != 2:
        write(w, person, "note")
    if i % 5 == 0:
        write(w, person, "note")
    if i % 2 == 0:
        write(w, person, "comment")
    if i % 3 == 0 or i == 1:
        write(w, person, "idea")


# --- what the attacker gets ----------------------------------------------------------------------


def outputs(w) -> SimpleNamespace:
    """Every output a moderator can download, and the raw database, at this moment."""
    sign_in(w.client, db.session.get(User, w.moderator.id))
    db.session.commit()
    # Each streamed download is read before the next request.
    export = w.client.get(f"/w/{w.slug}/export.json?lang=fi")
    assert export.status_code == 200
    export = json.loads(export.get_data(as_text=True))
    content = w.client.get(f"/w/{w.slug}/export/content.csv?lang=fi")
    content = content.get_data(as_text=True) if content.status_code == 200 else None
    statistics = w.client.get(f"/w/{w.slug}/statistics.csv?lang=fi")
    assert statistics.status_code == 200
    statistics = statistics.get_data(as_text=True)
    db.session.commit()
    return SimpleNamespace(
        export=export,
        content=content,
        statistics=statistics,
        database=dump(w),
    )


def dump(w) -> dict[str, list[dict]]:
    """Every table, every column, with SQLite's rowid or PostgreSQL's ctid and xmin."""
    tables = {}
    with db.engine.connect() as conn:  # one connection: a second would wait for this one's lock
        # SQLite's FTS5 search index keeps two shadow tables WITHOUT ROWID (migration 0006).
        without_rowid = set()
        if w.engine == "sqlite":
            without_rowid = {
                name
                for name, sql in conn.execute(
                    sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
                )
                if sql and "WITHOUT ROWID" in sql.upper()
            }
        for table in sa.inspect(conn).get_table_names():
            if table in without_rowid:
                sql = f'SELECT * FROM "{table}"'
            elif w.engine == "sqlite":
                sql = f'SELECT rowid AS "_rowid", * FROM "{table}"'
            else:
                sql = f'SELECT ctid::text AS "_ctid", xmin::text AS "_xmin", * FROM "{table}"'
            tables[table] = [dict(r._mapping) for r in conn.execute(sa.text(sql))]
    return tables


def _moment(value) -> datetime | date | None:
    if value is None or isinstance(value, datetime | date):
        if isinstance(value, datetime) and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value
    text = str(value)
    parsed = datetime.fromisoformat(text) if ("T" in text or " " in text) else date.fromisoformat(text)
    if isinstance(parsed, datetime) and parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _ctid(value: str) -> tuple[int, int]:
    page, slot = value.strip("()").split(",")
    return int(page), int(slot)


# --- the moderator's outputs → evidence ----------------------------------------------------------


def from_export(w, doc: dict) -> tuple[list[Observation], Knowledge]:
    """The workspace JSON a moderator downloads: people, units, visits, respondents, content."""
    knowledge = Knowledge(
        units={p["email"]: p.get("unit") for p in doc.get("people", [])},
        languages={p["email"]: _writes(p.get("locale"), doc["workspace"]) for p in doc.get("people", [])},
    )
    for email in w.units_of:
        knowledge.units.setdefault(email, None)  # invited people are known from the invitations
    for m in doc["workspace"].get("memberships", []):
        seen = knowledge.moments[m["person"]] if m.get("person") else set()
        for day in m.get("visits") or []:
            seen.add(_moment(day))
        for key in ("first_visit_at", "last_visit_at", "first_contribution_at"):
            if m.get(key):
                seen.add(_moment(m[key]))
    items = []
    for theme in doc["workspace"]["themes"]:
        for a in theme["activities"]:
            if not a["is_anonymous"]:
                continue
            name = a["title"]["fi"]
            labels = {o["key"]: o["label"]["fi"] for o in a.get("options", [])}
            if a.get("respondents"):
                knowledge.participants[f"answer:{name}"] = set(a["respondents"])
            for n, ans in enumerate(a.get("answers", [])):
                signature = (frozenset(labels[o] for o in ans.get("options", [])), ans.get("value"))
                items.append(
                    Observation(
                        "export",
                        f"answer:{name}",
                        f"answers[{n}]",
                        unit=ans.get("unit"),
                        when=_moment(ans.get("on")),
                        truth=frozenset(w.truth[(f"answer:{name}", signature)]),
                    )
                )
            for n in a.get("notes", []):
                if n.get("author") is None:
                    items.append(_text_item(w, "export", f"note:{name}", n["key"], n, n["text"]))
            for c in _flatten(a.get("comments", [])):
                if c.get("author") is None:
                    items.append(_text_item(w, "export", f"comment:{name}", c["key"], c, c["body"]))
    for idea in doc["workspace"].get("ideas", []):
        if idea.get("author") is None:
            items.append(_text_item(w, "export", "idea:barrel", idea["key"], idea, idea["title"]))
    # A quote shows its language and perhaps a unit: both are evidence on the item it quotes.
    by_key = {item.ref: item for item in items}
    for theme in doc["workspace"]["themes"]:
        for q in theme.get("quotes", []):
            for key in (q.get("source") or {}).values():
                if key in by_key:
                    by_key[key].language = q.get("language")
                    by_key[key].unit = by_key[key].unit or q.get("attributed_unit")
    return items, knowledge


def _writes(locale: str | None, workspace: dict) -> set[str]:
    """The languages someone is known to write: the workspace's primary language (a bilingual
    city's staff all write Finnish here) and the language they use the service in."""
    return {workspace.get("primary_language") or "fi"} | ({locale} if locale else set())


def _flatten(comments):
    for c in comments:
        yield c
        yield from _flatten(c.get("replies", []))


def _token(text: str) -> str:
    return text.replace("<p>", " ").replace("</p>", " ").split()[1]


def _text_item(w, source, scope, ref, row, text) -> Observation:
    return Observation(
        source,
        scope,
        ref,
        unit=row.get("unit"),
        when=_moment(row.get("created_at")),
        truth=frozenset(w.truth[("text", _token(text))]),
    )


def from_content_csv(w, text: str | None, knowledge: Knowledge) -> list[Observation]:
    """The moderators' content export (CSV): a row per comment, note and idea."""
    if not text:
        return []
    items = []
    for n, row in enumerate(csv.DictReader(io.StringIO(text.lstrip("\ufeff")))):
        if row.get("author"):
            continue
        scope = {"note": "note:notes", "comment": "comment:discussion", "idea": "idea:barrel"}.get(
            row["kind"]
        )
        if scope is None:
            continue
        body = row["title"] if row["kind"] == "idea" else row["text"]
        items.append(
            Observation(
                "content.csv",
                scope,
                f"row {n + 1}",
                unit=row.get("unit") or None,
                when=_moment(row["date"]) if row.get("date") else None,
                position=(n,),
                truth=frozenset(w.truth[("text", body.split()[1])]),
            )
        )
    return items


# --- the raw database → evidence -----------------------------------------------------------------


def from_database(w, tables: dict[str, list[dict]]) -> tuple[list[Observation], Knowledge]:
    """Everything in every table: the person-side rows as knowledge, anonymous rows as items."""
    sqlite = w.engine == "sqlite"
    users = {u["id"]: u for u in tables["user"]}
    email = {uid: u["email"] for uid, u in users.items()}
    paths = _unit_paths(tables["unit"])
    workspace = next(row for row in tables["workspace"] if row["id"] == w.ws.id)
    knowledge = Knowledge(
        units={u["email"]: paths.get(u["unit_id"]) for u in users.values()},
        languages={u["email"]: _writes(u["locale"], workspace) for u in users.values()},
    )
    memberships = {m["id"]: m for m in tables["membership"] if m["workspace_id"] == w.ws.id}

    def position(row):
        return (
            (row["_rowid"],)
            if sqlite and "_rowid" in row
            else _ctid(row["_ctid"])
            if "_ctid" in row
            else None
        )

    def seen(person, *moments):
        for m in moments:
            if m is not None:
                knowledge.moments[person].add(_moment(m))

    for m in memberships.values():
        seen(email[m["user_id"]], m["first_visit_at"], m["last_visit_at"], m["first_contribution_at"])
        if "_xmin" in m:
            knowledge.txids[email[m["user_id"]]].add(m["_xmin"])
    for v in tables["visit"]:
        if v["membership_id"] in memberships:
            person = email[memberships[v["membership_id"]]["user_id"]]
            seen(person, v["day"])
            if "_xmin" in v:
                knowledge.txids[person].add(v["_xmin"])
    for table in ("user_session", "idea_support", "comment_like", "audit_log"):
        for row in tables.get(table, []):
            uid = row.get("user_id") or row.get("actor_id")
            if uid in email and "_xmin" in row:
                knowledge.txids[email[uid]].add(row["_xmin"])
    respondents = defaultdict(list)
    for r in tables["respondent"]:
        name = w.titles.get(r["activity_id"])
        if name is None:
            continue
        person = email[r["user_id"]]
        respondents[f"answer:{name}"].append((position(r), person))
        seen(person, r["answered_on"])
        if "_xmin" in r:
            knowledge.txids[person].add(r["_xmin"])
    for scope, rows in respondents.items():
        knowledge.participants[scope] = {p for _, p in rows}
        knowledge.order[scope] = [p for _, p in sorted(rows)]

    items = []
    choices = defaultdict(set)
    for c in tables["answer_choice"]:
        choices[c["answer_key"]].add(w.options[c["option_id"]])
    for a in tables["answer"]:
        name = w.titles.get(a["activity_id"])
        if name not in ANSWERED:
            continue
        signature = (frozenset(choices[a["key"]]), a["scale_value"])
        answered_on = _moment(a["answered_on"])
        items.append(
            Observation(
                "database",
                f"answer:{name}",
                f"answer {a['key'][:8]}",
                unit=paths.get(a["unit_id"]),
                when=answered_on,
                position=position(a),
                batch=a.get("_xmin", answered_on),
                txid=a.get("_xmin"),
                truth=frozenset(w.truth[(f"answer:{name}", signature)]),
            )
        )
    for table, scope, text in (
        ("note", "note:notes", "text"),
        ("comment", "comment:discussion", "body"),
        ("idea", "idea:barrel", "title"),
    ):
        for row in tables[table]:
            if row["workspace_id"] != w.ws.id or row["author_id"] is not None:
                continue
            created = _moment(row["created_at"])
            items.append(
                Observation(
                    "database",
                    scope,
                    f"{table} {row['id']}",
                    unit=paths.get(row["unit_id"]),
                    when=created,
                    position=(row["id"],),
                    batch=row.get("_xmin", created),
                    txid=row.get("_xmin"),
                    truth=frozenset(w.truth[("text", _token(row[text]))]),
                )
            )
    # The search index (migration 0006) shows each anonymous item again: its own row, id order and
    # (PostgreSQL) transaction id are evidence too.
    anonymous = {item.ref: item for item in items}
    for entry in tables.get("search_entry", []):
        for table in ("note", "comment", "idea"):
            item = anonymous.get(f"{table} {entry[f'{table}_id']}")
            if item is not None:
                items.append(
                    Observation(
                        "database",
                        item.scope,
                        f"search_entry {entry['id']} of {item.ref}",
                        when=item.when,
                        position=(entry["id"],),
                        batch=entry.get("_xmin", item.when),
                        txid=entry.get("_xmin"),
                        truth=item.truth,
                    )
                )
    # The clusters (issue 14) name published anonymous items by key, in rows the moderator wrote:
    # a move, a "what we heard"'s sources, the cached clustering. Their ids and transaction ids are
    # the moderator's requests' (when the moderator acted, not who wrote: no channel may read them
    # as the author's), so what they add is that they name the item, with nothing of its author.
    keyed = [(f"cluster_move {row['id']}", [row["item"]]) for row in tables.get("cluster_move", [])]
    keyed += [
        (f"theme_heard {row['theme_id']}", _keys(row["sources"])) for row in tables.get("theme_heard", [])
    ]
    keyed += [
        (f"cluster_cache {row['id']}", [k for c in _keys(row["clusters"]) for k in c["items"]])
        for row in tables.get("cluster_cache", [])
    ]
    for where, keys in keyed:
        for key in keys:
            item = anonymous.get(key.replace(":", " "))
            if item is not None:
                items.append(
                    Observation(
                        "database", item.scope, f"{where} of {item.ref}", when=item.when, truth=item.truth
                    )
                )
    for table in ("cluster_cache", "cluster_name", "cluster_move"):  # nothing of who wrote an item
        assert not any(column in row for row in tables.get(table, []) for column in ("author_id", "unit_id"))
    languages = {}
    for q in tables.get("quote", []):
        for table in ("note", "comment", "idea"):
            if q.get(f"{table}_id") is not None:
                languages[f"{table} {q[f'{table}_id']}"] = q["language"]
    for item in items:
        item.language = languages.get(item.ref)
    return items, knowledge


def _keys(value):
    return json.loads(value) if isinstance(value, str) else value or []


def _unit_paths(rows) -> dict[int, str]:
    units = {u["id"]: u for u in rows}

    def path(uid):
        u = units[uid]
        name = (u["name"] if isinstance(u["name"], dict) else json.loads(u["name"]))["fi"]
        return f"{path(u['parent_id'])} / {name}" if u["parent_id"] else name

    return {uid: path(uid) for uid in units}


# --- the attack ----------------------------------------------------------------------------------


def _signature(item: Observation):
    return (item.unit, item.when, item.truth)


def moderator_attack(w, take, channels=CHANNELS):
    """What a moderator's downloads show of every anonymous item, narrowed by these channels."""
    items, knowledge = from_export(w, take.export)
    items += from_content_csv(w, take.content, knowledge)
    return candidates(items, knowledge, channels)


def database_attack(w, take, channels=CHANNELS):
    """What the raw database shows of every anonymous item, narrowed by these channels."""
    items, knowledge = from_database(w, take.database)
    return candidates(items, knowledge, channels)


# Each channel alone (so a failure names the join that works), then all of them together.
ALONE = {name: {name: channel} for name, channel in CHANNELS.items()} | {"all": CHANNELS}


def test_the_scenario_took_place(world):
    """The people, units and days are what the attack assumes, and some content is public."""
    assert sum(TAKING_PART.values()) == 16
    doc = world.after.export["workspace"]
    assert doc["min_group_size"] == K
    tables = world.after.database
    assert len([r for r in tables["respondent"] if world.titles.get(r["activity_id"]) == "scale"]) == 17
    shown = sum(1 for a in tables["answer"] if world.titles.get(a["activity_id"]) in ANSWERED)
    assert shown >= 3 * 15  # published in batches of at least k (or all at once on the old code)


@pytest.mark.parametrize("channels", ALONE)
def test_the_moderators_outputs_link_no_anonymous_item_to_fewer_than_k_people(world, channels):
    """The workspace JSON, the content CSV: units, days and times, order."""
    results = moderator_attack(world, world.after, ALONE[channels])
    assert results, "the moderator's outputs show no anonymous item at all"
    assert check_sound(results) == []
    assert linked(results, K) == []


def test_two_exports_before_and_after_one_more_answer_link_nobody(world):
    before, knowledge_before = from_export(world, world.before.export)
    after, knowledge_after = from_export(world, world.after.export)
    results = difference(before, after, _signature, knowledge_before, knowledge_after)
    assert check_sound(results) == []
    assert linked(results, K) == []


@pytest.mark.parametrize("channels", ALONE)
def test_the_raw_database_links_no_anonymous_item_to_fewer_than_k_people(world, channels):
    """Every column, ids, rowid/ctid order, xmin, dates and units of the stored rows."""
    results = database_attack(world, world.after, ALONE[channels])
    assert results
    assert check_sound(results) == []
    assert linked(results, K) == []


def test_two_database_dumps_before_and_after_one_more_answer_link_nobody(world):
    before, knowledge_before = from_database(world, world.before.database)
    after, knowledge_after = from_database(world, world.after.database)
    results = difference(before, after, _signature, knowledge_before, knowledge_after)
    assert check_sound(results) == []
    assert linked(results, K) == []


def test_the_statistics_show_no_group_of_people_below_k(world):
    """The funnel by unit is about people, not content; still every row, and what the total
    leaves without it, is a group of at least k invited people (units of 1, 2 and 4 merge)."""
    for take in (world.before, world.after):
        rows = list(csv.reader(io.StringIO(take.statistics.lstrip("\ufeff"))))
        invited = {r[1]: int(r[5]) for r in rows if r and r[0] == "unit" and r[4] == "invited"}
        total = sum(invited.values())
        assert total == sum(UNIT_SIZES.values())
        assert all(n >= K and (total - n == 0 or total - n >= K) for n in invited.values()), invited
        assert "other" in invited  # the small units, merged
