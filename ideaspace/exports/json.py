"""The whole workspace as JSON: the workspace document of ideaspace/transfer (docs/workspace-json.md).

Not the programme dict: structure, content, answers as anonymous aggregates, ideas, comments,
quotes and the published programme versions. This is the moderator's export, which follows the k
rules (docs/anonymity.md); the admin's backup, which restores an instance exactly, is
`ideaspace export-workspace --backup` or /admin/workspaces/<slug>/backup.json. The same document as
`ideaspace export-workspace`.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..transfer import stream_workspace

MIMETYPE = "application/json"


def render(workspace) -> Iterator[bytes]:
    """The workspace document as UTF-8 JSON, in chunks of about 64 KB (see transfer.stream_workspace):
    the rows are read now, the text is written as the response is sent, never held whole."""
    return (chunk.encode("utf-8") for chunk in stream_workspace(workspace))
