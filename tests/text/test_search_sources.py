"""Search beyond comments, notes and ideas: themes, measures and quotes (migration 0016).

Each kind is found by an inflected query, the index follows their edits and deletions and is
rebuilt by `reindex`; quotes are found only by those who may read the programme and only while
their source is visible, and never show who wrote the source or when."""

import pytest
from sqlalchemy import delete, func, select

from ideaspace.extensions import db
from ideaspace.models import Role, WorkspaceStatus, utcnow
from ideaspace.quotes import service as quotes
from ideaspace.sanitize import clean_html
from ideaspace.text import search as service
from ideaspace.text.index import coverage, reindex
from ideaspace.text.models import SearchEntry
from ideaspace.workspaces import manage, measures
from tests.discussion.world import build

from .marks import needs_voikko


@pytest.fixture
def world(make, session):
    built = build(make)
    session.commit()
    return built


def found(user, world, query, **kw):
    return service.search(user, world.ws, query, **kw)


def kinds(results):
    return [(hit.kind, hit.item.id) for hit in results.hits]


def quote_of(world, source, kind="note", text=None):
    quote = quotes.pick(
        world.moderator,
        world.ws,
        quotes.get_source(world.ws, kind, source.id),
        theme_id=world.theme.id,
        excerpt=text,
        attribution="role",
        language="fi",
    )
    db.session.commit()
    return quote


@needs_voikko
def test_a_theme_is_found_by_its_title_and_introduction_in_every_language(world):
    manage.update_theme(
        world.moderator,
        world.theme,
        title={"fi": "Perehdytys ja osaaminen", "sv": "Introduktion och kompetens"},
        introduction={"fi": clean_html("Uusien työntekijöiden perehdytysalustan kehittäminen."), "sv": ""},
    )
    db.session.commit()
    results = found(world.member, world, "perehdytyksen")
    assert kinds(results) == [("theme", world.theme.id)]
    hit = results.hits[0]
    assert hit.title == "Perehdytys ja osaaminen" and hit.lang == "fi" and hit.author is None
    assert [piece for piece, matched in hit.excerpt if matched] == ["perehdytysalustan"]
    swedish = found(world.member, world, "introduktionen")
    assert (
        kinds(swedish) == [("theme", world.theme.id)]
        and swedish.hits[0].title == "Introduktion och kompetens"
    )
    assert found(world.member, world, "kompetens").hits[0].lang == "sv"


@needs_voikko
def test_a_measure_is_found_by_its_goal_and_text(world):
    measures.update_measure(
        world.moderator,
        world.measure,
        workspace_id=world.ws.id,
        goal={"fi": "Työhyvinvointi paranee"},
        text={"fi": "Esihenkilöille valmennus vaikeisiin keskusteluihin", "sv": "Chefer får utbildning"},
        schedule={"fi": "2027"},
        responsible={"fi": "HR"},
    )
    db.session.commit()
    assert kinds(found(world.member, world, "esihenkilö")) == [("measure", world.measure.id)]
    assert kinds(found(world.member, world, "työhyvinvoinnin")) == [("measure", world.measure.id)]
    swedish = found(world.member, world, "chefen")
    assert kinds(swedish) == [("measure", world.measure.id)]
    assert [p for p, m in swedish.hits[0].excerpt if m] == ["Chefer"] and swedish.hits[0].lang == "sv"


@needs_voikko
def test_a_quote_is_found_only_by_those_who_may_read_the_programme(world, make):
    note = make.note(world.notes, world.member, text="Perehdytykseen pitää varata enemmän aikaa")
    quote = quote_of(world, note)
    results = found(world.moderator, world, "perehdytys")
    assert set(kinds(results)) == {("note", note.id), ("quote", quote.id)}
    hit = next(h for h in results.hits if h.kind == "quote")
    assert hit.author is None and hit.created_at is None  # never the source's author or date
    assert [p for p, m in hit.excerpt if m] == ["Perehdytykseen"]
    assert ("quote", quote.id) in kinds(found(world.observer, world, "perehdytys"))
    assert ("quote", quote.id) in kinds(found(world.admin, world, "perehdytys"))
    # Participants read the note, not the programme's quotes.
    assert kinds(found(world.member, world, "perehdytys")) == [("note", note.id)]
    assert kinds(found(world.member2, world, "perehdytys")) == [("note", note.id)]


def test_a_quote_of_hidden_or_withdrawn_content_is_not_found(world, make):
    note = make.note(world.notes, world.member, text="Rekrytointi kestää liian kauan")
    comment = make.comment(world.theme, world.member, body=clean_html("Rekrytointi vaatii nopeutta"))
    idea = make.idea(world.ws, world.member, title="Rekrytointi", body=clean_html("Rekrytointi nopeammaksi"))
    from_note, from_comment = quote_of(world, note), quote_of(world, comment, "comment")
    from_idea = quote_of(world, idea, "idea", "Rekrytointi nopeammaksi")
    assert {q for k, q in kinds(found(world.moderator, world, "rekrytointi")) if k == "quote"} == {
        from_note.id,
        from_comment.id,
        from_idea.id,
    }
    note.hidden_at = utcnow()
    comment.withdrawn_at = utcnow()
    idea.hidden_at = utcnow()
    db.session.commit()
    for user in (world.moderator, world.observer):
        assert [k for k, _id in kinds(found(user, world, "rekrytointi"))] == []


