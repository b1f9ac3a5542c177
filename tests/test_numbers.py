"""ideaspace.numbers: the one place that writes numbers and percentages, in the language it is given."""

from decimal import Decimal

import pytest

from ideaspace import numbers


@pytest.mark.parametrize(
    ("language", "number", "percent", "rate"),
    [
        ("fi", "1\u00a0234,5", "34,29\u00a0%", "51,5\u00a0%"),
        ("sv", "1\u00a0234,5", "34,29\u00a0%", "51,5\u00a0%"),
        ("en", "1,234.5", "34.29%", "51.5%"),
    ],
)
def test_the_language_is_the_one_given_not_the_readers(language, number, percent, rate):
    # No app or request: nothing but the argument can choose the language.
    for _ in range(2):  # the second answer is the remembered one
        assert numbers.number(Decimal("1234.50"), language) == numbers.number("1234.50", language) == number
        assert numbers.percent(Decimal("34.2857"), language) == numbers.percent("34.29", language) == percent
        assert numbers.percent("51.5", language, 1) == numbers.percent(Decimal("51.50"), language, 1) == rate


def test_nothing_is_a_dash_and_text_that_is_no_number_stays_as_it_is():
    for value in (None, ""):
        assert numbers.number(value, "fi") == numbers.percent(value, "fi") == "–"
    assert numbers.number("n/a", "fi") == "n/a"
    with pytest.raises(ArithmeticError):
        numbers.percent("n/a", "fi")


def test_the_key_is_the_type_and_the_exact_text():
    # 0.0 == -0.0 and Decimal("0") == 0 as plain keys; their texts differ.
    assert [numbers.number(0.0, "en"), numbers.number(-0.0, "en")] == ["0", "-0"]
    assert [numbers.percent(0.0, "fi", 1), numbers.percent(-0.0, "fi", 1)] == ["0,0\u00a0%", "-0,0\u00a0%"]
    # A float is taken at its binary value (a little under 34.275), a text or Decimal as written.
    assert numbers.percent(34.275, "en") == "34.27%"
    assert numbers.percent("34.275", "en") == numbers.percent(Decimal("34.275"), "en") == "34.28%"
    assert [numbers.percent(12.5, "fi", d) for d in (0, 1, 2)] == ["12\u00a0%", "12,5\u00a0%", "12,50\u00a0%"]


@pytest.mark.parametrize(
    ("language", "expected"), [("fi", "2.1.2023"), ("sv", "2.1.2023"), ("en", "2 Jan 2023")]
)
def test_a_day_as_the_language_writes_it_in_finland(language, expected):
    # Sweden's sv writes 2023-01-02; Finland-Swedish readers (and the seed) write 2.1.2023.
    from datetime import date

    assert numbers.day(date(2023, 1, 2), language) == numbers.day("2023-01-02", language) == expected
