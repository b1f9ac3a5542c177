"""The stack's ceiling: the full IdeaSpace app plus three minimal endpoints, for the benchmark only.

    gunicorn 'bench.ceiling:create_app()'

- GET  /_ceiling/text    returns a short string;
- GET  /_ceiling/page    renders a small Jinja page;
- POST /_ceiling/insert  inserts one row with the ORM (committed by the app's own request pipeline).

They run inside the real app (same config, extensions, middleware, after-request commit and security
headers), so the gap between them and a real page is what the page itself costs. This module is
never imported by the app: production has no such routes.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import Blueprint, render_template
from sqlalchemy.orm import Mapped, mapped_column

from ideaspace import create_app as create_ideaspace
from ideaspace.extensions import csrf, db
from ideaspace.models import utcnow
from ideaspace.models.base import UTCDateTime

bp = Blueprint("ceiling", __name__, template_folder="templates", url_prefix="/_ceiling")


class CeilingRow(db.Model):
    """A row for the minimal insert; its table lives only in benchmark databases."""

    __tablename__ = "bench_ceiling_row"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    text: Mapped[str] = mapped_column(sa.String(200))


@bp.get("/text")
def text():
    return "ok"


@bp.get("/page")
def page():
    return render_template("ceiling.html", lang="fi", title="Katto", items=["yksi", "kaksi", "kolme"])


@bp.post("/insert")
@csrf.exempt
def insert():
    row = CeilingRow(text="katto")
    db.session.add(row)
    db.session.flush()
    return {"id": row.id}


def create_app(test_config: dict | None = None):
    app = create_ideaspace(test_config)
    app.register_blueprint(bp)
    with app.app_context():
        CeilingRow.__table__.create(db.engine, checkfirst=True)
    return app