def test_a_quote_in_a_draft_workspace_is_not_found_by_an_observer(world, make):
    note = make.note(world.notes, world.member, text="Palkitseminen puuttuu")
    quote = quote_of(world, note)
    world.ws.status = WorkspaceStatus.DRAFT
    db.session.commit()
    assert ("quote", quote.id) in kinds(found(world.moderator, world, "palkitseminen"))
    # (The page itself is closed to them: the view checks that they may read the workspace.)
    assert ("quote", quote.id) not in kinds(found(world.observer, world, "palkitseminen"))


def test_a_quote_of_an_anonymous_note_shows_no_author_unit_or_date(world, make):
    note = make.note(world.notes, None, text="Nimetön toive liukuvasta työajasta")
    quote = quote_of(world, note)
    hit = next(h for h in found(world.moderator, world, "toive").hits if h.kind == "quote")
    assert hit.item.id == quote.id and hit.anonymous and hit.author is None and hit.created_at is None


@needs_voikko
def test_the_index_follows_edits_and_deletions_of_themes_measures_and_quotes(world, make):
    theme = manage.create_theme(world.moderator, world.ws, title={"fi": "Etätyön pelisäännöt"})
    measure = measures.create_measure(
        world.moderator, theme, goal={"fi": "Selkeät etätyöohjeet"}, text={"fi": "Ohjeistus etätyöstä"}
    )
    note = make.note(world.notes, world.member, text="Etätyöpäiviä lisää, kiitos")
    quote = quote_of(world, note)
    db.session.commit()
    assert {k for k, _i in kinds(found(world.moderator, world, "etätyö"))} == {
        "theme",
        "measure",
        "note",
        "quote",
    }

    manage.update_theme(world.moderator, theme, title={"fi": "Liukuva työaika"})
    measures.update_measure(
        world.moderator,
        measure,
        workspace_id=world.ws.id,
        goal={"fi": "Joustava työaika"},
        text={"fi": "Liukuman rajat laajemmiksi"},
        schedule={},
        responsible={},
    )
    quotes.update(world.moderator, quote, excerpt="Etätyöpäiviä lisää", attribution="role", language="fi")
    db.session.commit()
    assert {k for k, _i in kinds(found(world.moderator, world, "etätyö"))} == {"note", "quote"}
    assert {k for k, _i in kinds(found(world.moderator, world, "työaika"))} == {"theme", "measure"}
    assert [
        p for h in found(world.moderator, world, "lisää").hits if h.kind == "quote" for p, m in h.excerpt if m
    ]

    quotes.remove(world.moderator, quote)
    measures.delete_measure(world.moderator, measure, workspace_id=world.ws.id)
    manage.delete_theme(world.moderator, theme)
    db.session.commit()
    assert kinds(found(world.moderator, world, "työaika")) == []
    assert kinds(found(world.moderator, world, "etätyö")) == [("note", note.id)]
    for column, gone in (
        (SearchEntry.theme_id, theme),
        (SearchEntry.measure_id, measure),
        (SearchEntry.quote_id, quote),
    ):
        assert db.session.scalar(select(func.count()).where(column == gone.id)) == 0


def test_reindex_rebuilds_themes_measures_and_quotes(world, make):
    note = make.note(world.notes, world.member, text="Mentorointi auttaa")
    quote = quote_of(world, note)
    db.session.execute(delete(SearchEntry))
    assert found(world.moderator, world, "mentorointi").total == 0
    counts = reindex(world.ws, missing=True)
    assert counts["theme"] == 1 and counts["measure"] == 1 and counts["quote"] == 1 and counts["note"] == 1
    assert {k for k, _i in kinds(found(world.moderator, world, "mentorointi"))} == {"note", "quote"}
    assert reindex(world.ws, missing=True) == dict.fromkeys(counts, 0)
    reindex()
    _engine, indexed, total = coverage()
    assert indexed == total
    assert db.session.scalar(select(SearchEntry.terms).where(SearchEntry.quote_id == quote.id)).startswith(
        f"w{world.ws.id} "
    )


def test_another_workspaces_themes_and_measures_are_not_found(world, make):
    manage.update_theme(world.moderator, world.other_theme, title={"fi": "Vuorotyö"})
    db.session.commit()
    assert found(world.member, world, "vuorotyö").total == 0
    other_moderator = make.user(Role.ADMIN)
    assert service.search(other_moderator, world.other_ws, "vuorotyö").total == 1


@pytest.mark.parametrize(
    "query", ["", "x", "ja", "x" * 10_000, '"', "*", "NEAR", ":", 'NEAR("a" "b")', "a:b*"]
)
def test_bad_queries_reach_every_kind_without_an_error(world, make, query):
    quote_of(world, make.note(world.notes, world.member, text="kokeilu"))
    results = found(world.moderator, world, query)
    assert results.total >= 0 and (results.hits or results.message or results.total == 0)
