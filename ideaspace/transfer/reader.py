"""Typed getters that read a JSON value, clean it, and record an error naming its path."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from ..inputs import FIRST_DAY, LAST_DAY
from ..models import LANGUAGES
from ..sanitize import clean_html, clean_line, clean_text

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MISSING = object()


class TransferError(ValueError):
    """The document is not a valid workspace document; `errors` lists each problem with its path."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        shown = errors[:50] + ([f"... and {len(errors) - 50} more"] if len(errors) > 50 else [])
        super().__init__("The workspace document is not valid:\n" + "\n".join(f"  {e}" for e in shown))


class Reader:
    """Typed getters that record an error with the value's path instead of raising."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        # What was read, but changed on the way in (the import goes ahead and says so).
        self.warnings: list[str] = []

    def fail(self, path: str, message: str) -> None:
        self.errors.append(f"{path}: {message}")

    def warn(self, path: str, message: str) -> None:
        self.warnings.append(f"{path}: {message}")

    def obj(self, value, path: str, allowed: tuple[str, ...], required: tuple[str, ...] = ()) -> dict:
        if not isinstance(value, dict):
            self.fail(path, "must be an object")
            return {}
        for key in value:
            if key not in allowed:
                self.fail(_join(path, key), "unknown field")
        for key in required:
            if key not in value:
                self.fail(_join(path, key), "is required")
        return value

    def items(self, data: dict, key: str, path: str) -> list[tuple[object, str]]:
        value = data.get(key, [])
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(_join(path, key), "must be a list")
            return []
        return [(item, f"{_join(path, key)}[{i}]") for i, item in enumerate(value)]

    def text(self, data: dict, key: str, path: str, *, required=False, max_len=None, rich=False, line=False):
        """A string, cleaned; `line`: single-line text (a title, name or label), line breaks folded."""
        value = data.get(key)
        if value is None or value == "":
            if required:
                self.fail(f"{path}.{key}", "is required")
            return None
        if not isinstance(value, str):
            self.fail(f"{path}.{key}", f"must be a string (got {type(value).__name__})")
            return None
        cleaned = clean_rich(value) if rich else clean_line(value) if line else clean_text(value)
        if required and not cleaned:
            self.fail(f"{path}.{key}", "is required")
        if max_len and len(cleaned) > max_len:
            self.fail(f"{path}.{key}", f"is too long ({len(cleaned)} characters, at most {max_len})")
        return cleaned or None

    def localized(
        self, data: dict, key: str, path: str, *, required=False, rich=False, max_len=None, line=False
    ):
        value = data.get(key)
        if value is None:
            if required:
                self.fail(f"{path}.{key}", "is required")
            return {}
        if not isinstance(value, dict):
            self.fail(f"{path}.{key}", 'must be an object of languages, e.g. {"fi": "...", "sv": "..."}')
            return {}
        out = {}
        for lang, _ in value.items():
            if lang not in LANGUAGES:
                self.fail(f"{path}.{key}.{lang}", f"unknown language (use {', '.join(LANGUAGES)})")
                continue
            cleaned = self.text(value, lang, f"{path}.{key}", rich=rich, max_len=max_len, line=line)
            if cleaned:
                out[lang] = cleaned
        if required and not out:
            self.fail(f"{path}.{key}", "needs a text in at least one language")
        return out

    def choice(self, data: dict, key: str, path: str, enum_cls, default=MISSING):
        value = data.get(key, MISSING)
        if value is MISSING or value is None:
            if default is MISSING:
                self.fail(f"{path}.{key}", "is required")
                return None
            return default
        try:
            return enum_cls(value)
        except ValueError:
            allowed = ", ".join(m.value for m in enum_cls)
            self.fail(f"{path}.{key}", f"must be one of {allowed} (got {value!r})")
            return None

    def boolean(self, data: dict, key: str, path: str, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.fail(f"{path}.{key}", "must be true or false")
            return default
        return value

    def integer(self, data: dict, key: str, path: str, *, default=None, minimum=None, maximum=None):
        value = data.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(f"{path}.{key}", f"must be a whole number (got {value!r})")
            return None
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            self.fail(f"{path}.{key}", f"must be between {minimum} and {maximum} (got {value})")
            return None
        return value

    def number(self, data: dict, key: str, path: str):
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            self.fail(f"{path}.{key}", f"must be a number (got {value!r})")
            return None
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            self.fail(f"{path}.{key}", f"must be a number (got {value!r})")
            return None
        if not number.is_finite() or abs(number) >= Decimal("1e12"):
            self.fail(f"{path}.{key}", f"is out of range (got {value!r})")
            return None
        return number.quantize(Decimal("0.01"))

    def day(self, data: dict, key: str, path: str, *, required=False):
        value = data.get(key)
        if value is None:
            if required:
                self.fail(f"{path}.{key}", "is required")
            return None
        return self.day_value(value, f"{path}.{key}")

    def day_value(self, value, path: str):
        try:
            day = date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else _bad()
        except ValueError:
            self.fail(path, f"must be a date like 2022-09-01 (got {value!r})")
            return None
        if not FIRST_DAY <= day <= LAST_DAY:
            self.fail(path, f"must be between {FIRST_DAY} and {LAST_DAY} (got {value!r})")
            return None
        return day

    def moment(self, data: dict, key: str, path: str, *, required=False):
        value = data.get(key)
        if value is None:
            if required:
                self.fail(f"{path}.{key}", "is required")
            return None
        try:
            parsed = datetime.fromisoformat(value) if isinstance(value, str) else _bad()
        except ValueError:
            self.fail(
                f"{path}.{key}", f"must be a date and time like 2022-09-05T08:00:00+00:00 (got {value!r})"
            )
            return None
        if parsed.tzinfo is None:
            self.fail(f"{path}.{key}", "needs a time zone, e.g. +00:00")
            return None
        if not FIRST_DAY <= parsed.date() <= LAST_DAY:  # and year 1 or 9999 overflow in UTC
            self.fail(f"{path}.{key}", f"must be between {FIRST_DAY} and {LAST_DAY} (got {value!r})")
            return None
        return parsed.astimezone(UTC)

    def email(self, data: dict, key: str, path: str, *, required=False):
        value = self.text(data, key, path, required=required, max_len=254)
        if value is None:
            return None
        if not EMAIL.match(value):
            self.fail(f"{path}.{key}", f"is not an email address (got {value!r})")
            return None
        return value.lower()

    def key(self, data: dict, path: str, seen: set, *, required=True):
        value = data.get("key")
        if value is None:
            if required:
                self.fail(f"{path}.key", "is required")
            return None
        if not isinstance(value, str) or not value or len(value) > 80:
            self.fail(f"{path}.key", "must be a non-empty string of at most 80 characters")
            return None
        if value in seen:
            self.fail(f"{path}.key", f"{value!r} is used twice")
            return None
        seen.add(value)
        return value


def clean_rich(value: str) -> str:
    """Sanitize rich text; text that is already inert HTML stays byte-for-byte as it is.

    `clean_html` wraps tagless text into paragraphs and escapes it, which would change sanitized
    HTML such as `A &amp; B` on every round trip; it is still the one sanitizer deciding.
    """
    text = clean_text(value)
    if "<" not in text:
        wrapped = f"<p>{text}</p>"
        if clean_html(wrapped) == wrapped:
            return text
    return clean_html(text)


def _join(path: str, key: str) -> str:
    return key if path == "$" else f"{path}.{key}"


def _bad():
    raise ValueError
