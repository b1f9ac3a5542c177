"""Check an uploaded Word template (.docx or .dotx) and make it a document python-docx opens.

The organisation's template brings its styles, logo and colours to the programme's Word export
(exports/docx.py uses its styles and clears its body). What is refused, with a message saying why:
a file over 5 MB, anything that is not a Word document or template (by name, by zip structure, by
the main part's content type, or because python-docx cannot open it), and anything with macros
(.docm/.dotm, a vbaProject part, a macro-enabled content type). A .dotx differs from a .docx
only in the main part's content type in `[Content_Types].xml`, which python-docx refuses; it is
rewritten to the document's, so what is stored is always a .docx.
"""

from __future__ import annotations

import io
import zipfile

from docx import Document
from flask_babel import lazy_gettext as _l
from lxml import etree

MAX_BYTES = 5 * 1024 * 1024
MAX_UNPACKED = 50 * 1024 * 1024  # a zip bomb expands far beyond a real template's few megabytes
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOCUMENT_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
TEMPLATE_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"
CONTENT_TYPES = "[Content_Types].xml"
_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


class TemplateError(ValueError):
    """An upload that is not a usable template; `message` says why, in the reader's language."""

    def __init__(self, message) -> None:
        super().__init__(str(message))
        self.message = message


NOT_WORD = _l("This is not a Word document or template. Upload a .docx or .dotx file.")
MACROS = _l(
    "The file contains macros (.docm or .dotm). Save the template in Word as a Word template "
    "(.dotx) or document (.docx) without macros and upload that."
)
TOO_LARGE = _l("The template is too large: at most 5 MB.")


def prepare(data: bytes, filename: str) -> bytes:
    """The upload as a .docx that python-docx opens, or TemplateError saying what is wrong."""
    if not data:
        raise TemplateError(_l("Choose a file."))
    if len(data) > MAX_BYTES:
        raise TemplateError(TOO_LARGE)
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension in ("docm", "dotm"):
        raise TemplateError(MACROS)
    if extension not in ("docx", "dotx"):
        raise TemplateError(NOT_WORD)
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
        entries = package.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise TemplateError(NOT_WORD) from None
    if sum(entry.file_size for entry in entries) > MAX_UNPACKED:
        raise TemplateError(NOT_WORD)
    names = {entry.filename for entry in entries}
    if any(name.lower().rsplit("/", 1)[-1] in ("vbaproject.bin", "vbadata.xml") for name in names):
        raise TemplateError(MACROS)
    if CONTENT_TYPES not in names:
        raise TemplateError(NOT_WORD)
    try:
        types = etree.fromstring(package.read(CONTENT_TYPES), _PARSER)
    except (etree.XMLSyntaxError, zipfile.BadZipFile, OSError, ValueError):
        raise TemplateError(NOT_WORD) from None
    declared = [e.get("ContentType") or "" for e in types.iter(f"{_NS}Override", f"{_NS}Default")]
    if any("macroenabled" in t.lower() or "vbaproject" in t.lower() for t in declared):
        raise TemplateError(MACROS)
    main = [e for e in types.iter(f"{_NS}Override") if e.get("ContentType") in (DOCUMENT_MAIN, TEMPLATE_MAIN)]
    if len(main) != 1:
        raise TemplateError(NOT_WORD)
    if main[0].get("ContentType") == TEMPLATE_MAIN:
        main[0].set("ContentType", DOCUMENT_MAIN)
        data = _replaced(
            package, CONTENT_TYPES, etree.tostring(types, xml_declaration=True, encoding="UTF-8")
        )
    try:
        Document(io.BytesIO(data)).styles  # noqa: B018 (opens the package and its styles part)
    except Exception:  # python-docx raises many kinds on a broken package: all mean "not Word"
        raise TemplateError(NOT_WORD) from None
    return data


def _replaced(package: zipfile.ZipFile, name: str, content: bytes) -> bytes:
    """The package with one part's content replaced, every other entry copied as it is."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in package.infolist():
            target.writestr(entry, content if entry.filename == name else package.read(entry.filename))
    return out.getvalue()
