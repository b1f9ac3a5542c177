"""Convert DOCX files to PDF in LibreOffice after updating their fields and table of contents, as
Word does when it opens the programme (it asks to update the fields). Run with Debian's Python,
which has LibreOffice's `uno` module (python3-uno):

    /usr/bin/python3 bench/docx_to_pdf.py OUT_DIR FILE.docx [FILE.docx ...]

A plain `soffice --convert-to pdf` shows the table of contents as it was saved (the hint to update
it), because LibreOffice does not update indexes when it loads a file.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import uno  # noqa: F401 (makes the com.sun.star modules importable)
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def main(argv: list[str]) -> int:
    out_dir = Path(argv[0]).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    pipe = f"ideaspace_render_{os.getpid()}"
    profile = tempfile.mkdtemp(prefix="lo-profile-")
    office = subprocess.Popen(
        [
            "soffice",
            "--headless",
            "--invisible",
            "--norestore",
            "--nologo",
            f"-env:UserInstallation=file://{profile}",
            f"--accept=pipe,name={pipe};urp;",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    desktop = None
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        for _ in range(120):
            try:
                context = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except NoConnectException:
                time.sleep(0.5)
        else:
            print("LibreOffice did not start", file=sys.stderr)
            return 1
        desktop = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
        for name in argv[1:]:
            source = Path(name).resolve()
            # A lock file left by an interrupted run makes LibreOffice refuse the file.
            source.with_name(f".~lock.{source.name}#").unlink(missing_ok=True)
            for _ in range(5):  # a freshly started office may not load yet
                doc = desktop.loadComponentFromURL(source.as_uri(), "_blank", 0, (prop("Hidden", True),))
                if doc is not None:
                    break
                time.sleep(1)
            else:
                print(f"LibreOffice could not open {source}", file=sys.stderr)
                return 1
            indexes = doc.getDocumentIndexes()
            for i in range(indexes.getCount()):
                indexes.getByIndex(i).update()
            doc.getTextFields().refresh()
            target = out_dir / (source.stem + ".pdf")
            doc.storeToURL(target.as_uri(), (prop("FilterName", "writer_pdf_Export"),))
            doc.close(True)
            print(f"{source.name} -> {target}")
    finally:
        try:
            desktop.terminate()
        except Exception:  # noqa: BLE001 (never connected, or already gone: the kill below ends it)
            pass
        try:
            office.wait(timeout=30)
        except subprocess.TimeoutExpired:
            office.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
