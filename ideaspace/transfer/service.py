"""Export a workspace to the workspace JSON document, and import one (docs/workspace-json.md).

Both are plain functions: they flush, never commit. The export loads everything in a fixed number of
queries (no query per row); the import validates the whole document first (schema.parse_document),
so a bad document leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from ..anonymity import group_size
from ..ballot.republish import republish
from ..extensions import db
from ..models import User, Workspace
from .exporter import Exporter
from .importer import Importer, ensure_people, ensure_units
from .schema import TransferError, parse_document


def export_workspace(workspace: Workspace, *, backup: bool = False) -> dict:
    """The workspace as a version-1 document: structure, content, aggregated answers, people.

    The moderator's export by default (k rules: nothing that narrows anonymous content down to
    people); `backup=True` is the admin's backup, everything the database holds (docs/workspace-json.md).
    """
    return Exporter(workspace, backup=backup).run()


def stream_workspace(workspace: Workspace, *, backup: bool = False) -> Iterator[str]:
    """The same document as JSON text (`json.dumps(..., ensure_ascii=False, indent=2)` and a newline),
    in chunks of about 64 KB: the rows are read when this is called, the text is written as the
    chunks are taken, so neither the whole document nor its text is ever held."""
    exporter = Exporter(workspace, backup=backup)
    document = exporter.document()
    return exporter.encode(document)


def import_workspace(data, actor: User | None = None, warnings: list[str] | None = None) -> Workspace:
    """Create the workspace a document describes, with any missing units and people.

    Raises TransferError (nothing written) when the document is invalid or its slug is taken. What
    was changed on the way in (a minimum group size below the floor) is added to `warnings`.
    """
    doc = parse_document(data)
    if warnings is not None:
        warnings.extend(doc["warnings"])
    del data  # the validated copy is all that is needed: the caller's parsed file can go (-9 MB for bench-1)
    spec = doc["workspace"]
    if db.session.scalar(select(Workspace.id).where(Workspace.slug == spec["slug"])):
        raise TransferError(
            [
                f"workspace.slug: a workspace {spec['slug']!r} already exists; "
                "change the slug in the file to import it as a new workspace"
            ]
        )
    units = ensure_units(doc)
    people = ensure_people(doc, units)
    workspace = Importer(units, people).build(spec, actor)
    if doc["backup"]:
        # An admin's backup holds the rows as the database held them (published already, with
        # their pending pool): restored as they were, so that a backup of the copy is the same.
        return workspace
    # The document's anonymous content was written beside its respondents and memberships, in the
    # document's order: it is published again as one batch per scope (new identities in shuffled
    # order, one time, units only for groups of k), as the ballot box would have (issue 12).
    db.session.flush()
    republish(db.session.connection(), group_size(workspace), workspace_id=workspace.id)
    workspace_id = workspace.id
    db.session.expire_all()  # the rows published again have new identities
    return db.session.get(Workspace, workspace_id)
