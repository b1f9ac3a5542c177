"""The programme as a tagged A4 PDF (PDF/UA-1), rendered on the server by WeasyPrint from the
printable page (exports/html.py): a bookmark per heading, page numbers, the document language.

WeasyPrint needs Pango from the operating system (Debian: libpango-1.0-0, libpangoft2-1.0-0, and a
font such as fonts-dejavu-core); `make install` installs them when run as root. Without them the
import fails: `available()` finds that out once per process, the PDF link is hidden and the admin
settings page says what to install.
"""

from __future__ import annotations

import ctypes
import importlib.util
import sys
from datetime import date
from functools import cache

from .html import page

MIMETYPE = "application/pdf"
SYSTEM_PACKAGES = "libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core"


# What WeasyPrint loads through cffi when it is imported (weasyprint/text/ffi.py), by their Linux names.
LIBRARIES = (
    "libgobject-2.0.so.0",
    "libpango-1.0.so.0",
    "libharfbuzz.so.0",
    "libfontconfig.so.1",
    "libpangoft2-1.0.so.0",
)


@cache
def problem() -> str | None:
    """Why WeasyPrint cannot run here, or None when it can; found out once per process.

    On Linux the libraries are looked for without importing WeasyPrint (a few milliseconds,
    against ~0.6 s of CPU and ~30 MB for the import, which a worker that never makes a PDF need
    not pay just to show the Download menu); elsewhere the import itself is the test."""
    if importlib.util.find_spec("weasyprint") is None:
        return "the Python package weasyprint is not installed"
    if sys.platform.startswith("linux"):
        for name in LIBRARIES:
            try:
                ctypes.CDLL(name)
            except OSError:
                return f"cannot load the library {name}"
        return None
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as error:
        return str(error).splitlines()[0] if str(error) else type(error).__name__
    return None


def available() -> bool:
    return problem() is None


def render(programme: dict, *, organisation: str | None = None, today: date | None = None) -> bytes:
    """The printable page as a tagged PDF/UA-1 document in the programme's language."""
    from weasyprint import HTML

    html = page(programme, embed_css=True, organisation=organisation, today=today, pdf=True)
    # No base URL: the page embeds its stylesheet and links nothing, so nothing is fetched.
    return HTML(string=html).write_pdf(pdf_variant="pdf/ua-1", finisher=page_labels)


def page_labels(document, pdf) -> None:
    """Page labels 1, 2, 3 … as printed in the footer (the cover is page 1, unnumbered), so a
    reader's "go to page 7" lands on the page that says 7."""
    import pydyf

    pdf.catalog["PageLabels"] = pydyf.Dictionary({"Nums": pydyf.Array([0, pydyf.Dictionary({"S": "/D"})])})
