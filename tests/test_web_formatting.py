"""The `number`, `percent` and `date` filters: the reader's locale, the same text remembered or not."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from flask_babel import force_locale

from ideaspace.web import format_number, format_percent, format_short_date


@pytest.mark.parametrize(
    ("language", "number", "percent"),
    [
        ("fi", "1\u00a0234,5", "34,29\u00a0%"),
        ("sv", "1\u00a0234,5", "34,29\u00a0%"),
        ("en", "1,234.5", "34.29%"),
    ],
)
def test_numbers_in_the_readers_locale_twice_in_a_row(app, language, number, percent):
    with app.test_request_context("/"), force_locale(language):
        for _ in range(2):  # the second answer is the remembered one
            assert format_number(Decimal("1234.50")) == number
            assert format_percent(Decimal("34.2857")) == percent
            assert format_number(None) == format_percent(None) == "–"


def test_remembered_text_follows_the_language_and_the_digits(app):
    with app.test_request_context("/"):
        with force_locale("fi"):
            assert format_number(2.5) == "2,5"
            assert format_percent(12.5, 1) == "12,5\u00a0%"
            assert format_percent(12.5, 0) == "12\u00a0%"  # Babel rounds half to even
        with force_locale("en"):
            assert format_number(2.5) == "2.5"
            assert format_percent(12.5, 1) == "12.5%"


def test_values_that_are_equal_but_print_differently_stay_apart(app):
    with app.test_request_context("/"), force_locale("en"):
        # equal as keys of a plain cache (0 == -0), but not as text
        assert [format_number(Decimal("0")), format_number(Decimal("-0"))] == ["0", "-0"]
        assert [format_number(0.0), format_number(-0.0)] == ["0", "-0"]
        assert format_number(1) == "1"
        assert format_number(Decimal("1.000")) == "1"
        assert format_number(Decimal("1.2345")) == "1.234"
        assert format_number(1.2345) == format_number(Decimal("1.2345"))
        assert format_number("7") == "7"
        assert format_number("") == format_percent("") == "–"


def test_dates_in_the_readers_short_format(app):
    with app.test_request_context("/"):
        late = datetime(2026, 11, 27, 23, 30, tzinfo=UTC)
        with force_locale("fi"):
            for _ in range(2):
                assert format_short_date(date(2026, 11, 27)) == "27.11.2026"
                assert format_short_date(late) == format_short_date(late.replace(tzinfo=None)) == "27.11.2026"
        with force_locale("en"):
            assert format_short_date(date(2026, 11, 27)) == "27 Nov 2026"
        with force_locale("sv"):
            assert format_short_date(date(2026, 11, 27)) == "27.11.2026"
        assert format_short_date(None) == ""
