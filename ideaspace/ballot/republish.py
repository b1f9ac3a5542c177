"""Publish anonymous content that is already stored once more, as one batch per scope.

For rows written before the ballot box (migration 0004) and rows an import writes in one go with
the respondents and memberships of its document: each scope's anonymous rows get new identities
(new random answer keys; new ids handed out in shuffled order), one time (the scope's latest), and
a unit only where a (batch, unit) group has k people: answers (one per person) by the cell rule
over the units they stored, notes, comments and ideas none at all (how many people wrote them is
not known). Every reference follows: the foreign keys that point at the rows (found in the
database's own schema, so tables added later follow too), the audit log's object ids, the ids in
programme snapshots and in audit details. The old idea numbers are kept in `retired_idea`, with
nothing that says what they became.

Works on a plain SQLAlchemy Connection with reflected tables, so the migration can run it on the
schema as it is at that revision. One-way by design: the old identities are not kept anywhere.
"""

from __future__ import annotations

import random
import secrets
import warnings
from collections import defaultdict

import sqlalchemy as sa

from .cells import cell_labels

_shuffle = random.SystemRandom().shuffle
# Keys in JSON documents (programme snapshots, audit details) that hold an id of these tables.
_JSON_KEYS = {
    "idea": {"idea_id", "origin_idea_id", "merged_into", "merged_into_id"},
    "comment": {"comment_id", "parent_id"},
    "note": {"note_id"},
}


class _Schema:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        self.meta = sa.MetaData()
        self.inspector = sa.inspect(conn)
        self.names = set(self.inspector.get_table_names())

    def table(self, name: str) -> sa.Table:
        if name not in self.meta.tables:
            # Only columns and keys are used; SQLite cannot reflect an index on an expression
            # (ix_user_lower_name) and says so for every table that refers to `user`.
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
                return sa.Table(name, self.meta, autoload_with=self.conn)
        return self.meta.tables[name]

    def references(self, target: str) -> list[tuple[str, str]]:
        """Every (table, column) with a foreign key to `target`'s primary key."""
        found = []
        for name in sorted(self.names):
            for fk in self.inspector.get_foreign_keys(name):
                if fk["referred_table"] == target and len(fk["constrained_columns"]) == 1:
                    found.append((name, fk["constrained_columns"][0]))
        return found


def republish(conn: sa.Connection, k: int, workspace_id: int | None = None) -> dict[str, int]:
    """Publish again every anonymous answer, note, comment and idea (of one workspace, or all).

    Returns how many rows of each kind got new identities."""
    schema = _Schema(conn)
    activity, workspace = schema.table("activity"), schema.table("workspace")
    theme = schema.table("theme")
    query = (
        sa.select(activity.c.id, activity.c.kind, theme.c.workspace_id, workspace.c.min_group_size)
        .join(theme, theme.c.id == activity.c.theme_id)
        .join(workspace, workspace.c.id == theme.c.workspace_id)
        .where(activity.c.is_anonymous.is_(True))
    )
    if workspace_id is not None:
        query = query.where(theme.c.workspace_id == workspace_id)
    counts = defaultdict(int)
    parents = dict(conn.execute(sa.select(schema.table("unit").c.id, schema.table("unit").c.parent_id)).all())
    for activity_id, _kind, _ws, size in conn.execute(query).all():
        group = max(k, size or 0)
        counts["answer"] += _republish_answers(schema, activity_id, parents, group, _ws)
        note, comment = schema.table("note"), schema.table("comment")
        counts["note"] += _republish_rows(
            schema, "note", sa.and_(note.c.activity_id == activity_id, note.c.author_id.is_(None)), _ws
        )
        counts["comment"] += _republish_rows(
            schema,
            "comment",
            sa.and_(comment.c.activity_id == activity_id, comment.c.author_id.is_(None)),
            _ws,
        )
    idea = schema.table("idea")
    ideas_of = sa.select(idea.c.workspace_id).where(idea.c.author_id.is_(None)).distinct()
    if workspace_id is not None:
        ideas_of = ideas_of.where(idea.c.workspace_id == workspace_id)
    for (ws_id,) in conn.execute(ideas_of).all():
        condition = sa.and_(idea.c.workspace_id == ws_id, idea.c.author_id.is_(None))
        counts["idea"] += _republish_rows(schema, "idea", condition, ws_id, retire=True)
    return dict(counts)


