"""Word cloud: base forms per language, stop words in three languages, ranking, stable ties, sizes."""

from ideaspace.notes.wordcloud import LIMIT, SIZES, cloud, clouds, frequencies, stop_words, tokens

from ..text.marks import needs_voikko


def test_stop_word_lists_are_substantial_in_every_language():
    from pathlib import Path

    import ideaspace.text as module

    folder = Path(module.__file__).with_name("stopwords")
    for lang in ("fi", "sv", "en"):
        words = [w for w in (folder / f"{lang}.txt").read_text().splitlines() if w and not w.startswith("#")]
        assert len(words) >= 100, lang
    assert {"että", "och", "the"} <= stop_words()


def test_lowercase_letters_only_and_nordic_letters_kept():
    assert tokens("Työhyvinvointi, ÅTGÄRDER & öppenhet! 2024 e-mail") == [
        "työhyvinvointi",
        "åtgärder",
        "öppenhet",
        "mail",
    ]


def test_stop_words_of_all_three_languages_and_short_tokens_are_dropped():
    assert tokens("Me olemme aina että ja uteliaita") == ["uteliaita"]
    assert tokens("Vi är och att för nyfikna") == ["nyfikna"]
    assert tokens("We are the ones with curiosity") == ["ones", "curiosity"]
    assert tokens("ok hy ää") == []


def test_a_note_counts_once_per_term():
    assert frequencies(["rohkeus rohkeus rohkeus", "rohkeus"])["fi"]["rohkeus"] == 2


def test_ranking_most_mentioned_first_and_ties_alphabetical():
    notes = ["uteliaisuus ilmapiiri", "uteliaisuus kokeilu", "uteliaisuus ilmapiiri", "avoimuus"]
    terms = cloud(notes)
    assert [(t.word, t.count) for t in terms] == [
        ("uteliaisuus", 3),
        ("ilmapiiri", 2),
        ("avoimuus", 1),
        ("kokeilu", 1),
    ]
    # The same notes in another order give the same cloud.
    assert cloud(list(reversed(notes))) == terms


def test_nordic_letters_sort_after_z():
    assert [t.word for t in cloud(["öppenhet ärlighet", "zoo åtgärd"], fallback="sv")][-3:] == [
        "åtgärd",
        "ärlighet",
        "öppenhet",
    ]


@needs_voikko
def test_finnish_inflections_count_as_one_base_form():
    notes = [
        "Lisää ideoita!",
        "Ideat esille",
        "Hyvä idea",
        "Perehdytysalustan uudistus",
        "Perehdytysalusta kuntoon",
    ]
    counts = frequencies(notes)["fi"]
    assert counts["idea"] == 3 and counts["perehdytysalusta"] == 2
    assert "ideoita" not in counts and "ideat" not in counts


@needs_voikko
def test_compounds_optionally_count_by_their_head():
    notes = ["Yövuorojen lepoaika", "Vuorolistat myöhässä", "Vuoro vaihtoon", "Työturvallisuutta lisää"]
    plain = frequencies(notes)["fi"]
    assert plain["yövuoro"] == 1 and plain["vuorolista"] == 1 and plain["vuoro"] == 1
    by_head = frequencies(notes, heads=True)["fi"]
    assert by_head["lista"] == 1 and by_head["vuoro"] == 2  # yövuoro → vuoro; vuorolista → lista
    assert by_head["turvallisuus"] == 1 and "työturvallisuus" not in by_head
    assert clouds(notes, heads=True)[0].terms[0].word == "vuoro"


def test_each_language_gets_its_own_cloud_most_used_first():
    notes = [
        "Arbetslagen behöver mer tid för planering",
        "Arbetslaget saknar planering",
        "Planeringen i arbetslaget",
        "Joustavat työajat helpottavat arkea",
        "We need better onboarding",
    ]
    result = clouds(notes, fallback="fi")
    assert [c.lang for c in result] == ["sv", "fi", "en"]
    sv = {t.word: t.count for t in result[0].terms}
    # One stem, shown as its most frequent word: arbetslaget (2) over arbetslagen (1).
    assert sv["arbetslaget"] == 3 and "arbetslagen" not in sv
    assert sv["planering"] == 3
    assert result[0].notes == 3 and result[2].notes == 1
    assert "onboarding" in {t.word for t in result[2].terms}
    assert not {"onboarding", "better"} & {t.word for t in result[0].terms + result[1].terms}


def test_a_short_text_without_signs_takes_the_workspace_language():
    assert [c.lang for c in clouds(["Flopp"], fallback="sv")] == ["sv"]
    assert [c.lang for c in clouds(["Flopp"], fallback="fi")] == ["fi"]


def test_size_classes_from_one_to_five():
    notes = ["alfa"] * 9 + ["beeta"] * 5 + ["gamma"]
    sizes = {t.word: t.size for t in cloud(notes)}
    assert sizes == {"alfa": SIZES, "beeta": 3, "gamma": 1}
    assert {t.size for t in cloud(["sama", "toinen"])} == {3}  # all equal: the middle size


def test_top_n_only_and_empty():
    notes = [f"sana{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(60)]
    assert len(cloud(notes)) == LIMIT
    assert cloud([]) == [] and cloud(["ja ja että"]) == [] and clouds(["ja ja että"]) == []
