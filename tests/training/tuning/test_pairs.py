"""Tuning pairs: train concepts only, German positives, sibling negatives, and no crosswalk pair."""

from __future__ import annotations

from pathlib import Path

import pytest

from training.retrieval.concepts import split_of
from training.retrieval.heldout import Occupation, read_esco_labels
from training.tuning.pairs import (
    Pair,
    build_pairs,
    crosswalk_leaks,
    drop_crosswalk,
    read_crosswalk_links,
    read_isco_groups,
)

TRAIN = [f"occ{i}" for i in range(100) if split_of(f"occ{i}") == "train"][:3]
TEST = [f"occ{i}" for i in range(100) if split_of(f"occ{i}") == "test"][:1]
GERMAN = [
    Occupation(TRAIN[0], "Koch/Köchin", ("Beikoch", "Küchenchef")),
    Occupation(TRAIN[1], "Bäcker/Bäckerin", ("Brotbäcker",)),
    Occupation(TRAIN[2], "Maurer/Maurerin", ()),
    Occupation(TEST[0], "Konditor/Konditorin", ("Zuckerbäcker",)),
]
ENGLISH = [Occupation(TRAIN[0], "cook", ()), Occupation(TEST[0], "confectioner", ())]
ISCO = {TRAIN[0]: "5120", TRAIN[1]: "7512", TRAIN[2]: "7112", TEST[0]: "7512"}


def test_pairs_are_of_train_concepts_with_german_positives() -> None:
    pairs = build_pairs(GERMAN, {"en": ENGLISH}, ISCO, per_concept=50)
    assert {p.concept for p in pairs} == {TRAIN[0], TRAIN[1]}  # Maurer has one label: no pair
    german = {label for o in GERMAN for label in o.labels}
    assert all(p.positive in german for p in pairs)
    assert ("cook", "Koch/Köchin") in {(p.query, p.positive) for p in pairs}
    assert not any("Konditor" in p.query or "Zuckerbäcker" in p.positive for p in pairs)
    # no sibling of a train concept in the train split: no negative (the test concept shares 7512)
    assert all(p.negative is None for p in pairs)


def test_the_same_seed_gives_the_same_pairs() -> None:
    a = build_pairs(GERMAN, {"en": ENGLISH}, ISCO, seed=3)
    assert a == build_pairs(GERMAN, {"en": ENGLISH}, ISCO, seed=3)


def test_a_pair_naming_a_crosswalk_title_of_its_concept_is_a_leak() -> None:
    pairs = [
        Pair("Beikoch", "Koch/Köchin", None, TRAIN[0], "de"),
        Pair("cook", "Koch/Köchin", None, TRAIN[0], "en"),
    ]
    links = {("beikoch", TRAIN[0])}
    assert crosswalk_leaks(pairs, links) == [pairs[0]]
    assert drop_crosswalk(pairs, links) == [pairs[1]]
    # the same title mapped to another concept is no leak of this one
    assert crosswalk_leaks(pairs, {("beikoch", TRAIN[1])}) == []


SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "data"
CROSSWALK = SHARED / "crosswalk" / "esco_kldb_occupations_DE_mapping_18.05.22.csv"


@pytest.mark.skipif(not CROSSWALK.is_file(), reason="shared ESCO files not present")
def test_no_crosswalk_pair_in_the_pairs_of_the_shared_taxonomy_and_an_injected_one_is_found() -> None:
    german = read_esco_labels(SHARED, "de")
    others = {lang: read_esco_labels(SHARED, lang) for lang in ("en", "pl")}
    isco = read_isco_groups(SHARED / "esco_de" / "occupations_de.csv")
    links = read_crosswalk_links(CROSSWALK)
    raw = build_pairs(german, others, isco)
    pairs = drop_crosswalk(raw, links)
    assert len(raw) > len(pairs) > 10_000  # some ESCO labels are BA titles: those pairs went
    assert crosswalk_leaks(pairs, links) == []
    title, concept = sorted(links)[0]
    injected = [*pairs, Pair(title, "irgendein Label", None, concept, "de")]
    assert len(crosswalk_leaks(injected, links)) == 1


def test_a_cap_per_language_keeps_every_language_of_an_occupation() -> None:
    english = [Occupation(TRAIN[0], "cook", ("chef", "kitchen cook")), Occupation(TRAIN[1], "baker", ())]
    polish = [Occupation(TRAIN[0], "kucharz", ()), Occupation(TRAIN[1], "piekarz", ())]
    pairs = build_pairs(GERMAN, {"en": english, "pl": polish}, ISCO, per_concept=1, per_language=2)
    for concept in (TRAIN[0], TRAIN[1]):
        langs = [p.lang for p in pairs if p.concept == concept]
        assert set(langs) == {"de", "en", "pl"} and max(langs.count(x) for x in set(langs)) <= 2
    assert pairs == build_pairs(GERMAN, {"en": english, "pl": polish}, ISCO, per_concept=1, per_language=2)
