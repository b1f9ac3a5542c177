"""Search quality (issue 14): recall@5 of the workspace search on a labelled Finnish and Swedish set.

    .venv/bin/python bench/search_quality.py                       # SQLite, a temporary file
    .venv/bin/python bench/search_quality.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/search_quality

The set (tests/data/search_eval.json) is a small consultation written for it: staff comments,
notes and ideas of a city HR programme in Finnish and Swedish, and inflected and compound queries
with the items a reader would want. The script loads the items into an empty workspace of a new
(migrated) database through the ORM, as the app writes them (so each gets its index row on flush),
searches every query as the workspace's moderator, and prints recall@5 per language and query type
("inflected": the relevant items hold the query's word as a word of its own, in any form;
"compound": some hold it only inside a compound word), with every query that missed something.

recall@5 of a query = relevant items among the first five results / min(relevant items, 5).
tests/text/test_search_quality.py asserts the targets with the same functions.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

EVAL_SET = Path(__file__).resolve().parents[1] / "tests" / "data" / "search_eval.json"
K = 5


def load_set(path: Path = EVAL_SET) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def load_items(data: dict, workspace, notes, discussion, author) -> dict[tuple[str, int], str]:
    """Write the set's items into the workspace (notes on `notes`, comments on `discussion`, ideas
    in the workspace), by `author`, through the ORM; returns (kind, row id) -> the set's item id."""
    from ideaspace.extensions import db
    from ideaspace.models import Comment, Idea, Note
    from ideaspace.sanitize import clean_html

    made = []
    for item in data["items"]:
        common = {"workspace_id": workspace.id, "author_id": author.id}
        if item["kind"] == "note":
            obj = Note(activity_id=notes.id, text=item["text"], **common)
        elif item["kind"] == "comment":
            obj = Comment(activity_id=discussion.id, body=clean_html(item["text"]), **common)
        else:
            obj = Idea(title=item["title"], body=clean_html(item["text"]), **common)
        db.session.add(obj)
        made.append((item["id"], item["kind"], obj))
    db.session.commit()
    return {(kind, obj.id): item_id for item_id, kind, obj in made}


@dataclass
class Report:
    per_query: list[tuple[dict, float, list[str]]] = field(default_factory=list)  # (query, recall, top 5)

    def recall(self, lang: str | None = None, type_: str | None = None) -> float:
        values = [
            r
            for q, r, _top in self.per_query
            if (lang is None or q["lang"] == lang) and (type_ is None or q["type"] == type_)
        ]
        return sum(values) / len(values) if values else float("nan")

    def count(self, lang: str | None = None, type_: str | None = None) -> int:
        return sum(
            1
            for q, _r, _top in self.per_query
            if (lang is None or q["lang"] == lang) and (type_ is None or q["type"] == type_)
        )

    def misses(self) -> list[tuple[dict, float, list[str]]]:
        return [entry for entry in self.per_query if entry[1] < 1]


def evaluate(data: dict, user, workspace, ids: dict[tuple[str, int], str]) -> Report:
    """Search every query of the set as `user`; recall@5 of each."""
    from ideaspace.text import search as service

    report = Report()
    for query in data["queries"]:
        results = service.search(user, workspace, query["query"])
        top = [ids.get((hit.kind, hit.item.id), f"{hit.kind}:{hit.item.id}") for hit in results.hits[:K]]
        relevant = set(query["relevant"])
        report.per_query.append((query, len(relevant & set(top)) / min(len(relevant), K), top))
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="an empty database (default: a temporary SQLite file)")
    args = parser.parse_args()
    scratch = None
    if not args.database_url:
        scratch = tempfile.TemporaryDirectory()
        args.database_url = f"sqlite:///{scratch.name}/quality.sqlite3"
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("SECRET_KEY", "bench-search-quality")

    from datetime import date, timedelta

    from flask_migrate import upgrade

    from ideaspace import create_app
    from ideaspace.extensions import db
    from ideaspace.models import (
        Activity,
        ActivityKind,
        ActivityStatus,
        MemberRole,
        Membership,
        Role,
        Theme,
        User,
        Workspace,
        WorkspaceStatus,
        utcnow,
    )
    from ideaspace.text import analysers

    data = load_set()
    app = create_app()
    with app.test_request_context("/"):
        upgrade()
        engine = db.engine.dialect.name
        moderator = User(email="quality@example.fi", name="Quality", role=Role.MODERATOR, password_hash="x")
        workspace = Workspace(
            slug="search-quality",
            title={"fi": "Henkilöstöohjelma", "sv": "Personalprogram"},
            status=WorkspaceStatus.OPEN,
            opens_on=date.today() - timedelta(days=7),
            closes_on=date.today() + timedelta(days=30),
        )
        db.session.add_all([moderator, workspace])
        db.session.flush()
        db.session.add(
            Membership(
                workspace_id=workspace.id,
                user_id=moderator.id,
                role=MemberRole.MODERATOR,
                invited_at=utcnow(),
            )
        )
        theme = Theme(workspace_id=workspace.id, title={"fi": "Teema"}, introduction={})
        db.session.add(theme)
        db.session.flush()
        notes = Activity(
            theme_id=theme.id, kind=ActivityKind.NOTES, title={"fi": "Seinä"}, status=ActivityStatus.OPEN
        )
        discussion = Activity(
            theme_id=theme.id,
            kind=ActivityKind.DISCUSSION,
            title={"fi": "Keskustelu"},
            status=ActivityStatus.OPEN,
        )
        db.session.add_all([notes, discussion])
        db.session.commit()
        ids = load_items(data, workspace, notes, discussion, moderator)
        report = evaluate(data, moderator, workspace, ids)
        print(
            f"engine {engine}, Finnish analyser {analysers.finnish_analyser()};"
            f" {len(data['items'])} items, {len(data['queries'])} queries"
        )
        print(f"{'':12} {'inflected':>16} {'compound':>16} {'all':>16}")
        for lang in ("fi", "sv", None):
            cells = [
                f"{report.recall(lang, t):.3f} ({report.count(lang, t):>2} q)"
                for t in ("inflected", "compound", None)
            ]
            print(f"{lang or 'both':12} {cells[0]:>16} {cells[1]:>16} {cells[2]:>16}")
        for query, recall, top in report.misses():
            print(
                f"  miss: {query['query']!r} ({query['lang']}, {query['type']}): recall {recall:.2f},"
                f" relevant {query['relevant']}, top 5 {top}"
            )
    if scratch is not None:
        scratch.cleanup()


if __name__ == "__main__":
    main()
