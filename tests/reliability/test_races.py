"""Every write path under 8–20 parallel identical or conflicting requests, through real gunicorn
(2 workers × 4 threads, as gunicorn.conf.py), on SQLite and on PostgreSQL.

Exactly one effect where one is due, never a 5xx, and the loser of a conflict told why (a 4xx
with the message, or the redirect the app gives a repeated action). One server per engine serves
the whole module; each case builds its own workspace and people (so no case counts another's rows)
and fires its requests at once from threads held at a barrier.

The server's threads switch every 10 µs instead of every 5 ms (a sitecustomize in its PYTHONPATH):
a request then meets the others mid-way far more often, so an object shared between threads that
is not thread-safe shows within a few hundred requests, not a few thousand.

Adding a write path: write a function `case(world) -> Race` below (build what it needs with
`world.build()`, sign people in with `world.person()`), and add it to CASES with the engines it
applies to.

Anonymous contributions are counted as published rows plus sealed ballots waiting in the ballot
box (`contributions()`), so the rule (one person, one answer; every accepted post kept once) is
checked the same way before and after the ballot box publishes them in batches.
"""

from __future__ import annotations

import copy
import hashlib
import http.client
import re
import secrets
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from ideaspace.markdown import render as render_markdown
from ideaspace.models import (
    ActivityKind,
    MemberRole,
    Membership,
    Role,
    SigninToken,
    User,
    WorkspaceAccess,
    utcnow,
)
from ideaspace.sanitize import clean_text

from ..factories import Factories
from .conftest import RELIABILITY, SECRET, Gunicorn, Response, admin_execute, need_postgres, with_database

pytestmark = RELIABILITY

PARALLEL = 12  # requests fired at once by one person (a double click, tabs, a flaky connection)
SWITCH_INTERVAL = 1e-5  # seconds between the server's thread switches (Python's default: 5e-3)


# -- the server and the world, once per engine -------------------------------------------------------


class Browser:
    """One browser: its cookies (whatever the app sets) and the CSRF token of its session."""

    def __init__(self, port: int):
        self.port, self.cookies, self.token = port, {}, ""

    def request(self, method: str, path: str, form: dict | None = None) -> Response:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            headers = {"Accept-Language": "en"}
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            body = None
            if form is not None:
                body = urlencode({"csrf_token": self.token, **form}, doseq=True)
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            conn.request(method, path, body=body, headers=headers)
            reply = conn.getresponse()
            text = reply.read().decode("utf-8", "replace")
            for header in reply.headers.get_all("Set-Cookie") or ():
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            return Response(reply.status, text, reply.getheader("Location"))
        finally:
            conn.close()

    def get(self, path: str) -> Response:
        response = self.request("GET", path)
        found = re.search(r'name="csrf_token" value="([^"]+)"|"X-CSRFToken": "([^"]+)"', response.body)
        if found:
            self.token = found.group(1) or found.group(2)
        return response

    def post(self, path: str, form: dict | None = None) -> Response:
        return self.request("POST", path, form or {})

    def sign_in(self, raw_token: str) -> None:
        """Through the person's sign-in link, as they would: no knowledge of how sessions work."""
        assert self.get(f"/signin/{raw_token}").status == 200
        signed_in = self.post(f"/signin/{raw_token}")
        assert signed_in.status == 302, signed_in.body[-2000:]
        assert self.get("/").status == 200  # the new session's CSRF token


@dataclass
class World:
    """The app served by gunicorn on one engine, and a way to add to its database."""

    engine_name: str
    url: str
    server: Gunicorn
    engine: sa.Engine

    @contextmanager
    def build(self):
        """Factories on a session of our own, committed as they go."""
        with Session(self.engine, expire_on_commit=False) as session:
            yield Factories(session)

    def token(self, user: User) -> str:
        raw = secrets.token_urlsafe(32)
        with Session(self.engine) as session:
            session.add(
                SigninToken(
                    token_hash=hashlib.sha256(raw.encode("ascii")).hexdigest(),
                    user_id=user.id,
                    created_at=utcnow(),
                    expires_at=utcnow() + timedelta(hours=1),
                )
            )
            session.commit()
        return raw

    def person(
        self,
        make: Factories,
        *workspaces,
        role: Role = Role.PARTICIPANT,
        as_: MemberRole = MemberRole.PARTICIPANT,
    ) -> tuple[User, Browser]:
        """A new person (English pages), member of `workspaces`, signed in in a browser."""
        user = make.user(role=role, locale="en")
        for workspace in workspaces:
            make.member(workspace, user, as_)
        browser = Browser(self.server.port)
        browser.sign_in(self.token(user))
        return user, browser

    def scalar(self, sql: str, **params):
        with self.engine.connect() as conn:
            return conn.execute(sa.text(sql), params).scalar()

    def rows(self, sql: str, **params) -> list:
        with self.engine.connect() as conn:
            return list(conn.execute(sa.text(sql), params))


