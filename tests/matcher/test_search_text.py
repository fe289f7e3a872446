"""Search words meet stored text with case, umlauts and accents folded."""

from __future__ import annotations

import pytest

from matcher.search_text import SearchFields, fold, forms, matches

PERSON = SearchFields(
    id="K-000123",
    postcode="37083",
    municipality="Göttingen",
    case_manager="fm-007",
    desired_occupations=("Verkäufer/in", "Kassierer/in"),
)


def test_fold_spells_umlauts_out_and_drops_accents() -> None:
    assert fold("Verkäufer") == "verkaeufer"
    assert fold("STRASSE") == fold("Straße") == "strasse"
    assert fold("José Müller") == "jose mueller"
    assert fold("Verka\u0308ufer") == "verkaeufer"  # a decomposed ä (NFD), as some keyboards send it
    assert forms("Göttingen") == ("goettingen", "gottingen")
    assert forms("Lager") == ("lager",)


@pytest.mark.parametrize(
    "typed",
    ["verkaeufer", "verkaufer", "Verkäufer", "VERKÄUFER", "verkäu", "kassierer", "Göttingen", "goettingen", "gottingen",
     "tting", "37083", "370", "k-000123", "K-0001", "fm-007", "FM-00", ""],
)  # fmt: skip
def test_what_finds_the_person(typed: str) -> None:
    assert matches(fold(typed), PERSON)


@pytest.mark.parametrize("typed", ["verkoeufer", "0123", "083", "m-007", "Hannover", "Lagerhelfer", "K-0002"])
def test_what_does_not(typed: str) -> None:
    # Ids, postcodes and case managers match from the start only; an umlaut folds to its own vowel.
    assert not matches(fold(typed), PERSON)
