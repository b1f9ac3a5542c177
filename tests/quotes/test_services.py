"""Quotes: sources, excerpts, attribution rules, ordering, removal, audit."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from ideaspace.models import Attribution, AuditLog, Quote, utcnow
from ideaspace.programme.service import build_programme
from ideaspace.quotes import service
from ideaspace.quotes.service import Refused


def pick(s, kind="comment", obj=None, **kw):
    obj = obj or getattr(s, kind)
    source = service.get_source(s.workspace, kind, obj.id)
    kw.setdefault("theme_id", s.theme.id)
    kw.setdefault("excerpt", None)
    kw.setdefault("attribution", "role")
    kw.setdefault("language", "fi")
    return service.pick(s.moderator, s.workspace, source, **kw)


def test_pick_each_kind_of_source(setup):
    s = setup
    a = pick(s, "comment")
    b = pick(s, "note")
    c = pick(s, "idea", theme_id=s.other_theme.id)
    assert (
        a.comment_id == s.comment.id
        and a.excerpt.startswith("Hyvä perehdytys")
        and "Vastuu on kaikilla." in a.excerpt
    )
    assert "\n" not in a.excerpt  # whitespace folded
    assert b.note_id == s.note.id and b.excerpt == "Kaikkia kuunnellaan"
    assert c.idea_id == s.idea.id and c.excerpt == "Kokeilukulttuuri vaatii aikaa."
    assert [a.position, b.position, c.position] == [0, 1, 0]


def test_an_excerpt_must_be_word_for_word_and_contiguous(setup):
    s = setup
    quote = pick(s, excerpt="  antaa uuden työntekijän\n tuoda osaamistaan ")
    assert quote.excerpt == "antaa uuden työntekijän tuoda osaamistaan"
    with pytest.raises(Refused) as error:
        pick(s, excerpt="Hyvä perehdytys antaa työntekijän tuoda osaamistaan")  # a word left out
    assert error.value.field == "excerpt"
    with pytest.raises(Refused):
        pick(s, excerpt="Huono perehdytys")  # words put in someone's mouth
    with pytest.raises(Refused):
        pick(s, "note", excerpt="x" * 3000)


def test_another_workspaces_source_is_404(setup, make):
    other = make.workspace()
    foreign = make.comment(make.theme(other), None)
    with pytest.raises(NotFound):
        service.get_source(setup.workspace, "comment", foreign.id)
    with pytest.raises(NotFound):
        service.get_source(setup.workspace, "poll", setup.comment.id)


def test_the_theme_must_be_of_the_workspace(setup, make):
    foreign_theme = make.theme(make.workspace())
    with pytest.raises(Refused) as error:
        pick(setup, theme_id=foreign_theme.id)
    assert error.value.field == "theme_id"


def test_hidden_or_withdrawn_text_is_not_quoted(setup, session):
    setup.comment.withdrawn_at = utcnow()
    setup.note.hidden_at = utcnow()
    session.flush()
    with pytest.raises(Refused):
        pick(setup, "comment")
    with pytest.raises(Refused):
        pick(setup, "note")


def test_unit_attribution_freezes_the_unit_name(setup, session):
    quote = pick(setup, attribution="role_and_unit")
    assert quote.attributed_unit == "Varhaiskasvatus"
    setup.unit.name = {"fi": "Uusi nimi"}
    session.flush()
    doc = build_programme(setup.workspace, "en")
    assert doc["themes"][0]["quotes"][0]["attribution"] == "A supervisor, Varhaiskasvatus"


def test_unit_attribution_needs_a_recorded_unit(setup):
    with pytest.raises(Refused) as error:
        pick(setup, obj=setup.anonymous_comment, attribution="role_and_unit")
    assert error.value.field == "attribution"


def test_anonymous_text_with_a_recorded_unit_may_show_the_unit(setup, make):
    anonymous = make.comment(setup.theme, None, unit_id=setup.unit.id)
    assert pick(setup, obj=anonymous, attribution="role_and_unit").attributed_unit == "Varhaiskasvatus"


def test_the_name_needs_consent(setup, session):
    with force_locale("en"), pytest.raises(Refused) as error:
        pick(setup, attribution="name")
    assert "agreed" in str(error.value) and error.value.field == "attribution"
    setup.author.consents_to_named_quotes = True
    session.flush()
    quote = pick(setup, attribution="name")
    assert quote.attribution is Attribution.NAME and quote.attributed_name == "Maija Meikäläinen"
    assert (
        build_programme(setup.workspace, "fi")["themes"][0]["quotes"][0]["attribution"] == "Maija Meikäläinen"
    )


def test_a_withdrawn_consent_removes_the_name_from_the_draft(setup, session):
    setup.author.consents_to_named_quotes = True
    session.flush()
    pick(setup, attribution="name")
    setup.author.consents_to_named_quotes = False
    session.flush()
    quotes = build_programme(setup.workspace, "en")["themes"][0]["quotes"]
    assert quotes[0]["attribution"] == "A supervisor"
    assert "Maija" not in str(build_programme(setup.workspace, "fi"))


def test_anonymous_text_is_never_named(setup, session):
    with force_locale("en"), pytest.raises(Refused) as error:
        pick(setup, obj=setup.anonymous_comment, attribution="name")
    assert "anonymous" in str(error.value) and error.value.field == "attribution"


def test_unknown_attribution_or_language_is_refused(setup):
    with pytest.raises(Refused):
        pick(setup, attribution="nickname")
    with pytest.raises(Refused):
        pick(setup, language="de")


def test_ordering_within_a_theme(setup):
    s = setup
    a, b, c = pick(s, "comment"), pick(s, "note"), pick(s, "idea")
    assert service.move(s.moderator, c, "up")
    assert [q.id for q in service.siblings(a)] == [a.id, c.id, b.id]
    assert not service.move(s.moderator, a, "up")  # already first
    assert service.move(s.moderator, a, "down")
    assert [q.id for q in service.siblings(a)] == [c.id, a.id, b.id]
    doc = build_programme(s.workspace, "fi")
    assert [q["id"] for q in doc["themes"][0]["quotes"]] == [c.id, a.id, b.id]


def test_update_checks_the_excerpt_and_attribution_again(setup):
    s = setup
    quote = pick(s)
    assert service.update(
        s.moderator, quote, excerpt="Vastuu on kaikilla.", attribution="role_and_unit", language="fi"
    ) == [
        "excerpt",
        "attribution",
        "attributed_unit",
    ]
    with pytest.raises(Refused):
        service.update(
            s.moderator, quote, excerpt="Vastuu ei ole kenelläkään.", attribution="role", language="fi"
        )
    with pytest.raises(Refused):
        service.update(s.moderator, quote, excerpt=None, attribution="name", language="fi")


def test_a_quote_whose_source_is_gone_keeps_its_text(setup, session):
    s = setup
    quote = pick(s, attribution="role_and_unit")
    quote.comment_id = None  # the source was deleted (ON DELETE SET NULL)
    session.flush()
    with pytest.raises(Refused):
        service.update(
            s.moderator, quote, excerpt="Vastuu on kaikilla.", attribution="role_and_unit", language="fi"
        )
    assert service.update(s.moderator, quote, excerpt="", attribution="role_and_unit", language="fi") == []
    assert service.update(s.moderator, quote, excerpt="", attribution="role", language="fi") == [
        "attribution",
        "attributed_unit",
    ]
    with pytest.raises(Refused):
        service.update(s.moderator, quote, excerpt="", attribution="name", language="fi")


def test_every_action_is_audited(setup, session):
    s = setup
    quote = pick(s)
    pick(s, "note")
    service.update(s.moderator, quote, excerpt="Vastuu on kaikilla.", attribution="role", language="fi")
    service.move(s.moderator, quote, "down")
    quote_id = quote.id
    service.remove(s.moderator, quote)
    assert session.get(Quote, quote_id) is None
    assert session.get(type(s.comment), s.comment.id) is not None  # what the person wrote stays
    log = session.scalars(
        select(AuditLog)
        .where(AuditLog.object_type == "quote", AuditLog.object_id == quote_id)
        .order_by(AuditLog.id)
    ).all()
    assert [e.action for e in log] == ["quote.pick", "quote.update", "quote.move", "quote.remove"]
    assert all(e.actor_id == s.moderator.id and e.workspace_id == s.workspace.id for e in log)
    assert log[-1].details["excerpt"] == "Vastuu on kaikilla."
