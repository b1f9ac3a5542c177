"""Read and change the instance settings: a registry of known keys, validated, audited.

Deployment secrets stay in the environment (ideaspace/config.py); what an admin changes while the
instance runs (brand colour, sign-in methods, later the Word template and the logo) lives here.
Reads are cached for the request: the first `get` loads every value in one statement.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import g, has_app_context
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import audit
from ..extensions import db
from ..models import InstanceSetting, User, utcnow
from ..sanitize import clean_text


class SettingError(ValueError):
    """A value the setting does not accept; `message` says why, in the reader's language."""

    def __init__(self, message) -> None:
        super().__init__(str(message))
        self.message = message


# The kinds of setting the admin page knows how to show and edit.
TEXT, COLOUR, BOOL, FILE = "text", "colour", "bool", "file"


@dataclass(frozen=True)
class Setting:
    """One known key: its kind, label and hint, the check its values pass, and its default."""

    key: str
    kind: str
    label: object
    validate: Callable[[object], object]
    default: object = None
    hint: object = None
    # For files: the content types accepted, and the largest file.
    content_types: frozenset[str] = field(default_factory=frozenset)
    max_bytes: int = 5 * 1024 * 1024
    # For files: checks an upload (its bytes and file name) and gives what is stored and its
    # content type, or raises SettingError (the Word template refuses macros, rewrites a .dotx).
    prepare: Callable[[bytes, str], tuple[bytes, str]] | None = None


SETTINGS: dict[str, Setting] = {}


def register(setting: Setting) -> Setting:
    """Make a key known (a feature registers its own settings when its module is imported)."""
    SETTINGS[setting.key] = setting
    return setting


# --- validators ---------------------------------------------------------------------------

_HEX_COLOUR = re.compile(r"#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})")


def hex_colour(value) -> str:
    """A colour as #rrggbb (lower case); #abc and abc are accepted and expanded."""
    text = clean_text(value if isinstance(value, str) else "")
    match = _HEX_COLOUR.fullmatch(text)
    if not match:
        raise SettingError(_l("Give the colour as a hex code such as #1a5e9c."))
    digits = match.group(1).lower()
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return "#" + digits


def boolean(value) -> bool:
    """True or False (a form's "on"/"1"/"true" and their opposites are accepted too)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"1", "true", "on", "yes"}:
        return True
    if isinstance(value, str) and value.strip().lower() in {"0", "false", "off", "no", ""}:
        return False
    raise SettingError(_l("Choose yes or no."))


def file_metadata(value) -> dict:
    """What is kept beside a file: its original name (plain text, at most 200 characters)."""
    name = clean_text(value.get("filename") if isinstance(value, dict) else None)[:200]
    return {"filename": name} if name else {}


register(
    Setting(
        "brand_colour",
        COLOUR,
        _l("Brand colour"),
        hex_colour,
        default=None,
        hint=_l(
            "The organisation's main colour as a hex code, e.g. #1a5e9c. White text on it and the colour "
            "as text must reach a contrast of 4.5:1 (WCAG AA); a colour that does not is not used, "
            "IdeaSpace's own is. Empty: IdeaSpace's own."
        ),
    )
)
register(
    Setting(
        "password_sign_in",
        BOOL,
        _l("Sign-in with email and password"),
        boolean,
        default=True,
        hint=_l("People sign in with their email and password. Sign-in links always work."),
    )
)


# --- reading ------------------------------------------------------------------------------


def _known(key: str) -> Setting:
    setting = SETTINGS.get(key)
    if setting is None:
        raise KeyError(f"unknown instance setting: {key!r}")
    return setting


def _cache() -> dict[str, InstanceSetting]:
    """Every stored setting (without its file), loaded once per request (or CLI app context)."""
    if has_app_context():
        cached = g.get("_instance_settings")
        if cached is not None:
            return cached
    rows = {row.key: row for row in db.session.scalars(select(InstanceSetting))}
    if has_app_context():
        g._instance_settings = rows
    return rows


def get(key: str, default=None):
    """The setting's value: the stored one, else `default`, else the registry's default."""
    setting = _known(key)
    row = _cache().get(key)
    if row is not None and row.value is not None and setting.kind != FILE:
        return row.value
    return default if default is not None else setting.default


def get_blob(key: str) -> tuple[bytes, str] | None:
    """A file setting's bytes and content type, or None when none was uploaded."""
    _known(key)
    row = _cache().get(key)
    if row is None or row.content_type is None:
        return None
    blob = db.session.scalar(select(InstanceSetting.blob).where(InstanceSetting.key == key))
    return (blob, row.content_type) if blob is not None else None