def _republish_answers(schema: _Schema, activity_id: int, parents: dict, k: int, ws_id: int) -> int:
    conn = schema.conn
    answer = schema.table("answer")
    rows = [
        dict(r._mapping) for r in conn.execute(sa.select(answer).where(answer.c.activity_id == activity_id))
    ]
    if not rows:
        return 0
    day = max(r["answered_on"] for r in rows)
    labels = cell_labels({r["key"]: r["unit_id"] for r in rows}, parents, k)
    _shuffle(rows)
    mapping = {}
    for row in rows:
        old = row["key"]
        mapping[old] = secrets.token_hex(16)
        conn.execute(
            sa.insert(answer).values({**row, "key": mapping[old], "answered_on": day, "unit_id": labels[old]})
        )
    _follow(schema, "answer", mapping, ws_id)
    conn.execute(sa.delete(answer).where(answer.c.key.in_(list(mapping))))
    return len(rows)


def _republish_rows(schema: _Schema, name: str, condition, ws_id: int, retire: bool = False) -> int:
    """New ids (in shuffled order), the scope's latest time and no unit for the matching rows."""
    conn = schema.conn
    table = schema.table(name)
    rows = [dict(r._mapping) for r in conn.execute(sa.select(table).where(condition))]
    if not rows:
        return 0
    latest = max(r["created_at"] for r in rows)
    _shuffle(rows)
    mapping = {}
    for row in rows:
        old = row.pop("id")
        row.update(created_at=latest, unit_id=None)
        if "on_behalf_of_unit" in row:
            row["on_behalf_of_unit"] = False
        mapping[old] = conn.execute(sa.insert(table).values(row).returning(table.c.id)).scalar_one()
    _follow(schema, name, mapping, ws_id)
    conn.execute(sa.delete(table).where(table.c.id.in_(list(mapping))))
    if retire and "retired_idea" in schema.names:
        retired = schema.table("retired_idea")
        conn.execute(sa.insert(retired), [{"id": old, "workspace_id": ws_id} for old in mapping])
    return len(rows)


def _follow(schema: _Schema, name: str, mapping: dict, ws_id: int) -> None:
    """Point every reference to the old identities at the new ones."""
    conn = schema.conn
    pairs = [{"old_": old, "new_": new} for old, new in mapping.items()]
    for ref_name, column in schema.references(name):
        ref = schema.table(ref_name)
        conn.execute(
            sa.update(ref)
            .where(ref.c[column] == sa.bindparam("old_"))
            .values({column: sa.bindparam("new_")}),
            pairs,
        )
    if name not in _JSON_KEYS:
        return
    if "audit_log" in schema.names:
        audit = schema.table("audit_log")
        conn.execute(
            sa.update(audit)
            .where(audit.c.object_type == name, audit.c.object_id == sa.bindparam("old_"))
            .values(object_id=sa.bindparam("new_")),
            pairs,
        )
        _rewrite_json(conn, audit, "details", _JSON_KEYS[name], mapping, ws_id)
    if "programme_snapshot" in schema.names:
        _rewrite_json(conn, schema.table("programme_snapshot"), "content", _JSON_KEYS[name], mapping, ws_id)


def _rewrite_json(
    conn: sa.Connection, table: sa.Table, column: str, keys: set[str], mapping: dict, ws_id: int
) -> None:
    """Ids in the workspace's JSON documents (entries about other workspaces cannot name them)."""
    query = sa.select(table.c.id, table.c[column]).where(table.c[column].is_not(None))
    if "workspace_id" in table.c:
        query = query.where(table.c.workspace_id == ws_id)
    for row_id, document in conn.execute(query).all():
        changed, rewritten = _walk(document, keys, mapping)
        if changed:
            conn.execute(sa.update(table).where(table.c.id == row_id).values({column: rewritten}))


def _walk(value, keys: set[str], mapping: dict):
    if isinstance(value, dict):
        changed, out = False, {}
        for key, item in value.items():
            if key in keys and isinstance(item, int) and not isinstance(item, bool) and item in mapping:
                out[key], changed = mapping[item], True
            else:
                sub_changed, out[key] = _walk(item, keys, mapping)
                changed = changed or sub_changed
        return changed, out
    if isinstance(value, list):
        results = [_walk(item, keys, mapping) for item in value]
        return any(c for c, _ in results), [v for _, v in results]
    return False, value