def migrate(database_url: str) -> None:
    """The schema through Alembic, as production gets it."""
    from flask_migrate import upgrade

    from ideaspace import create_app
    from ideaspace.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": SECRET})
    saved = db.session
    db.session = db._make_scoped_session({})  # never the session of a test running in this process
    try:
        with app.app_context():
            upgrade()
            db.session.remove()
            db.engine.dispose()
    finally:
        db.session = saved


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"races-{request.param}")
    if request.param == "postgresql":
        name = "races_" + uuid.uuid4().hex[:12]
        server_url = need_postgres()
        admin_execute(server_url, f'CREATE DATABASE "{name}"')
        url = with_database(server_url, name)
    else:
        url = f"sqlite:///{folder / 'races.sqlite3'}"
    migrate(url)
    switching = folder / "switching"
    switching.mkdir()
    (switching / "sitecustomize.py").write_text(f"import sys\nsys.setswitchinterval({SWITCH_INTERVAL})\n")
    server = Gunicorn(url, folder, workers=2, threads=4)
    server.env["PYTHONPATH"] = f"{switching}:{server.env['PYTHONPATH']}"
    engine = sa.create_engine(url)
    try:
        server.start()
        yield World(request.param, url, server, engine)
    finally:
        server.stop()
        engine.dispose()
        if request.param == "postgresql":
            admin_execute(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# -- a race: requests fired at once, then what must hold -----------------------------------------------


@dataclass
class Race:
    """Requests to fire at once: (browser, method, path, form); `check` looks at the responses and
    the database afterwards."""

    requests: list[tuple[Browser, str, str, dict | None]]
    check: Callable[[list[Response]], None]
    expected_statuses: set[int] = field(default_factory=lambda: {302})


def fire(race: Race) -> list[Response]:
    """Send the requests at once, each from a copy of its browser as it was before the race (tabs
    opened beforehand): a cookie one response sets, such as a new session, reaches no other."""
    start = threading.Barrier(len(race.requests))

    def one(job):
        browser, method, path, form = job
        tab = copy.copy(browser)
        tab.cookies = dict(browser.cookies)
        start.wait(timeout=60)
        return tab.request(method, path, form)

    with ThreadPoolExecutor(max_workers=len(race.requests)) as pool:
        return list(pool.map(one, race.requests))


def statuses(responses: list[Response]) -> Counter:
    return Counter(r.status for r in responses)


def contributions(world: World, kind: str, *, activity_id: int | None = None, workspace_id: int) -> int:
    """Anonymous contributions of a kind in a scope: the published rows and the sealed ballots
    still waiting in the ballot box (issue 12), whichever way the app holds them now."""
    table = {"answer": "answer", "comment": "comment", "note": "note", "idea": "idea"}[kind]
    if kind == "answer":
        published = world.scalar("SELECT count(*) FROM answer WHERE activity_id = :a", a=activity_id)
    elif kind == "idea":
        published = world.scalar(
            "SELECT count(*) FROM idea WHERE workspace_id = :w AND author_id IS NULL", w=workspace_id
        )
    else:
        published = world.scalar(f"SELECT count(*) FROM {table} WHERE activity_id = :a", a=activity_id)
    if "ballot" not in sa.inspect(world.engine).get_table_names():
        return published
    scope = "activity_id IS NULL" if kind == "idea" else "activity_id = :a"
    pending = world.scalar(
        f"SELECT count(*) FROM ballot WHERE workspace_id = :w AND kind = :k AND {scope}",
        w=workspace_id,
        k=kind,
        a=activity_id,
    )
    return published + pending


def invitations(world: World, user: User, workspace) -> int:
    """Invitations sent to a person: messages in the mail outbox where there is one (a worker sends
    them, with their sign-in links), else the mails the app wrote at once with a link each."""
    tables = sa.inspect(world.engine).get_table_names()
    if "outbox_message" in tables:
        return world.scalar(
            "SELECT count(*) FROM outbox_message WHERE user_id = :u AND workspace_id = :w",
            u=user.id,
            w=workspace.id,
        )
    links = "SELECT count(*) FROM signin_token WHERE user_id = :u AND workspace_id = :w"
    assert world.scalar(links, u=user.id, w=workspace.id) == 1
    return len(
        [m for m in Path(world.server.env["MAIL_OUTBOX"]).glob("*.eml") if user.email in m.read_text()]
    )


# -- the cases -------------------------------------------------------------------------------------


def answer(world: World, *, anonymous: bool = False) -> Race:
    """One person answers a poll twelve times at once: one respondent, one answer, one choice."""
    with world.build() as make:
        ws = make.workspace()
        poll = make.activity(
            make.theme(ws),
            ActivityKind.SINGLE_CHOICE,
            options=3,
            is_anonymous=anonymous,
            answers_changeable=False,
        )
        options = [o.id for o in poll.options]
        _, browser = world.person(make, ws)
    path = f"/w/{ws.slug}/activities/{poll.id}/answer"

    def check(responses):
        assert statuses(responses)[302] == 1, statuses(responses)
        for refused in (r for r in responses if r.status == 422):
            assert "You have already answered" in refused.body
        assert world.scalar("SELECT count(*) FROM respondent WHERE activity_id = :a", a=poll.id) == 1
        assert contributions(world, "answer", activity_id=poll.id, workspace_id=ws.id) == 1
        if not anonymous:
            assert (
                world.scalar(
                    "SELECT count(*) FROM answer_choice JOIN answer ON answer.key = answer_choice.answer_key "
                    "WHERE answer.activity_id = :a",
                    a=poll.id,
                )
                == 1
            )
        assert (
            world.scalar(
                "SELECT count(*) FROM membership WHERE workspace_id = :w"
                " AND first_contribution_at IS NOT NULL",
                w=ws.id,
            )
            == 1
        )

    requests = [(browser, "POST", path, {"option": str(options[i % 3])}) for i in range(PARALLEL)]
    return Race(requests, check, {302, 422})


def first_answer_changeable(world: World) -> Race:
    """One person's twelve first answers to a named, changeable poll at once (its answer is
    written before the respondent row that points at it): one answer, pointed at, one choice."""
    with world.build() as make:
        ws = make.workspace()
        poll = make.activity(
            make.theme(ws), ActivityKind.SINGLE_CHOICE, options=3, answers_changeable=True, is_anonymous=False
        )
        options = [o.id for o in poll.options]
        _, browser = world.person(make, ws)
    path = f"/w/{ws.slug}/activities/{poll.id}/answer"

    def check(responses):
        # The first wins; a request that found its answer is a change (302), one that lost the
        # race for the respondent row takes its answer back and says so (422).
        for refused in (r for r in responses if r.status == 422):
            assert "You have already answered" in refused.body
        assert world.scalar("SELECT count(*) FROM respondent WHERE activity_id = :a", a=poll.id) == 1
        assert world.scalar("SELECT count(*) FROM answer WHERE activity_id = :a", a=poll.id) == 1
        linked = world.scalar("SELECT answer_key FROM respondent WHERE activity_id = :a", a=poll.id)
        assert linked == world.scalar("SELECT key FROM answer WHERE activity_id = :a", a=poll.id)
        assert world.scalar("SELECT count(*) FROM answer_choice WHERE answer_key = :k", k=linked) == 1

    requests = [(browser, "POST", path, {"option": str(options[i % 3])}) for i in range(PARALLEL)]
    return Race(requests, check, {302, 422})


def change_answer(
    world: World, *, kind: ActivityKind, choices: Callable[[int, list[int]], list[int]]
) -> Race:
    """One person changes a named, changeable answer twelve times at once: still one answer, whose
    choices are exactly those of one of the requests (lost or doubled choices, or a 500 from the
    choice's primary key, when two changes interleave)."""
    with world.build() as make:
        ws = make.workspace()
        poll = make.activity(make.theme(ws), kind, options=3, answers_changeable=True, is_anonymous=False)
        options = [o.id for o in poll.options]
        _, browser = world.person(make, ws)
    path = f"/w/{ws.slug}/activities/{poll.id}/answer"
    assert browser.post(path, {"option": str(options[0])}).status == 302  # the earlier answer
    sent = [choices(i, options) for i in range(PARALLEL)]

    def check(responses):
        assert statuses(responses) == {302: PARALLEL}, statuses(responses)
        assert world.scalar("SELECT count(*) FROM respondent WHERE activity_id = :a", a=poll.id) == 1
        assert world.scalar("SELECT count(*) FROM answer WHERE activity_id = :a", a=poll.id) == 1
        kept = {
            row[0]
            for row in world.rows(
                "SELECT option_id FROM answer_choice JOIN answer ON answer.key = answer_choice.answer_key "
                "WHERE answer.activity_id = :a",
                a=poll.id,
            )
        }
        assert kept in [set(s) for s in sent], (kept, sent)
        linked = world.scalar("SELECT answer_key FROM respondent WHERE activity_id = :a", a=poll.id)
        assert linked == world.scalar("SELECT key FROM answer WHERE activity_id = :a", a=poll.id)

    requests = [(browser, "POST", path, {"option": [str(o) for o in s]}) for s in sent]
    return Race(requests, check)


def support(world: World) -> Race:
    """One person supports an idea twelve times at once: one support."""
    with world.build() as make:
        ws = make.workspace()
        make.activity(make.theme(ws), ActivityKind.IDEAS)
        idea = make.idea(ws, author=make.user())
        user, browser = world.person(make, ws)
    path = f"/w/{ws.slug}/ideas/{idea.id}/support"

    def check(responses):
        assert statuses(responses) == {302: PARALLEL}
        assert world.scalar("SELECT count(*) FROM idea_support WHERE idea_id = :i", i=idea.id) == 1
        assert world.scalar(
            "SELECT first_contribution_at FROM membership WHERE workspace_id = :w AND user_id = :u",
            w=ws.id,
            u=user.id,
        )

    return Race([(browser, "POST", path, {"support": "1"})] * PARALLEL, check)


def support_and_withdraw(world: World) -> Race:
    """Supporting and withdrawing at once: no error, and the support counts once or not at all."""
    with world.build() as make:
        ws = make.workspace()
        make.activity(make.theme(ws), ActivityKind.IDEAS)
        idea = make.idea(ws, author=make.user())
        _, browser = world.person(make, ws)
    path = f"/w/{ws.slug}/ideas/{idea.id}/support"

    def check(responses):
        assert statuses(responses) == {302: PARALLEL}
        assert world.scalar("SELECT count(*) FROM idea_support WHERE idea_id = :i", i=idea.id) in (0, 1)

    requests = [(browser, "POST", path, {"support": str(i % 2)}) for i in range(PARALLEL)]
    return Race(requests, check)


def _discussion(make, *, anonymous: bool = False):
    ws = make.workspace()
    discussion = make.activity(make.theme(ws), ActivityKind.DISCUSSION, is_anonymous=anonymous)
    return ws, discussion


def like(world: World, *, unlike_too: bool = False) -> Race:
    """One person likes a comment twelve times at once (or likes and unlikes): one like at most."""
    with world.build() as make:
        ws, discussion = _discussion(make)
        comment = make.comment(discussion, author=make.user())
        _, browser = world.person(make, ws)
    path = f"/w/{ws.slug}/comments/{comment.id}/like"

    def check(responses):
        assert statuses(responses) == {302: PARALLEL}
        likes = world.scalar("SELECT count(*) FROM comment_like WHERE comment_id = :c", c=comment.id)
        assert likes in ((0, 1) if unlike_too else (1,))

    wanted = [("0" if unlike_too and i % 2 else "1") for i in range(PARALLEL)]
    return Race([(browser, "POST", path, {"liked": w}) for w in wanted], check)


def first_visit(world: World) -> Race:
    """A participant opens an open workspace (every signed-in user may take part) for the first
    time in twelve tabs at once: one membership, one visit, one day in the visit log."""
    with world.build() as make:
        ws = make.workspace(access=WorkspaceAccess.ALL_USERS)
        theme = make.theme(ws)
        user, browser = world.person(make)
    pages = [f"/w/{ws.slug}/", f"/w/{ws.slug}/themes/{theme.id}"]

    def check(responses):
        assert statuses(responses) == {200: PARALLEL}
        rows = world.rows(
            "SELECT id, visit_count, first_visit_at FROM membership WHERE workspace_id = :w AND user_id = :u",
            w=ws.id,
            u=user.id,
        )
        assert len(rows) == 1 and rows[0][1] == 1 and rows[0][2] is not None, rows
        assert world.scalar("SELECT count(*) FROM visit WHERE membership_id = :m", m=rows[0][0]) == 1

    return Race([(browser, "GET", pages[i % 2], None) for i in range(PARALLEL)], check, {200})


def next_visit(world: World) -> Race:
    """A member back the next day, in twelve tabs at once: the visit counts once, one visit a day."""
    with world.build() as make:
        ws = make.workspace()
        user, browser = world.person(make, ws)
        membership = make.session.scalars(
            sa.select(Membership).where(Membership.workspace_id == ws.id, Membership.user_id == user.id)
        ).one()
        membership.first_visit_at = membership.last_visit_at = utcnow() - timedelta(days=1)
        membership.visit_count = 3
        make.session.commit()

    def check(responses):
        assert statuses(responses) == {200: PARALLEL}
        assert world.scalar("SELECT visit_count FROM membership WHERE id = :m", m=membership.id) == 4
        assert world.scalar("SELECT count(*) FROM visit WHERE membership_id = :m", m=membership.id) == 1

    return Race([(browser, "GET", f"/w/{ws.slug}/", None)] * PARALLEL, check, {200})


def comment(world: World, *, anonymous: bool = False) -> Race:
    """Twelve identical comments from one person at once: twelve posts (the app does not merge
    identical posts), each with the sanitized body, none empty, no error."""
    with world.build() as make:
        ws, discussion = _discussion(make, anonymous=anonymous)
        _, browser = world.person(make, ws)
    text = "Sama **kommentti** kahdesti: https://example.fi/ohje <script>alert(1)</script>"
    path = f"/w/{ws.slug}/comments/activity/{discussion.id}"

    def check(responses):
        assert statuses(responses) == {302: PARALLEL}
        assert contributions(world, "comment", activity_id=discussion.id, workspace_id=ws.id) == PARALLEL
        bodies = {
            r[0] for r in world.rows("SELECT body FROM comment WHERE activity_id = :a", a=discussion.id)
        }
        assert bodies <= {render_markdown(text)}

    return Race([(browser, "POST", path, {"body": text})] * PARALLEL, check)


def note(world: World, *, anonymous: bool = False) -> Race:
    """Twelve identical notes at once: twelve notes, each the cleaned text."""
    with world.build() as make:
        ws = make.workspace()
        wall = make.activity(make.theme(ws), ActivityKind.NOTES, is_anonymous=anonymous)
        _, browser = world.person(make, ws)
    text = "Joustava  työaika\u200b ja etätyö"
    path = f"/w/{ws.slug}/activities/{wall.id}/notes"

    def check(responses):
        assert statuses(responses) == {302: PARALLEL}
        assert contributions(world, "note", activity_id=wall.id, workspace_id=ws.id) == PARALLEL
        texts = {r[0] for r in world.rows("SELECT text FROM note WHERE activity_id = :a", a=wall.id)}
        assert texts <= {clean_text(text)}

    return Race([(browser, "POST", path, {"text": text})] * PARALLEL, check)


def guest_answer(world: World, *, anonymous: bool = False) -> Race:
    """One guest's phone in a live workshop answers the step twelve times at once: one answer."""
    with world.build() as make:
        ws = make.workspace()
        supervisor = make.user(Role.PARTICIPANT, unit=make.unit(), locale="en")
        make.member(ws, supervisor)
        theme = make.theme(ws)
        poll = make.activity(theme, ActivityKind.SINGLE_CHOICE, options=3, is_anonymous=anonymous)
        options = [o.id for o in poll.options]
    facilitator = Browser(world.server.port)
    facilitator.sign_in(world.token(supervisor))
    start = f"/w/{ws.slug}/themes/{theme.id}/workshops/new"
    facilitator.get(start)
    started = facilitator.post(start, {"activities": str(poll.id), "language": "en"})
    assert started.status == 302, started.body[-2000:]
    code = world.scalar("SELECT code FROM workshop WHERE workspace_id = :w", w=ws.id)
    phone = Browser(world.server.port)
    phone.get("/join")
    assert phone.post("/join", {"code": code}).status == 302
    phone.get("/live")

    def check(responses):
        assert statuses(responses)[200] == 1, statuses(responses)
        for refused in (r for r in responses if r.status == 422):
            assert "already answered this step" in refused.body
        assert world.scalar("SELECT count(*) FROM workshop_response WHERE activity_id = :a", a=poll.id) == 1
        counted = "ballot" if anonymous else "answer"  # below k the anonymous answer waits sealed
        assert world.scalar(f"SELECT count(*) FROM {counted} WHERE activity_id = :a", a=poll.id) == 1

    requests = [(phone, "POST", "/live/answer", {"option": str(options[i % 3])}) for i in range(PARALLEL)]
    return Race(requests, check, {200, 422})


def cluster_write(world: World, *, action: str) -> Race:
    """A moderator's double click, twelve times at once, on a cluster's name or on sending its
    summary as the theme's "what we heard": each saved, one row in the end."""
    with world.build() as make:
        ws = make.workspace()
        theme = make.theme(ws)
        wall = make.activity(theme, ActivityKind.NOTES)
        for text in NOTE_TOPICS:
            make.note(wall, text=text)
        _, browser = world.person(make, ws, role=Role.MODERATOR, as_=MemberRole.MODERATOR)
    page = browser.get(f"/w/{ws.slug}/themes/{theme.id}/clusters")
    assert page.status == 200, page.body[-2000:]
    scope = re.search(r'name="scope" value="([^"]+)"', page.body).group(1)
    anchor = re.search(r'name="cluster" value="([^"]+)"', page.body).group(1)
    form = {"scope": scope, "cluster": anchor}
    if action == "rename":
        form["name"] = "Tauot ja liikunta"
        table = "cluster_name"
    else:
        form |= {"theme_id": str(theme.id), "summary": "Tauoilla liikutaan yhdessä."}
        table = "theme_heard"

    def check(responses):
        assert statuses(responses) == {302: PARALLEL}
        assert world.scalar(f"SELECT count(*) FROM {table}") == 1

    return Race([(browser, "POST", f"/w/{ws.slug}/clusters/{action}", form)] * PARALLEL, check)


NOTE_TOPICS = [
    "Taukoliikuntaa joka päivä yhdessä",
    "Taukoliikunta piristää iltapäivää",
    "Yhteinen taukoliikunta tiimille",
    "Perehdytyksen tarkistuslista uusille",
    "Perehdytys kestää liian vähän aikaa",
    "Uuden työntekijän perehdytys kummin kanssa",
]


def idea(world: World, *, anonymous: bool = False) -> Race:
    """Twelve identical ideas at once: twelve ideas, each with the sanitized body."""
    with world.build() as make:
        ws = make.workspace()
        theme = make.theme(ws)
        make.activity(theme, ActivityKind.IDEAS, is_anonymous=anonymous)
        _, browser = world.person(make, ws)
    form = {
        "title": "Kokousvapaa perjantai",
        "body": "Ei kokouksia <b>perjantaisin</b>.",
        "theme_id": str(theme.id),
        "publish_anyway": "1",  # identical on purpose: past the duplicate check step
    }

    def check(responses):
        assert statuses(responses) == {302: PARALLEL}
        if anonymous:
            assert contributions(world, "idea", workspace_id=ws.id) == PARALLEL
        else:
            assert world.scalar("SELECT count(*) FROM idea WHERE workspace_id = :w", w=ws.id) == PARALLEL
        bodies = {r[0] for r in world.rows("SELECT body FROM idea WHERE workspace_id = :w", w=ws.id)}
        assert bodies <= {render_markdown(form["body"])}

    return Race([(browser, "POST", f"/w/{ws.slug}/ideas", form)] * PARALLEL, check)


def report(world: World) -> Race:
    """One person reports a comment twelve times at once: one open report; the others are told
    it is already reported."""
    with world.build() as make:
        ws, discussion = _discussion(make)
        target = make.comment(discussion, author=make.user())
        _, browser = world.person(make, ws)
    path = f"/w/{ws.slug}/report/comment/{target.id}"

    def check(responses):
        assert statuses(responses)[302] >= 1
        for refused in (r for r in responses if r.status == 422):
            assert "You have already reported this" in refused.body
        assert (
            world.scalar(
                "SELECT count(*) FROM report WHERE comment_id = :c AND resolved_at IS NULL", c=target.id
            )
            == 1
        )

    return Race([(browser, "POST", path, {"reason": "Asiaton"})] * PARALLEL, check, {302, 422})


def redeem_link(world: World) -> Race:
    """A sign-in link sent twelve times at once (a double click, a mail scanner): one sign-in; the
    others are told the link has been used."""
    with world.build() as make:
        user = make.user(locale="en")
    raw = world.token(user)
    browser = Browser(world.server.port)
    assert browser.get(f"/signin/{raw}").status == 200

    def check(responses):
        assert statuses(responses)[302] == 1, statuses(responses)
        for refused in (r for r in responses if r.status != 302):
            assert "The link has already been used" in refused.body
        assert world.scalar(
            "SELECT count(*) FROM signin_token WHERE user_id = :u AND used_at IS NOT NULL", u=user.id
        )
        if "user_session" in sa.inspect(world.engine).get_table_names():  # server-side sessions
            assert world.scalar("SELECT count(*) FROM user_session WHERE user_id = :u", u=user.id) == 1

    return Race([(browser, "POST", f"/signin/{raw}", {})] * PARALLEL, check, {302, 410})


def invite(world: World) -> Race:
    """A moderator's invitation of one person sent twelve times at once (a double click): one
    membership, one sign-in link, one mail; the others say the person was invited already."""
    with world.build() as make:
        ws = make.workspace()
        invitee = make.user(locale="en")
        _, browser = world.person(make, ws, role=Role.MODERATOR, as_=MemberRole.MODERATOR)

    def check(responses):
        assert statuses(responses) == {302: PARALLEL}
        rows = world.rows(
            "SELECT invited_at FROM membership WHERE workspace_id = :w AND user_id = :u",
            w=ws.id,
            u=invitee.id,
        )
        assert len(rows) == 1 and rows[0][0] is not None
        assert invitations(world, invitee, ws) == 1

    return Race([(browser, "POST", f"/w/{ws.slug}/invitations", {"emails": invitee.email})] * PARALLEL, check)


def invite_during_first_visit(world: World) -> Race:
    """A person opens an open workspace for the first time in six tabs while a moderator's
    invitation of them is sent six times: one membership, invited and visited once, one link."""
    with world.build() as make:
        ws = make.workspace(access=WorkspaceAccess.ALL_USERS)
        visitor, tabs = world.person(make)
        _, moderator = world.person(make, ws, role=Role.MODERATOR, as_=MemberRole.MODERATOR)
    half = PARALLEL // 2
    requests = [(tabs, "GET", f"/w/{ws.slug}/", None)] * half
    requests += [(moderator, "POST", f"/w/{ws.slug}/invitations", {"emails": visitor.email})] * half

    def check(responses):
        assert statuses(responses) == {200: half, 302: half}
        rows = world.rows(
            "SELECT invited_at, visit_count FROM membership WHERE workspace_id = :w AND user_id = :u",
            w=ws.id,
            u=visitor.id,
        )
        assert len(rows) == 1 and rows[0][0] is not None and rows[0][1] == 1, rows
        assert invitations(world, visitor, ws) == 1

    return Race(requests, check, {200, 302})


def reset_password(world: World) -> Race:
    """A password reset link's form sent twelve times at once: one new password and one sign-in;
    the others are told the link has been used."""
    with world.build() as make:
        user = make.user(locale="en")
    raw = world.token(user)
    browser = Browser(world.server.port)
    assert browser.get(f"/password/reset/{raw}").status == 200
    form = {"password": "a brand new passphrase", "confirm": "a brand new passphrase"}

    def check(responses):
        assert statuses(responses)[302] == 1, statuses(responses)
        for refused in (r for r in responses if r.status != 302):
            assert "The link has already been used" in refused.body
        assert world.scalar("SELECT count(*) FROM user_session WHERE user_id = :u", u=user.id) == 1

    return Race([(browser, "POST", f"/password/reset/{raw}", form)] * PARALLEL, check, {302, 410})


def request_link(world: World) -> Race:
    """"Email me a sign-in link" sent twelve times at once: each accepted request is queued once,
    the rest refused by the limit per address (counted per server process here, in memory); no
    token exists before the worker sends."""
    with world.build() as make:
        user = make.user(locale="en")
    browser = Browser(world.server.port)
    assert browser.get("/login/link").status == 200

    def check(responses):
        accepted = statuses(responses)[302]
        assert accepted >= 1, statuses(responses)
        assert world.scalar("SELECT count(*) FROM outbox_message WHERE email = :e", e=user.email) == accepted
        assert world.scalar("SELECT count(*) FROM signin_token WHERE user_id = :u", u=user.id) == 0

    return Race([(browser, "POST", "/login/link", {"email": user.email})] * PARALLEL, check, {302, 429})


CASES: list[tuple[str, Callable[[World], Race]]] = [
    ("answer", answer),
    ("answer-anonymous", lambda w: answer(w, anonymous=True)),
    ("first-answer-changeable", first_answer_changeable),
    (
        "change-single-choice-conflicting",
        lambda w: change_answer(w, kind=ActivityKind.SINGLE_CHOICE, choices=lambda i, o: [o[i % 3]]),
    ),
    (
        "change-multiple-choice-identical",
        lambda w: change_answer(w, kind=ActivityKind.MULTIPLE_CHOICE, choices=lambda i, o: o[1:]),
    ),
    (
        "change-multiple-choice-conflicting",
        lambda w: change_answer(w, kind=ActivityKind.MULTIPLE_CHOICE, choices=lambda i, o: o[: 1 + i % 3]),
    ),
    ("support", support),
    ("support-and-withdraw", support_and_withdraw),
    ("like", like),
    ("like-and-unlike", lambda w: like(w, unlike_too=True)),
    ("first-visit", first_visit),
    ("next-day-visit", next_visit),
    ("comment", comment),
    ("comment-anonymous", lambda w: comment(w, anonymous=True)),
    ("note", note),
    ("note-anonymous", lambda w: note(w, anonymous=True)),
    ("idea", idea),
    ("idea-anonymous", lambda w: idea(w, anonymous=True)),
    ("workshop-guest-answer", guest_answer),
    ("cluster-rename", lambda w: cluster_write(w, action="rename")),
    ("cluster-heard", lambda w: cluster_write(w, action="heard")),
    ("workshop-guest-answer-anonymous", lambda w: guest_answer(w, anonymous=True)),
    ("report", report),
    ("sign-in-link", redeem_link),
    ("password-reset-link", reset_password),
    ("request-sign-in-link", request_link),
    ("invite", invite),
    ("invite-during-first-visit", invite_during_first_visit),
]


@pytest.mark.parametrize("build", [case for _, case in CASES], ids=[name for name, _ in CASES])
def test_parallel_requests_have_exactly_one_effect(world, build):
    race = build(world)
    responses = fire(race)
    log = world.server.output()
    assert not [r for r in responses if r.status >= 500], (statuses(responses), log[-4000:])
    assert set(statuses(responses)) <= race.expected_statuses, (
        statuses(responses),
        responses[0].body[-2000:],
    )
    race.check(responses)


# -- the sanitizer under load ------------------------------------------------------------------------

PEOPLE = 12
EACH = 12  # comments per person (the comment form allows 30 a minute)


def test_parallel_comments_are_each_sanitized_as_if_alone(world):
    """12 people post 12 different comments each, all at once: every stored body is exactly what
    the sanitizer makes of its text alone (a shared bleach Cleaner mixed threads' texts, saved
    `<p></p>` and raised 500s)."""
    with world.build() as make:
        ws, discussion = _discussion(make)
        browsers = [world.person(make, ws)[1] for _ in range(PEOPLE)]
    path = f"/w/{ws.slug}/comments/activity/{discussion.id}"

    def text(n: int, i: int) -> str:
        return (
            f"Kommentti [{n}-{i}]: **tärkeä** asia, katso https://example.fi/{n}/{i} ja <b>lihava</b>.\n\n"
            f"- yksi {n}\n- kaksi {i}\n\n<p onclick=alert({n})>Loppu {n}-{i}</p>"
        )

    start = threading.Barrier(PEOPLE)

    def person(n: int) -> list[Response]:
        start.wait(timeout=60)
        return [browsers[n].post(path, {"body": text(n, i)}) for i in range(EACH)]

    with ThreadPoolExecutor(max_workers=PEOPLE) as pool:
        responses = [r for batch in pool.map(person, range(PEOPLE)) for r in batch]

    assert statuses(responses) == {302: PEOPLE * EACH}, (statuses(responses), world.server.output()[-4000:])
    stored = world.rows("SELECT body FROM comment WHERE activity_id = :a", a=discussion.id)
    assert len(stored) == PEOPLE * EACH
    by_key = {}
    for (body,) in stored:
        key = re.search(r"\[(\d+-\d+)\]", body)
        assert key, body
        by_key[key.group(1)] = body
    wrong = [
        (f"{n}-{i}", by_key.get(f"{n}-{i}"))
        for n in range(PEOPLE)
        for i in range(EACH)
        if by_key.get(f"{n}-{i}") != render_markdown(text(n, i))
    ]
    assert not wrong, wrong[:3]
