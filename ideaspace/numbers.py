"""Numbers, percentages and days as a language writes them, the one place that formats them: the
`number`, `percent` and `date` filters (the reader's language), the statistics page and the
programme's documents and exports (the document's language) all call these with the language
explicitly.

A page repeats the same few numbers (poll percentages, indicator values), and each Babel call costs
some 30 µs; the text of a value in a language never changes, so it is remembered. The key is the
value's type and exact text (str() of an int, float, Decimal or str gives back the same value, sign
and exponent included), so equal values that print differently (0.0 and -0.0) stay apart."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel.dates import format_date
from babel.numbers import format_decimal

NONE = "–"

# The locale and format of a day in each language: Finnish and Finland-Swedish write 1.9.2022
# (Sweden's sv would give 2022-09-01), British English 1 Sept 2022 (en alone is US: 9/1/22).
DAY_FORMATS = {"fi": ("fi", "short"), "sv": ("sv_FI", "short"), "en": ("en_GB", "medium")}


def number(value, language: str) -> str:
    """A number without needless zeros (12,5 in fi and sv, 12.5 in en; "11.00" gives 11), "–" for
    none or "", and text that is no number as it is."""
    if value is None or value == "":
        return NONE
    return _number(type(value), str(value), language)


def percent(value, language: str, digits: int = 2) -> str:
    """Two decimals (or `digits`): 34,29 % in fi and sv (a no-break space), 34.29% in en; "–" for
    none or ""."""
    if value is None or value == "":
        return NONE
    return _percent(type(value), str(value), digits, language)


@lru_cache(maxsize=4096)
def _number(kind: type, text: str, language: str) -> str:
    try:
        # Babel turns every value into Decimal(str(value)): the text is all it needs.
        return format_decimal(Decimal(text), locale=language)
    except (InvalidOperation, ValueError):
        return text


@lru_cache(maxsize=4096)
def _percent(kind: type, text: str, digits: int, language: str) -> str:
    # A float is taken at its exact binary value (34.285 is a little under a half).
    value = Decimal(float(text)) if kind is float else Decimal(text)
    pattern = "#,##0." + "0" * digits if digits else "#,##0"
    formatted = format_decimal(value, format=pattern, locale=language)
    return f"{formatted}%" if language == "en" else f"{formatted}\u00a0%"


def day(value: date | datetime | str | None, language: str) -> str:
    """A day as the language writes it: 1.9.2022 in fi and sv, 1 Sept 2022 in en; a date-time's
    own day (convert it to the reader's time zone first), an ISO text parsed, "" for none, and text
    that is no date as it is."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        value = value.date()
    return _day(value, language)


@lru_cache(maxsize=1024)
def _day(value: date, language: str) -> str:
    # A page's notes and comments fall on a few days.
    locale, width = DAY_FORMATS.get(language, (language, "short"))
    return format_date(value, width, locale=locale)