def stored(key: str) -> InstanceSetting | None:
    """The stored row (who changed it and when), or None while the default applies."""
    _known(key)
    return _cache().get(key)


@dataclass
class Entry:
    """A row of the settings page: the setting, its value now, and who changed it last when."""

    setting: Setting
    value: object
    row: InstanceSetting | None
    changed_by: str | None


def overview() -> list[Entry]:
    """Every registered setting with its current value (two statements, whatever their number)."""
    rows = _cache()
    ids = {row.updated_by_id for row in rows.values() if row.updated_by_id}
    names = {}
    if ids:
        names = {
            row.id: row.name for row in db.session.execute(select(User.id, User.name).where(User.id.in_(ids)))
        }
    return [
        Entry(setting, get(key), rows.get(key), names.get(rows[key].updated_by_id) if key in rows else None)
        for key, setting in SETTINGS.items()
    ]


# --- changing -----------------------------------------------------------------------------


def put(
    actor: User,
    key: str,
    value=None,
    *,
    blob: bytes | None = None,
    content_type: str | None = None,
) -> None:
    """Validate and store a setting's value (or file), and write the audit log."""
    try:
        setting = _known(key)
    except KeyError:
        raise SettingError(_l("This setting does not exist.")) from None
    if setting.kind == FILE:
        if not blob:
            raise SettingError(_l("Choose a file."))
        if len(blob) > setting.max_bytes:
            raise SettingError(
                gettext("The file is too large (at most %(mb)d MB).", mb=setting.max_bytes // (1024 * 1024))
            )
        if setting.prepare is not None:
            filename = value.get("filename") if isinstance(value, dict) else None
            blob, content_type = setting.prepare(blob, filename or "")
        if content_type not in setting.content_types:
            raise SettingError(_l("This type of file is not accepted here."))
        value = setting.validate(value) if value is not None else None
    else:
        value = setting.validate(value)
        blob = content_type = None
    row = _cache().get(key) or db.session.get(InstanceSetting, key)
    before = _described(setting, row)
    if row is None:
        row = InstanceSetting(key=key)
        db.session.add(row)
    row.value = value
    row.blob = blob
    row.content_type = content_type
    row.updated_at = utcnow()
    row.updated_by_id = actor.id if actor is not None else None
    db.session.flush()
    _cache()[key] = row
    audit.record(actor, "setting.change", row, key=key, before=before, after=_described(setting, row))


def clear(actor: User, key: str) -> None:
    """Remove a stored setting, so its default applies again; audited."""
    setting = _known(key)
    row = _cache().get(key) or db.session.get(InstanceSetting, key)
    if row is None:
        return
    before = _described(setting, row)
    db.session.delete(row)
    db.session.flush()
    _cache().pop(key, None)
    audit.record(actor, "setting.clear", None, key=key, before=before)


def _described(setting: Setting, row: InstanceSetting | None):
    """What the audit log keeps of a value: the value itself, for a file its type, size and hash."""
    if row is None:
        return None
    if setting.kind != FILE:
        return row.value
    blob = row.blob or b""
    return {
        **(row.value or {}),
        "content_type": row.content_type,
        "bytes": len(blob),
        "sha256": hashlib.sha256(blob).hexdigest(),
    }
