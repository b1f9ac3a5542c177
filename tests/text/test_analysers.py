"""The analysers called directly: Voikko's base forms and compound parts, Snowball, stop words,
the language of a text, and the query's groups; one Voikko handle per thread."""

import threading

import pytest

from ideaspace.text import analyse, analysers, language, query_groups, word_terms

from .marks import needs_voikko


@pytest.mark.parametrize(
    ("wordbases", "parts"),
    [
        ("+perehdyt(perehdyttää)+ys(+ys)+alusta(alusta)", ("perehdytys", "alusta")),
        ("+työ(työ)+yhteisö(yhteisö)", ("työ", "yhteisö")),
        ("+työ(työ)+yhteis+yö(yö)", ("työ", "yhteis", "yö")),
        ("+tauko(tauko)+liiku(liikkua)+n+ta(+ta)", ("tauko", "liikunta")),  # a bare "n" starts a suffix
        ("+perehdyt(perehdyttää)+ys(+ys)", ()),  # a derivation, not a compound
        ("+kaupunki(kaupunki)", ()),
        ("", ()),
        (None, ()),
    ],
)
def test_compound_parts_are_rebuilt_from_wordbases(wordbases, parts):
    assert analysers.compound_parts(wordbases) == parts


@needs_voikko
def test_perehdytysalustan_has_its_base_form_and_its_parts():
    forms = analysers.word_forms("perehdytysalustan", "fi")
    assert forms.bases == ("perehdytysalusta",)
    assert forms.parts == ("perehdytys", "alusta")
    assert analysers.word_forms("perehdytykseen", "fi").bases == ("perehdytys",)


@needs_voikko
def test_of_several_analyses_the_least_split_ones_are_kept():
    # Voikko: työ + yhteis + yö ("työyhteisyö") or työ + yhteisö; the second is what people mean.
    forms = analysers.word_forms("työyhteisöille", "fi")
    assert forms.bases == ("työyhteisö",) and forms.parts == ("työ", "yhteisö")
    # Two real readings of one form are both kept: tulen is of tulla (to come) and of tuli (fire).
    assert set(analysers.word_forms("tulen", "fi").bases) == {"tulla", "tuli"}


@needs_voikko
def test_a_word_that_is_its_own_base_form_comes_first():
    assert analysers.word_forms("perehdytysalusta", "fi").bases[0] == "perehdytysalusta"


def test_swedish_and_english_are_stemmed():
    assert word_terms("arbetslagen", "sv") == word_terms("arbetslag", "sv") == ("arbetslag",)
    assert word_terms("walking", "en") == word_terms("walk", "en")


def test_stop_words_leave_no_terms():
    assert word_terms("että", "fi") == () and word_terms("och", "sv") == () and word_terms("the", "en") == ()
    assert query_groups("och the että") == []


def test_the_status_names_each_languages_analyser():
    status = analysers.status()
    assert set(status) == {"fi", "sv", "en"}
    assert ("Voikko" in status["fi"]) is analysers.voikko_available()


@pytest.mark.parametrize(
    ("text", "fallback", "expected"),
    [
        ("Perehdytys kestää liian kauan uusille työntekijöille", "sv", "fi"),
        ("Arbetslagen behöver mer tid för planering", "fi", "sv"),
        ("We need a better onboarding platform for the staff", "fi", "en"),
        ("Flopp", "sv", "sv"),  # no sign either way: the workspace's language
        ("", "en", "en"),
    ],
)
def test_the_language_of_a_text(text, fallback, expected):
    assert language.detect(text, fallback) == expected


@needs_voikko
def test_a_text_becomes_its_language_and_terms():
    analysis = analyse("Perehdytysalustan pitäisi palvella työyhteisöjä", "sv")
    assert analysis.lang == "fi"
    assert {"perehdytysalusta", "perehdytys", "alusta", "työyhteisö", "työ", "yhteisö"} <= set(analysis.terms)


def test_query_groups_cover_every_language_and_are_bounded():
    groups = query_groups("arbetslag")
    assert len(groups) == 1 and "arbetslag" in groups[0]
    assert len(query_groups(" ".join(f"sana{chr(97 + i)}" for i in range(20)))) == 12


def test_query_terms_hold_only_letters_and_digits():
    for group in query_groups('perehdytys" OR "x* NEAR(a b) col:umn <script>alert(1)</script> ä-ö'):
        assert all(term.isalnum() for term in group)


@needs_voikko
def test_voikko_handles_are_one_per_thread_and_agree():
    words = [f"{w}" for w in ("perehdytysalustan", "työyhteisöille", "kaupungin", "esihenkilöille") * 50]
    expected = [analysers._voikko_forms(w) for w in words]
    handles, results, errors = [], [None] * len(words), []
    barrier = threading.Barrier(8)

    def work(offset):
        try:
            barrier.wait()
            handles.append(analysers._voikko())  # kept: an id is not reused while it lives
            for i in range(offset, len(words), 8):
                results[i] = analysers._voikko_forms(words[i])
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and results == expected
    assert len({id(handle) for handle in handles}) == 8  # every thread opened its own handle


def test_without_voikko_finnish_falls_back_to_snowball(monkeypatch):
    monkeypatch.setattr(analysers, "_voikko_checked", True)
    monkeypatch.setattr(analysers, "_voikko_error", "ImportError: no libvoikko here")
    analysers.word_forms.cache_clear()
    try:
        assert analysers.finnish_analyser() == "snowball"
        assert "Snowball Finnish (fallback" in analysers.status()["fi"]
        forms = analysers.word_forms("perehdytykseen", "fi")
        assert not forms.known and forms.parts == ()
        # Weaker, but it works: inflected forms still share a stem, and a text still has terms.
        assert word_terms("kokeilun", "fi") == word_terms("kokeilu", "fi")
        assert analyse("Perehdytys kestää liian kauan", "fi").terms
    finally:
        analysers.word_forms.cache_clear()  # forget the fallback's answers before Voikko is back


@pytest.mark.parametrize(
    ("forms", "stem"),
    [
        (("arbetsmiljö", "arbetsmiljön"), "arbetsmiljö"),
        (("sjukfrånvaro", "sjukfrånvaron"), "sjukfrånvaro"),
        (("trivsel", "trivseln"), "trivsel"),
        (("möte", "möten", "mötena"), "möt"),
        (("lön", "lönen", "lönerna"), "lön"),  # too short to lose its n
    ],
)
def test_swedish_definite_forms_meet_their_base_form(forms, stem):
    assert {word_terms(form, "sv") for form in forms} == {(stem,)}


@needs_voikko
def test_a_compound_query_matches_by_its_parts_together():
    from ideaspace.text import query_words

    (word,) = query_words("työhyvinvointi")
    assert word.terms == ("työhyvinvointi",) and ("työ", "hyvinvointi") in word.compounds
    assert query_groups("työhyvinvointi") == [word.terms]
    assert query_words("arbetslag")[0].compounds == ()
