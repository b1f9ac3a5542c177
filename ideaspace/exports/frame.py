"""The organisation's frame around the programme documents, kept in the instance settings: its
name on the covers (Word, PDF, printable page) and its Word template (exports/word_template.py).
Registered here, so the admin settings page lists them; changed only by admins in sudo mode,
audited by the settings store."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..sanitize import clean_line
from ..settings import service as settings
from . import word_template

TEMPLATE, ORGANISATION = "word_template", "organisation_name"


def organisation_name(value) -> str:
    """One line of plain text, at most 200 characters (empty: no name on the covers)."""
    text = clean_line(value if isinstance(value, str) else "")
    if len(text) > 200:
        raise settings.SettingError(_l("Use at most 200 characters."))
    return text


def prepare_template(data: bytes, filename: str) -> tuple[bytes, str]:
    """An uploaded template as the .docx to store (word_template.prepare), or SettingError."""
    try:
        return word_template.prepare(data, filename), word_template.DOCX
    except word_template.TemplateError as error:
        raise settings.SettingError(error.message) from None


settings.register(
    settings.Setting(
        TEMPLATE,
        settings.FILE,
        _l("Word template of the programme"),
        settings.file_metadata,
        hint=_l(
            "A Word template (.dotx) or document (.docx) with the organisation's styles, logo and "
            "colours, at most 5 MB, without macros. The programme's Word document uses its styles; "
            "without one, a clean default is used."
        ),
        content_types=frozenset({word_template.DOCX}),
        max_bytes=word_template.MAX_BYTES,
        prepare=prepare_template,
    )
)
settings.register(
    settings.Setting(
        ORGANISATION,
        settings.TEXT,
        _l("Organisation's name"),
        organisation_name,
        default="",
        hint=_l("On the cover of the programme's Word and PDF documents, e.g. Kokkolan kaupunki."),
    )
)


def upload_template(actor, data: bytes, filename: str, content_type: str | None = None) -> None:
    """Store an uploaded template (the settings store checks it with `prepare_template`); a
    refused one raises SettingError and changes nothing."""
    settings.put(actor, TEMPLATE, {"filename": filename}, blob=data, content_type=content_type)


def remove_template(actor) -> None:
    """Back to the default template."""
    settings.clear(actor, TEMPLATE)


def template() -> bytes | None:
    stored = settings.get_blob(TEMPLATE)
    return stored[0] if stored else None


def organisation() -> str | None:
    return settings.get(ORGANISATION) or None


def document_frame(fmt: str) -> dict:
    """What a document format takes from the settings: the name for its cover and, for Word, the
    template (None: the default)."""
    frame = {"organisation": organisation()}
    if fmt == "docx":
        frame["template"] = template()
    return frame
