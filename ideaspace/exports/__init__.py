"""Exports of the programme, one module per format, all fed by the same programme dict
(ideaspace.programme.service.build_programme, or a published version's frozen copy); JSON is the
whole workspace (ideaspace.transfer).

`FORMATS` maps a format name to (function, mimetype, extension); `whole_workspace` formats take the
workspace, the others the programme dict; `document` formats (Word, PDF, the printable page) also
take the organisation's frame: its name for the cover, and for Word its own template.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from . import csv, docx, html, json, markdown, pdf, xlsx


class Format(NamedTuple):
    function: Callable[..., bytes]
    mimetype: str
    extension: str
    whole_workspace: bool = False
    document: bool = False


FORMATS: dict[str, Format] = {
    "docx": Format(docx.render, docx.MIMETYPE, "docx", document=True),
    "pdf": Format(pdf.render, pdf.MIMETYPE, "pdf", document=True),
    "xlsx": Format(xlsx.render, xlsx.MIMETYPE, "xlsx"),
    "csv": Format(csv.render, csv.MIMETYPE + "; charset=utf-8", "csv"),
    "md": Format(markdown.render, markdown.MIMETYPE + "; charset=utf-8", "md"),
    "html": Format(html.render, html.MIMETYPE + "; charset=utf-8", "html", document=True),
    "json": Format(json.render, json.MIMETYPE, "json", whole_workspace=True),
}
