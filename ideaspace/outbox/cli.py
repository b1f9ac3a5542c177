"""`ideaspace worker`: send the outbox; several may run at once, on one host or many."""

from __future__ import annotations

import signal
import threading

import click
from flask import current_app
from flask.cli import with_appcontext

from . import worker


@click.command("worker")
@with_appcontext
@click.option("--once", is_flag=True, help="Send what is due now, then stop.")
@click.option("--poll", default=2.0, show_default=True, help="Seconds to wait when nothing is due.")
def worker_command(once: bool, poll: float) -> None:
    """Send the mail in the outbox: claim, render, send, retry; stop cleanly on SIGTERM or Ctrl-C."""
    if once:
        counts = worker.drain()
        click.echo(
            f"Sent {counts.sent}; failed {counts.failed}; skipped {counts.skipped}; later {counts.retried}."
        )
        return
    stop = threading.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_args: stop.set())
    click.echo(f"Outbox worker {worker.worker_id()} started.")
    # A batch in progress finishes (each message is marked as it goes); then the loop ends.
    worker.run_forever(current_app._get_current_object(), stop, poll=max(poll, 0.05))
