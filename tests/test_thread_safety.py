"""What the app shares between the threads of a gunicorn worker gives every thread the same answer
as if it ran alone.

The threads switch every microsecond here (sys.setswitchinterval), so a shared object with state of
its own is caught in the act within a few hundred calls: the one shared bleach Cleaner of the old
sanitizer returned other threads' text, empty bodies and IndexErrors in about 1 call of 5. The
same holds end to end through gunicorn in tests/reliability/test_races.py.
"""

from __future__ import annotations

import sys
import threading

import pytest

from ideaspace import numbers, sanitize
from ideaspace.notes import wordcloud

THREADS = 8


@pytest.fixture
def fast_switching():
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


def in_threads(function, inputs: list) -> tuple[list, list[BaseException]]:
    """`function` of each input, THREADS threads at once taking every THREADS-th input."""
    results: list = [None] * len(inputs)
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def work(first: int) -> None:
        start.wait()
        for i in range(first, len(inputs), THREADS):
            try:
                results[i] = function(inputs[i])
            except Exception as error:  # noqa: BLE001 - reported by the test
                errors.append(error)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results, errors


TEXTS = [
    f"Kommentti {i}: <b>tärkeä {i}</b> asia https://example.fi/{i}\n\nToinen kappale {i}.\n- yksi\n- kaksi"
    for i in range(400)
]


@pytest.mark.parametrize(
    "function",
    [sanitize.clean_html, lambda text: sanitize.html_to_text(sanitize.clean_html(text))],
    ids=["clean_html", "html_to_text"],
)
def test_the_sanitizer_gives_each_thread_its_own_answer(fast_switching, function):
    expected = [function(text) for text in TEXTS]
    results, errors = in_threads(function, TEXTS)
    assert not errors, errors[:3]
    wrong = [(i, got) for i, (got, want) in enumerate(zip(results, expected, strict=True)) if got != want]
    assert not wrong, wrong[:3]
    assert all(results)  # never an empty body


def test_the_markdown_renderer_gives_each_thread_its_own_answer(fast_switching):
    from ideaspace import markdown as formatting

    sources = [
        f"**Lihava {i}** ja *kursiivi*\n\n1. eka {i}\n2. toka [linkki](https://example.fi/{i})"
        for i in range(300)
    ]
    expected = [formatting.render(s) for s in sources]
    results, errors = in_threads(formatting.render, sources)
    assert not errors and results == expected
    back, errors = in_threads(formatting.source_of, expected)
    assert not errors and back == [formatting.source_of(html) for html in expected]


def test_the_remembered_numbers_and_word_cloud_terms_are_the_same_in_every_thread(fast_switching):
    """functools caches shared by the threads: the values they keep are immutable (str,
    frozenset), so a thread that reads one while another fills the cache gets the same answer."""
    values = [i / 7 for i in range(500)]
    expected = [numbers.percent(v, "fi") for v in values]
    numbers._percent.cache_clear()
    results, errors = in_threads(lambda v: numbers.percent(v, "fi"), values)
    assert not errors and results == expected
    notes = [f"Etätyö {i % 13} ja joustava työaika helpottavat arkea {i % 5}" for i in range(500)]
    expected_terms = [wordcloud._terms(n) for n in notes]
    wordcloud._terms.cache_clear()
    terms, errors = in_threads(wordcloud._terms, notes)
    assert not errors and terms == expected_terms
    assert all(isinstance(t[1], frozenset) for t in map(wordcloud._terms, notes))
