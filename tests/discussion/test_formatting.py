"""Light formatting of comments, and the sanitizer it ends in."""

import pytest

from ideaspace.discussion.formatting import render, source_of
from ideaspace.sanitize import clean_html


def test_paragraphs_bold_italic_lists_and_links():
    html = render("Hei **kaikki** ja *tervetuloa*\ntoinen rivi\n\n- yksi\n- kaksi\n\n1. eka\n2. toka")
    assert html == (
        "<p>Hei <strong>kaikki</strong> ja <em>tervetuloa</em><br>toinen rivi</p>"
        "<ul><li>yksi</li><li>kaksi</li></ul><ol><li>eka</li><li>toka</li></ol>"
    )


def test_links_get_nofollow_noopener():
    html = render("[Kokkola](https://www.kokkola.fi/a?b=1&c=2) ja https://example.fi")
    assert '<a href="https://www.kokkola.fi/a?b=1&amp;c=2" rel="nofollow noopener">Kokkola</a>' in html
    assert '<a href="https://example.fi" rel="nofollow noopener">https://example.fi</a>' in html


@pytest.mark.parametrize(
    "payload",
    [
        '<script>alert("x")</script>',
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(1)">klikkaa</a>',
        "[klikkaa](javascript:alert(1))",
        '<svg onload="alert(1)">',
        "<iframe src=https://evil.example></iframe>",
    ],
)
def test_typed_html_is_shown_as_text_never_as_markup(payload):
    html = render(payload)
    assert "<script" not in html and "<img" not in html and "<svg" not in html and "<iframe" not in html
    assert 'href="javascript' not in html.lower()
    assert html.startswith("<p>")
    assert "&lt;" in html or "[klikkaa]" in html  # shown as the text that was typed


def test_empty_and_blank_give_nothing():
    assert render("") == "" and render("   \n\n  ") == "" and render(None) == ""


@pytest.mark.parametrize(
    "source",
    [
        "Hei **kaikki** ja *tervetuloa*\ntoinen rivi\n\n- yksi\n- kaksi",
        "1. eka\n2. toka\n\n[linkki](https://example.fi) ja https://kokkola.fi",
        "<script>alert(1)</script> & < >",
        "a*b*c 2*3*4",
    ],
)
def test_editing_round_trip_gives_the_same_comment(source):
    html = render(source)
    assert render(source_of(html)) == html


def test_clean_html_keeps_the_allow_list_and_marks_links():
    html = clean_html(
        '<p onclick="x()"><strong>b</strong> <em>i</em></p><ul><li>a</li></ul>'
        '<a href="https://x.fi" rel="author" target="_blank">x</a><a href="JaVaScRiPt:alert(1)">y</a>'
        "<img src=x onerror=alert(1)><script>alert(1)</script>"
    )
    assert "onclick" not in html and "<img" not in html and "<script" not in html
    assert '<a href="https://x.fi" rel="nofollow noopener">x</a>' in html
    assert '<a rel="nofollow noopener">y</a>' in html  # the javascript: address is gone
    assert "<strong>b</strong>" in html and "<em>i</em>" in html and "<li>a</li>" in html
