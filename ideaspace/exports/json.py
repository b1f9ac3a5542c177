"""The whole workspace as JSON: the workspace document of ideaspace/transfer (docs/workspace-json.md).

Not the programme dict: structure, content, answers as anonymous aggregates, ideas, comments,
quotes and the published programme versions, so that `ideaspace import` restores it into an empty
instance. The same document as `ideaspace export-workspace`.
"""

from __future__ import annotations

import json

from ..transfer import export_workspace

MIMETYPE = "application/json"


def render(workspace) -> bytes:
    """The workspace document as UTF-8 JSON bytes."""
    return (json.dumps(export_workspace(workspace), ensure_ascii=False, indent=2) + "\n").encode("utf-8")
