"""Search called directly, on both engines: base forms and compound parts, ranking, paging, what
the searcher may read, the index kept on write and rebuilt, anonymous content indexed only at its
publication, and bad queries."""

import pytest
from sqlalchemy import delete, func, select, text

from ideaspace.ballot import service as ballot
from ideaspace.discussion import service as discussion
from ideaspace.extensions import db
from ideaspace.models import ActivityKind, ActivityStatus, utcnow
from ideaspace.notes import service as notes
from ideaspace.sanitize import clean_html
from ideaspace.text import search as service
from ideaspace.text.index import coverage, reindex
from ideaspace.text.models import SearchEntry
from tests.crowd import crowd
from tests.discussion.world import build

from .marks import needs_voikko


@pytest.fixture
def world(make, session):
    built = build(make)
    session.commit()
    return built


def found(user, world, query, **kw):
    return service.search(user, world.ws, query, **kw)


def texts(results):
    return ["".join(piece for piece, _hit in hit.excerpt) for hit in results.hits]


@needs_voikko
def test_a_base_form_finds_inflected_and_compound_forms_in_every_kind(world, make):
    make.comment(world.theme, world.member, body=clean_html("Perehdytysalustan pitäisi olla selkeämpi."))
    make.note(world.notes, world.member2, text="Lisää aikaa perehdytykseen")
    make.idea(world.ws, world.member, title="Kummi jokaiselle", body=clean_html("Kummi tukee perehdytystä."))
    make.note(world.notes, world.member2, text="Palkitseminen ja palaute")
    results = found(world.member, world, "perehdytys")
    assert results.total == 3
    assert {hit.kind for hit in results.hits} == {"comment", "note", "idea"}
    marked = {piece for hit in results.hits for piece, matched in hit.excerpt if matched}
    assert marked == {"Perehdytysalustan", "perehdytykseen", "perehdytystä"}
    # A compound's part finds it, and the inflected query finds the base form.
    assert texts(found(world.member, world, "alustoja")) == ["Perehdytysalustan pitäisi olla selkeämpi."]
    assert found(world.member, world, "perehdytysalustalla").total == 1


def test_swedish_inflections_are_found(world, make):
    world.ws.primary_language = "sv"
    make.note(world.notes, world.member, text="Arbetslagen behöver mer tid för planering")
    make.note(world.notes, world.member, text="Mer flexibla arbetstider")
    results = found(world.member, world, "arbetslag")
    assert texts(results) == ["Arbetslagen behöver mer tid för planering"]
    assert [p for p, m in results.hits[0].excerpt if m] == ["Arbetslagen"]
    assert results.hits[0].lang == "sv"


def test_every_word_must_match_and_more_mentions_rank_first(world, make):
    make.note(world.notes, world.member, text="kokeilu kokeilu kokeilu ilmapiiri")
    make.note(world.notes, world.member, text="kokeilu ilmapiiri, ja paljon muuta sanottavaa tähän lappuun")
    make.note(world.notes, world.member, text="kokeilu ilman toista sanaa")
    results = found(world.member, world, "kokeilu ilmapiiri")
    assert texts(results) == [
        "kokeilu kokeilu kokeilu ilmapiiri",
        "kokeilu ilmapiiri, ja paljon muuta sanottavaa tähän lappuun",
    ]


def test_an_ideas_title_weighs_more_than_its_body(world, make):
    for title in ("Palkitseminen", "Kahvihetki", "Mentorointi", "Työnkierto"):  # the word is rare
        make.idea(world.ws, world.member, title=title, body=clean_html(f"{title} kaikille"))
    make.idea(world.ws, world.member, title="Muuta", body=clean_html("Etätyöpäivä viikossa kaikille"))
    make.idea(world.ws, world.member, title="Etätyöpäivä", body=clean_html("Viikossa kaikille muuta"))
    assert [hit.title for hit in found(world.member, world, "etätyöpäivä").hits] == ["Etätyöpäivä", "Muuta"]


def test_results_are_paged(world, make):
    for i in range(service.PAGE_SIZE + 5):
        make.note(world.notes, world.member, text=f"rekrytointi numero {i}")
    first = found(world.member, world, "rekrytointi")
    assert first.total == service.PAGE_SIZE + 5 and first.pages == 2 and len(first.hits) == service.PAGE_SIZE
    second = found(world.member, world, "rekrytointi", page=2)
    assert len(second.hits) == 5 and second.has_previous and not second.has_next
    assert not {h.item.id for h in first.hits} & {h.item.id for h in second.hits}
    assert found(world.member, world, "rekrytointi", page=99).page == 2


