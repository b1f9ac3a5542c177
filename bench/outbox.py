"""The outbox, measured: inviting 3,000 people in one request, and the worker draining their mail to
a local SMTP server (aiosmtpd).

    .venv/bin/python bench/outbox.py                      # a new SQLite file under a temp folder
    .venv/bin/python bench/outbox.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/NAME

The database must be empty (it is migrated here). Prints the POST's time, the invitations page's
time after it, and the worker's messages per second, counted at the SMTP server.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


SERVER = """
import sys, time
from aiosmtpd.controller import Controller
class Counter:
    received = 0
    async def handle_DATA(self, server, session, envelope):
        Counter.received += len(envelope.rcpt_tos)
        return "250 OK"
controller = Controller(Counter(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
sys.stdin.readline()
print(Counter.received, flush=True)
controller.stop()
"""


def start_server(port: int) -> subprocess.Popen:
    """aiosmtpd in a process of its own (in this one it would share the worker's GIL)."""
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(port)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert server.stdout.readline().strip() == "ready"
    return server


def received(server: subprocess.Popen) -> int:
    server.stdin.write("\n")
    server.stdin.flush()
    count = int(server.stdout.readline())
    server.wait(10)
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--people", type=int, default=3000)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/outbox-bench.sqlite3"

    from flask_migrate import upgrade

    from bench.sessions import start_sessions
    from ideaspace import create_app
    from ideaspace.extensions import db
    from ideaspace.models import MemberRole, Membership, OutboxMessage, Role, Unit, User, Workspace
    from ideaspace.outbox import drain

    port = free_port()
    smtp = start_server(port)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": False,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": port,
            "MAIL_USE_TLS": False,
            "MAIL_USERNAME": "",
        }
    )
    with app.app_context():
        upgrade()
        unit = Unit(name={"fi": "Kaupunki"}, code="bench")
        workspace = Workspace(slug="outbox-bench", title={"fi": "Henkilöstöohjelma", "sv": "Personalprogram"})
        moderator = User(email="hr@kokkola.fi", name="Helena HR", role=Role.MODERATOR)
        db.session.add_all([unit, workspace, moderator])
        db.session.flush()
        db.session.add(Membership(workspace_id=workspace.id, user_id=moderator.id, role=MemberRole.MODERATOR))
        locales = ("fi", "sv", None)
        db.session.add_all(
            User(email=f"p{n}@kokkola.fi", name=f"Person {n}", unit_id=unit.id, locale=locales[n % 3])
            for n in range(args.people)
        )
        db.session.commit()
        token = start_sessions([moderator.id])[moderator.id]
        unit_id, slug = unit.id, workspace.slug

    client = app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = token
        sess["_fresh"] = True
    client.get(f"/w/{slug}/invitations")  # warm: templates compiled, connections open
    started, cpu = time.perf_counter(), time.process_time()
    response = client.post(f"/w/{slug}/invitations", data={"units": [str(unit_id)], "include_subunits": "y"})
    post, post_cpu = time.perf_counter() - started, time.process_time() - cpu
    assert response.status_code == 302, response.status_code
    started, cpu = time.perf_counter(), time.process_time()
    page = client.get(response.headers["Location"])
    get, get_cpu = time.perf_counter() - started, time.process_time() - cpu
    assert f"{args.people} people were invited" in page.text or "kutsuttiin" in page.text, page.text[:500]

    with app.app_context():
        queued = db.session.query(OutboxMessage).count()
        started, cpu = time.perf_counter(), time.process_time()
        counts = drain()
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    delivered = received(smtp)
    assert counts.sent == queued == args.people == delivered, (counts, queued, delivered)
    engine = url.split(":", 1)[0]
    print(f"engine: {engine}; people invited: {args.people}; load average {os.getloadavg()[0]:.1f}")
    print(f"POST /w/{slug}/invitations ({args.people} people): {post:.3f} s (CPU {post_cpu:.3f} s)")
    print(f"GET /w/{slug}/invitations after it: {get:.3f} s (CPU {get_cpu:.3f} s)")
    print(f"worker: {counts.sent} messages in {elapsed:.2f} s = {counts.sent / elapsed:.0f} messages/s")
    # On a shared machine the wall clock counts the other processes too; the worker's own CPU time
    # says what one free core would do.
    print(
        f"worker CPU: {cpu:.2f} s = {1000 * cpu / counts.sent:.1f} ms per message"
        f" = {counts.sent / cpu:.0f} messages per CPU-second"
    )


if __name__ == "__main__":
    main()
