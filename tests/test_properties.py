"""Property tests (hypothesis): the sanitizer, percentages, eNPS and the CSV importer."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ideaspace.extensions import db
from ideaspace.models import Role, User
from ideaspace.people import service as people
from ideaspace.polls.results import DETRACTORS, PROMOTERS, enps, percentage, percentages
from ideaspace.sanitize import ALLOWED_ATTRIBUTES, ALLOWED_PROTOCOLS, ALLOWED_TAGS, clean_html

MODEST = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# --- the sanitizer -------------------------------------------------------------------------------

PIECES = st.sampled_from(
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(1)">x</a>',
        "<a href='http://example.fi' onclick='x()'>l</a>",
        "<svg onload=alert(1)>",
        "<iframe srcdoc='<b>'>",
        "<p>",
        "</p>",
        "<strong>",
        "</em>",
        "<ul><li>",
        "<br>",
        '<a href="mailto:a@b.fi">m</a>',
        '<a href="data:text/html,x">d</a>',
        "<style>*{}</style>",
        "<!-- c -->",
        "<b title='t'>",
        "&lt;",
        "&amp;",
        "&#106;avascript:",
        '<a href="jav&#x09;ascript:x">',
        "<math><mi>",
        "<object data=x>",
        "<<",
        ">>",
        '"',
        "'",
        "=",
        "`",
        "\x00",
        "\n\n",
        " ",
        "www.example.fi",
        "https://example.fi/?a=1&b=2",
        "<blockquote>",
        "<ol>",
        '<a href="vbscript:x">',
        "<base href=//evil>",
        "<meta http-equiv=refresh>",
    ]
)
HTMLISH = st.lists(st.one_of(PIECES, st.text(max_size=12)), max_size=12).map("".join)


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


def _tags(html: str):
    parser = _Collector()
    parser.feed(html)
    parser.close()
    return parser.tags


@MODEST
@given(HTMLISH)
def test_clean_html_is_idempotent(text):
    once = clean_html(text)
    assert clean_html(once) == once


@MODEST
@given(HTMLISH)
def test_clean_html_emits_only_allowed_tags_attributes_and_schemes(text):
    for tag, attrs in _tags(clean_html(text)):
        assert tag in ALLOWED_TAGS, tag
        for name, value in attrs:
            assert name in ALLOWED_ATTRIBUTES.get(tag, []), (tag, name)
            assert not name.startswith("on")
            if name == "href":
                compact = "".join(ch for ch in (value or "") if ch > " ").lower()
                scheme = compact.split(":", 1)[0] if ":" in compact.split("/", 1)[0] else None
                assert scheme is None or scheme in ALLOWED_PROTOCOLS, value


# --- percentages and eNPS ------------------------------------------------------------------------

COUNTS = st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=12)


@MODEST
@given(COUNTS, st.integers(min_value=0, max_value=5))
def test_percentages_within_half_a_hundredth_of_the_exact_ratio(counts, extra):
    before = list(counts)
    denominator = sum(counts) + extra
    values = percentages(counts, denominator)
    assert counts == before  # the counts are never adjusted
    for count, value in zip(counts, values, strict=True):
        if denominator == 0:
            assert value is None
        else:
            exact = Fraction(count * 100, denominator)
            assert abs(Fraction(value) - exact) <= Fraction(1, 200)
            assert value == value.quantize(Decimal("0.01"))


@given(st.integers(min_value=0, max_value=100))
@MODEST
def test_percentage_of_nothing_is_none(count):
    assert percentage(count, 0) is None


SCALE = st.dictionaries(st.integers(min_value=0, max_value=10), st.integers(min_value=0, max_value=500))


@MODEST
@given(SCALE)
def test_enps_is_exact_promoters_minus_detractors(distribution):
    total = sum(distribution.values())
    value = enps(distribution)
    if total == 0:
        assert value is None
        return
    assert -100 <= value <= 100
    promoters = sum(n for v, n in distribution.items() if v in PROMOTERS)
    detractors = sum(n for v, n in distribution.items() if v in DETRACTORS)
    exact = Fraction((promoters - detractors) * 100, total)
    assert abs(Fraction(value) - exact) <= Fraction(1, 2)
    # the sequence form gives the same answer
    assert enps([distribution.get(v, 0) for v in range(11)]) == value


# --- the CSV importer ----------------------------------------------------------------------------

NAMES = (
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzåäöÅÄÖ -", min_size=1, max_size=20)
    .map(str.strip)
    .filter(bool)
)
ROLES = st.sampled_from(["participant", "osallistuja", "observer", "moderator", "deltagare"])
UNITS = st.sampled_from(["", "Henkilöstöpalvelut", "Sivistys/Koulu", "Tekniikka/Kunnossapito/Puisto"])


@st.composite
def valid_rows(draw):
    count = draw(st.integers(min_value=1, max_value=8))
    locals_ = draw(
        st.lists(st.from_regex(r"[a-z]{1,8}", fullmatch=True), min_size=count, max_size=count, unique=True)
    )
    return [(draw(NAMES), f"{local}@prop.example.fi", draw(ROLES), draw(UNITS)) for local in locals_]


def _csv(rows) -> bytes:
    lines = ["name;email;role;unit"] + [";".join(row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def _people_count() -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(User).where(User.email.like("%@prop.example.fi"))
    )


@MODEST
@given(rows=valid_rows())
def test_valid_rows_import_and_reimport_without_duplicates(session, rows):
    session.rollback()
    savepoint = session.begin_nested()
    try:
        parsed, errors = people.parse_csv(_csv(rows))
        assert not errors
        plan = people.plan_import(parsed)
        assert plan.ok and plan.created == len(rows)
        people.apply_import(plan, None)
        session.flush()
        assert _people_count() == len(rows)
        again = people.plan_import(people.parse_csv(_csv(rows))[0])
        assert again.ok and again.created == 0 and again.unchanged == len(rows)
        people.apply_import(again, None)
        session.flush()
        assert _people_count() == len(rows)
    finally:
        savepoint.rollback()


BAD = st.sampled_from(
    [
        ("role", "superuser"),
        ("role", "root"),
        ("email", "not-an-email"),
        ("email", "a@b"),
        ("email", "x y@z.fi"),
    ]
)


@MODEST
@given(rows=valid_rows(), bad=BAD, where=st.integers(min_value=0, max_value=7))
def test_a_bad_row_is_reported_with_its_number_and_nothing_is_imported(session, rows, bad, where):
    session.rollback()
    savepoint = session.begin_nested()
    try:
        index = where % len(rows)
        name, email, role, unit = rows[index]
        rows = list(rows)
        rows[index] = (name, bad[1], role, unit) if bad[0] == "email" else (name, email, bad[1], unit)
        parsed, errors = people.parse_csv(_csv(rows))
        plan = people.plan_import(parsed)
        all_errors = errors + plan.errors
        assert any(error.row == index + 2 for error in all_errors), all_errors  # header is row 1
        # The import page applies a plan only when the file and the plan are both free of errors.
        assert errors or not plan.ok
        if not plan.ok:
            with pytest.raises(people.PlanHasErrors):
                people.apply_import(plan, None)
        assert _people_count() == 0
    finally:
        savepoint.rollback()


def test_roles_in_the_importer_are_real_roles():
    assert set(people.ROLE_WORDS.values()) <= set(Role)