def test_only_what_the_searcher_may_read_is_found(world, make):
    word = "viestintä"
    shown = make.note(world.notes, world.member, text=f"{word} näkyy")
    make.note(world.notes, world.member, text=f"{word} piilotettu", hidden_at=utcnow())
    make.comment(world.theme, world.member, body=clean_html(f"{word} peruttu"), withdrawn_at=utcnow())
    draft = make.activity(world.theme, kind=ActivityKind.NOTES, status=ActivityStatus.DRAFT)
    in_draft = make.note(draft, world.moderator, text=f"{word} luonnoksessa")
    hidden_idea = make.idea(world.ws, world.member, title="Piilo", hidden_at=utcnow())
    make.comment(hidden_idea, world.member, body=clean_html(f"{word} piilotetun idean alla"))
    hidden_parent = make.comment(world.theme, world.member, hidden_at=utcnow())
    make.comment(world.theme, world.member2, parent=hidden_parent, body=clean_html(f"{word} vastaus"))
    make.note(world.other_notes, world.member, text=f"{word} toisessa työtilassa")
    assert [h.item.id for h in found(world.member, world, word).hits] == [shown.id]
    assert {h.item.id for h in found(world.moderator, world, word).hits} == {shown.id, in_draft.id}
    assert [h.item.id for h in found(world.observer, world, word).hits] == [shown.id]


def test_the_index_follows_edits_and_reindex_rebuilds_it(world, make):
    comment = make.comment(world.discussion, world.member, body=clean_html("Vanha sanamuoto"))
    assert found(world.member, world, "sanamuoto").total == 1
    discussion.edit_comment(world.member, comment, "Uusi ajatus")
    assert found(world.member, world, "sanamuoto").total == 0
    assert found(world.member, world, "ajatus").total == 1
    db.session.execute(delete(SearchEntry))
    assert found(world.member, world, "ajatus").total == 0
    counts = reindex(world.ws)
    assert counts["comment"] >= 1
    assert found(world.member, world, "ajatus").total == 1
    reindex()
    _engine, indexed, total = coverage()
    assert indexed == total


def test_anonymous_content_is_indexed_only_when_published_and_shows_no_author(world, make, session):
    world.notes.is_anonymous = True
    session.commit()
    people = [world.member, world.member2, *crowd(make, world.ws, 3)]
    for person in people:
        notes.post_note(person, world.ws, world.notes, "Luottamuksellinen palautekanava")
    session.commit()
    entries = select(func.count()).select_from(SearchEntry).where(SearchEntry.note_id.is_not(None))
    assert db.session.scalar(entries) == 0  # sealed: nothing is indexed in the authors' requests
    assert found(world.moderator, world, "palautekanava").total == 0
    assert ballot.publish(world.ws, world.notes.id) == 5
    session.commit()
    assert db.session.scalar(entries) == 5
    results = found(world.moderator, world, "palautekanava")
    assert results.total == 5
    assert all(h.anonymous and h.author is None and h.created_at is None for h in results.hits)


def test_an_index_row_is_written_in_the_publications_transaction(world, make, session, engine_name):
    if engine_name != "postgresql":
        pytest.skip("transaction ids (xmin) are PostgreSQL's; SQLite's rowid order is checked below")
    world.notes.is_anonymous = True
    session.commit()
    for person in [world.member, world.member2, *crowd(make, world.ws, 3)]:
        notes.post_note(person, world.ws, world.notes, "Salainen toive")
    session.commit()
    sealed = db.session.scalar(text("SELECT max(xmin::text::bigint) FROM ballot"))
    ballot.publish(world.ws, world.notes.id)
    session.commit()
    published = set(db.session.scalars(text("SELECT xmin::text FROM note")))
    indexed = set(db.session.scalars(text("SELECT xmin::text FROM search_entry WHERE note_id IS NOT NULL")))
    assert indexed == published and str(sealed) not in indexed


def test_index_rows_follow_the_published_order(world, make, session):
    world.notes.is_anonymous = True
    session.commit()
    for person in [world.member, world.member2, *crowd(make, world.ws, 4)]:
        notes.post_note(person, world.ws, world.notes, f"Toive {person.id}")
    session.commit()
    ballot.publish(world.ws, world.notes.id)
    session.commit()
    order = db.session.scalars(
        select(SearchEntry.note_id).where(SearchEntry.note_id.is_not(None)).order_by(SearchEntry.id)
    ).all()
    # The entries' ids add no order the notes' ids do not have.
    assert len(order) == 6 and order == sorted(order)


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "ja",
        "och the että",
        "x" * 10_000,
        "perehdytys " * 2_000,
        '"',
        '"unclosed',
        "*",
        "a* NEAR(b c)",
        "NEAR",
        "col:umn",
        "terms:kokeilu",
        "AND OR NOT",
        "(((",
        "!!!",
        "1234",
        "<script>alert(1)</script>",
        "perehdytys & | ! : *",
        "\x00",
    ],
)
def test_bad_queries_give_results_or_a_message_never_an_error(world, make, query):
    make.note(world.notes, world.member, text="kokeilu")
    results = found(world.member, world, query)
    assert results.total >= 0 and len(results.query) <= service.MAX_LENGTH
    if query.strip() and not results.hits:
        assert results.message or results.total == 0


def test_a_long_query_says_what_was_left_out(world, make):
    make.note(world.notes, world.member, text="kokeilu")
    results = found(world.member, world, "kokeilu " + " ".join(f"sana{chr(97 + i)}" for i in range(20)))
    assert results.total == 0 and "12" in results.message
    assert "common" in found(world.member, world, "ja och the").message
