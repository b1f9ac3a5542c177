"""Word cloud term frequencies: stop words in three languages, ranking, stable ties, size classes."""

from ideaspace.notes.wordcloud import LIMIT, SIZES, cloud, frequencies, stop_words, tokens


def test_stop_word_lists_are_substantial_in_every_language():
    from pathlib import Path

    import ideaspace.notes.wordcloud as module

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
    assert frequencies(["rohkeus rohkeus rohkeus", "rohkeus"])["rohkeus"] == 2


def test_ranking_most_mentioned_first_and_ties_alphabetical():
    notes = [
        "uteliaisuus ilmapiiri",
        "uteliaisuus kokeilu",
        "uteliaisuus ilmapiiri",
        "avoimuus",
        "öppenhet",
        "ärlighet",
    ]
    terms = cloud(notes)
    assert [(t.word, t.count) for t in terms] == [
        ("uteliaisuus", 3),
        ("ilmapiiri", 2),
        ("avoimuus", 1),
        ("kokeilu", 1),
        ("ärlighet", 1),
        ("öppenhet", 1),
    ]
    # The same notes in another order give the same cloud.
    assert cloud(list(reversed(notes))) == terms


def test_size_classes_from_one_to_five():
    notes = ["alfa"] * 9 + ["beeta"] * 5 + ["gamma"]
    sizes = {t.word: t.size for t in cloud(notes)}
    assert sizes == {"alfa": SIZES, "beeta": 3, "gamma": 1}
    assert {t.size for t in cloud(["sama", "toinen"])} == {3}  # all equal: the middle size


def test_top_n_only_and_empty():
    notes = [f"sana{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(60)]
    assert len(cloud(notes)) == LIMIT
    assert cloud([]) == [] and cloud(["ja ja että"]) == []
