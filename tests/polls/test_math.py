"""The percentage and eNPS arithmetic: pure functions, exact from the counts."""

from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from ideaspace.polls.results import enps, percentage, percentages, signed

D = Decimal


def test_the_seed_poll_3_12_2_8_10_of_35():
    shares = percentages([3, 12, 2, 8, 10], 35)
    assert shares == [D("8.57"), D("34.29"), D("5.71"), D("22.86"), D("28.57")]
    assert sum(shares) == D("100.00")
    assert all(share.as_tuple().exponent == -2 for share in shares)


def test_zero_answers_give_no_percentages_and_no_division_by_zero():
    assert percentages([0, 0, 0], 0) == [None, None, None]
    assert percentage(0, 0) is None
    assert percentages([], 0) == []


def test_ties_get_the_same_share_even_if_the_total_is_not_100():
    assert percentages([1, 1, 1], 3) == [D("33.33")] * 3  # sums to 99.99, and that is right
    assert percentages([2, 2, 1], 5) == [D("40.00"), D("40.00"), D("20.00")]
    assert percentages([1, 1, 1, 1, 1, 1], 6) == [D("16.67")] * 6  # sums to 100.02


def test_halves_round_up_not_to_even():
    assert percentage(1, 160) == D("0.63")  # 0.625
    assert percentage(3, 160) == D("1.88")  # 1.875
    assert percentage(1, 8) == D("12.50")
    assert percentage(1, 3) == D("33.33")
    assert percentage(2, 3) == D("66.67")


def test_multiple_choice_shares_of_respondents_can_exceed_100_in_total():
    # 4 respondents, each chose two options.
    shares = percentages([4, 3, 1], 4)
    assert shares == [D("100.00"), D("75.00"), D("25.00")]


@given(st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=12), st.integers(0, 10_000))
def test_rounding_never_changes_the_counts_and_stays_within_half_a_hundredth(counts, extra):
    original = list(counts)
    denominator = sum(counts) + extra
    shares = percentages(counts, denominator)
    assert counts == original
    if denominator == 0:
        assert shares == [None] * len(counts)
        return
    for count, share in zip(counts, shares, strict=True):
        exact = Fraction(count * 100, denominator)
        assert abs(Fraction(share) - exact) <= Fraction(5, 1000)
        assert share.as_tuple().exponent == -2


def test_enps_is_promoters_minus_detractors_rounded():
    # 25 answers: 10 promoters (40 %), 8 passives, 7 detractors (28 %) → +12, as in the seed.
    distribution = {10: 6, 9: 4, 8: 5, 7: 3, 6: 2, 5: 2, 3: 1, 0: 2}
    assert enps(distribution) == 12
    assert signed(enps(distribution)) == "+12"


def test_enps_accepts_a_list_of_eleven_counts():
    counts = [0] * 11
    counts[9], counts[3] = 1, 3  # 25 % promoters, 75 % detractors
    assert enps(counts) == -50


def test_enps_negative_zero_and_none():
    assert enps({5: 11, 9: 9}) == -10  # 45 % − 55 %
    assert enps({7: 3, 8: 4}) == 0  # passives only
    assert enps({}) is None
    assert enps([0] * 11) is None


def test_enps_halves_round_away_from_zero_symmetrically():
    assert enps({9: 1, 7: 7}) == 13  # +12.5
    assert enps({0: 1, 7: 7}) == -13  # −12.5


def test_enps_uses_the_exact_counts_not_rounded_percentages():
    # 1 promoter, 2 detractors of 3: 33.33 − 66.67 = −33.34 with rounded shares, −33.33… exactly.
    assert enps({10: 1, 0: 2}) == -33


def test_signed_uses_a_plus_and_a_real_minus_sign():
    assert signed(12) == "+12"
    assert signed(-5) == "\u22125"
    assert signed(0) == "0"
    assert signed(None) == "–"
