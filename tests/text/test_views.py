"""The search page over HTTP: who may search, what the page shows (marked matches, escaped text,
anonymous items without author or date), paging links, and hostile queries."""

import pytest

from ideaspace.extensions import db
from ideaspace.sanitize import clean_html
from tests.discussion.world import build


@pytest.fixture
def world(make, session):
    built = build(make)
    session.commit()
    return built


def url(world, **args):
    query = "&".join(f"{k}={v}" for k, v in args.items())
    return f"/w/{world.ws.slug}/search" + (f"?{query}" if query else "")


@pytest.mark.parametrize(
    ("role", "status"),
    [("member", 200), ("observer", 200), ("moderator", 200), ("admin", 200), ("nonmember", 403)],
)
def test_who_may_search(world, client, login, role, status):
    login(world.role(role))
    assert client.get(url(world, q="kokeilu")).status_code == status


def test_signed_out_people_are_sent_to_sign_in(world, client):
    response = client.get(url(world, q="kokeilu"))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_matches_are_marked_and_user_text_is_escaped(world, client, login, make):
    make.note(world.notes, world.member2, text="<script>alert(1)</script> Kokeilukulttuuri ja kokeilut")
    make.comment(world.theme, world.member2, body=clean_html("Uusi kokeilu <b>nyt</b>"))
    db.session.commit()
    login(world.member)
    page = client.get(url(world, q="kokeilu")).text
    assert "2 results" in page
    assert "<mark>kokeilut</mark>" in page and "<mark>kokeilu</mark>" in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'class="card search-hit" hx-disable' in page
    assert 'role="search"' in page and '<label for="search-q">' in page
    assert f"/w/{world.ws.slug}/activities/{world.notes.id}/notes#note-" in page
    assert "Pekka Pienestä" in page  # a named author is shown


def test_an_anonymous_item_shows_no_author_and_no_date(world, client, login, make):
    make.note(world.notes, None, text="Nimetön palautekanava")
    db.session.commit()
    login(world.member)
    page = client.get(url(world, q="palautekanava")).text
    hit = page[page.index('class="card search-hit"') :]
    hit = hit[: hit.index("</li>")]
    assert "Anonymous" in hit and "Maija" not in hit and "Pekka" not in hit
    assert not any(ch.isdigit() for ch in hit.split("search-hit__kind")[1].split("</p>")[0])


def test_results_are_paged_with_links(world, client, login, make):
    for i in range(25):
        make.note(world.notes, world.member, text=f"rekrytointi {i}")
    db.session.commit()
    login(world.member)
    first = client.get(url(world, q="rekrytointi")).text
    assert "25 results, page 1 of 2" in first and 'rel="next"' in first and 'rel="prev"' not in first
    second = client.get(url(world, q="rekrytointi", page="2")).text
    assert "page 2 of 2" in second and 'rel="prev"' in second


@pytest.mark.parametrize(
    "query",
    ["", "%22", "*", "NEAR(a%20b)", "col%3Aumn", "x" * 10_000, "ja", "%3Cscript%3E", "page", "%E2%80%8B"],
)
def test_hostile_queries_get_a_page(world, client, login, make, query):
    make.note(world.notes, world.member, text="kokeilu")
    db.session.commit()
    login(world.member)
    response = client.get(url(world, q=query, page="-1"))
    assert response.status_code == 200
    assert "<script>" not in response.text


def test_a_nul_in_the_query_is_a_bad_request(world, client, login):
    login(world.member)
    assert client.get(url(world, q="a%00b")).status_code == 400


def test_a_query_of_stop_words_says_so(world, client, login):
    login(world.member)
    page = client.get(url(world, q="ja och the")).text
    assert "too common" in page and 'aria-describedby="search-message"' in page


def test_the_settings_page_says_which_analysers_are_active(world, client, login):
    from ideaspace.text import analysers

    login(world.admin, sudo=True)
    page = client.get("/admin/settings").text
    assert "Language analysis for search and word clouds" in page
    voikko = "Finnish: Voikko (base forms and parts of compound words)" in page
    assert voikko is analysers.voikko_available()
    assert ("apt-get install libvoikko1 voikko-fi" in page) is not voikko


def test_the_workspace_page_links_to_search(world, client, login):
    login(world.member)
    page = client.get(f"/w/{world.ws.slug}/").text
    assert f'href="/w/{world.ws.slug}/search"' in page


def _search_sources(world, make):
    """A theme, a measure and a quote (of an anonymous note) that all hold "palkitseminen"."""
    from ideaspace.quotes import service as quotes

    world.theme.title = {"fi": "Palkitseminen <b>teema</b>"}
    world.measure.text = {"fi": "Palkitsemisen periaatteet julki"}
    note = make.note(world.notes, None, text="Palkitseminen on epäreilua")
    source = quotes.get_source(world.ws, "note", note.id)
    quote = quotes.pick(
        world.moderator,
        world.ws,
        source,
        theme_id=world.theme.id,
        excerpt=None,
        attribution="role",
        language="fi",
    )
    db.session.commit()
    return note, quote


def _hits(page: str) -> list[str]:
    return [part.split("</li>")[0] for part in page.split('class="card search-hit"')[1:]]


def test_themes_measures_and_quotes_link_to_their_pages(world, client, login, make):
    note, quote = _search_sources(world, make)
    login(world.moderator)
    page = client.get(url(world, q="palkitseminen")).text
    assert "4 results" in page
    slug = world.ws.slug
    assert f'href="/w/{slug}/themes/{world.theme.id}"' in page
    assert f'href="/w/{slug}/measures/{world.measure.id}"' in page
    assert f'href="/w/{slug}/programme#quote-{quote.id}"' in page
    assert "Palkitseminen &lt;b&gt;teema&lt;/b&gt;" in page  # a title is text, escaped
    quote_hit = next(hit for hit in _hits(page) if "programme#quote" in hit)
    meta = quote_hit.split("search-hit__kind")[1].split("</p>")[0]
    assert "Quote" in meta and not any(ch.isdigit() for ch in meta)  # no author, unit or date
    login(world.observer)
    observed = client.get(url(world, q="palkitseminen")).text
    assert "4 results" in observed and f'href="/w/{slug}/programme/preview"' in observed
    assert client.get(f"/w/{slug}/programme/preview").status_code == 200


def test_a_participant_finds_the_theme_and_measure_but_no_quote(world, client, login, make):
    _search_sources(world, make)
    login(world.member)
    page = client.get(url(world, q="palkitseminen")).text
    assert "3 results" in page and "programme" not in page.split('class="search-results"')[1]
