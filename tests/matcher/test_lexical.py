"""BM25 over words and character n-grams: terms, exact scores on a tiny corpus, folding."""

from __future__ import annotations

import math

import numpy as np
import pytest

from matcher.lexical import BM25Params, LexicalIndex, terms


def test_terms_are_folded_words_and_padded_ngrams() -> None:
    assert terms("Bäcker (m/w/d)", ngrams=(3,)) == [
        "w:baecker",
        " ba",
        "bae",
        "aec",
        "eck",
        "cke",
        "ker",
        "er ",
    ]


def test_other_scripts_keep_their_letters_and_lose_only_their_marks() -> None:
    # й folds to и as é to e (the same folding on both sides: a query typed without it still finds)
    assert terms("Водій", ngrams=(4,)) == ["w:водіи", " вод", "воді", "одіи", "діи "]
    assert terms("водіи") == terms("водій")


def test_score_is_okapi_bm25_by_hand() -> None:
    # one-word documents and 3-grams only would need a custom index; check one term by hand instead
    idx = LexicalIndex(["koch", "koch koch", "maurer"], BM25Params(k1=1.2, b=0.0))
    s = idx.scores(["koch"])[0]
    n_terms_koch = len(terms("koch"))
    # every term of "koch" is in documents 0 and 1 (df = 2 of N = 3), none in 2
    idf = math.log(1 + (3 - 2 + 0.5) / (2 + 0.5))
    w0 = 1 * 2.2 / (1 + 1.2)  # tf 1, b = 0: length does not matter
    w1 = 2 * 2.2 / (2 + 1.2)
    assert s[0] == pytest.approx(n_terms_koch * idf * w0, rel=1e-6)
    assert s[1] == pytest.approx(n_terms_koch * idf * w1, rel=1e-6)
    assert s[2] == 0.0


def test_a_compound_part_finds_its_compound() -> None:
    idx = LexicalIndex(["Gabelstaplerfahrer", "Busfahrer", "Lagerlogistiker"])
    s = idx.scores(["Staplerfahrer", "Fachkraft Lagerlogistik"])
    assert list(np.argmax(s, axis=1)) == [0, 2]


def test_umlaut_spelled_out_finds_the_umlaut() -> None:
    idx = LexicalIndex(["Verkäufer/Verkäuferin", "Kassierer/Kassiererin"])
    assert int(np.argmax(idx.scores(["verkaeufer"])[0])) == 0


def test_unknown_terms_score_nothing() -> None:
    idx = LexicalIndex(["Koch", "Maurer"])
    assert idx.scores(["xyz"]).tolist() == [[0.0, 0.0]]
