"""What a request brings in, checked in one place: ids, page numbers, days and NUL bytes.

Bad input gets a clear 4xx, never a 500 (DESIGN, "Bad input gets a clear answer"):

- ids are 1..2**31-1 (the id columns are INTEGER): the `int` URL converter answers 404 outside that
  range, and `optional_id` makes a form field invalid (422), before any number reaches the database,
  which would fail on it ("integer out of range" on PostgreSQL, OverflowError on SQLite);
- NUL is refused for the whole request (400): PostgreSQL can neither store nor compare it in text;
- days lie between FIRST_DAY and LAST_DAY, so the arithmetic around them never overflows;
- page numbers are clamped to 1..MAX_PAGE.
"""

from __future__ import annotations

from datetime import date

from flask import Flask, abort, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from werkzeug.routing import IntegerConverter
from wtforms import DateField, HiddenField
from wtforms.validators import ValidationError

MAX_ID = 2**31 - 1  # INTEGER, as every id column (and version number) is
MAX_PAGE = 1_000_000
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)


def init_app(app: Flask) -> None:
    """Install the id converter (before any blueprint adds its rules) and the NUL check."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_nul)


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: 1..2**31-1, anything else is no object (404)."""

    def __init__(self, map, fixed_digits=0, min=1, max=MAX_ID, signed=False):  # noqa: A002 - werkzeug's names
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def parse_id(value) -> int | None:
    """An id from text (ASCII digits, 1..2**31-1) or an int, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        if len(value.strip()) > len(str(MAX_ID)):  # and int() refuses more than 4,300 digits
            return None
        number = int(value.strip())
    else:
        return None
    return number if 1 <= number <= MAX_ID else None


def optional_id(value):
    """Coerce or filter a form field's id: empty is None, an id an int; anything else raises
    ValueError, which WTForms turns into the field's error (so the form answers 422)."""
    if value in (None, "", "None"):
        return None
    number = parse_id(value)
    if number is None:
        raise ValueError(_l("Not a valid choice."))
    return number


def id_arg(value: str) -> int:
    """`request.args.get(name, type=id_arg)`: an id, else the default (werkzeug catches ValueError)."""
    number = parse_id(value)
    if number is None:
        raise ValueError(value)
    return number


def page_number(value) -> int:
    """A page number from text: 1..MAX_PAGE; not a number is page 1, a huge one the last allowed."""
    text = str(value or "").strip()
    if not (text.isascii() and text.isdigit()):
        return 1
    return min(max(int(text[:12]), 1), MAX_PAGE)


class IdField(HiddenField):
    """A hidden id (a reply's parent, a chosen object): empty is None, else a valid id or a 422."""

    def process_formdata(self, valuelist):
        self.data = optional_id(valuelist[0]) if valuelist else None

    def _value(self) -> str:
        return "" if self.data is None else str(self.data)


class DayField(DateField):
    """A date input limited to first..last (year 1 or 9999 is a typo, and overflows)."""

    def __init__(self, *args, first: date = FIRST_DAY, last: date = LAST_DAY, **kwargs):
        super().__init__(*args, **kwargs)
        self.first, self.last = first, last

    def pre_validate(self, form):
        super().pre_validate(form)
        if self.data is not None and not self.first <= self.data <= self.last:
            raise ValidationError(
                gettext(
                    "Give a day between %(first)s and %(last)s.",
                    first=self.first.isoformat(),
                    last=self.last.isoformat(),
                )
            )


def refuse_nul() -> None:
    """400 for a NUL byte anywhere in the path, query or form (PostgreSQL refuses it in text)."""
    if "\x00" in request.path:
        abort(400)
    if request.method not in ("GET", "HEAD", "OPTIONS") and request.form:
        for key, values in request.form.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                abort(400)
    for key, values in request.args.lists():
        if "\x00" in key or any("\x00" in value for value in values):
            abort(400)
