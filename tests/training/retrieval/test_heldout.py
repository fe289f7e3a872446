"""Held-out ESCO sets: queries only from the split's concepts, drawn out of the corpus, word-for-word
matches and labels of other splits left out, relevance = the concept's German labels."""

from __future__ import annotations

from pathlib import Path

import pytest

from training.retrieval.concepts import split_of
from training.retrieval.heldout import Occupation, build_heldout, load_heldout, write_heldout
from training.retrieval.readers import load_retrieval_set

# occ6 and occ10 fall into the test split, occ0 and occ1 into train (fixed by the hash)
assert [split_of(x) for x in ("occ6", "occ10", "occ0", "occ1")] == ["test", "test", "train", "train"]

GERMAN = [
    Occupation("occ6", "Koch/Köchin", ("Koch", "Beikoch", "Beiköchin", "Küchenchef", "Speisenzubereiter")),
    Occupation("occ10", "Maurer/Maurerin", ("Hochbaumaurer",)),
    Occupation("occ0", "Bäcker/Bäckerin", ("Brotbäcker", "Konditor")),
    Occupation("occ1", "Konditor/Konditorin", ("Konditor", "Zuckerbäcker")),
]
ENGLISH = [
    Occupation("occ6", "cook", ("chef", "Koch")),  # "Koch" is word for word a German label
    Occupation("occ10", "bricklayer", ("mason",)),
    Occupation("occ0", "baker", ("chef",)),  # "chef" is also carried outside the split
]


def test_german_queries_come_from_the_split_and_leave_the_corpus() -> None:
    s = build_heldout(GERMAN, {"en": ENGLISH}, split="test", seed=0)
    texts = set(s.queries["de"].values())
    corpus = set(s.corpus.values())
    assert texts and texts <= {"Beikoch", "Beiköchin", "Küchenchef", "Speisenzubereiter", "Hochbaumaurer"}
    assert not texts & corpus
    assert {"Koch/Köchin", "Maurer/Maurerin", "Bäcker/Bäckerin", "Brotbäcker"} <= corpus
    # gendered twins go together: both or neither
    assert ("Beikoch" in texts) == ("Beiköchin" in texts)
    # "Koch" is a gendered half of the preferred label: never a query
    assert "Koch" not in texts and "Koch" in corpus


def test_relevance_is_every_german_label_of_the_concept() -> None:
    s = build_heldout(GERMAN, {"en": ENGLISH}, split="test", seed=0)
    by_text = {t: d for d, t in s.corpus.items()}
    koch_docs = {d for d, owners in s.owners.items() if "occ6" in owners}
    assert by_text["Koch/Köchin"] in koch_docs and by_text["Koch"] in koch_docs
    for qid, text in s.queries["de"].items():
        occ = "occ6" if text != "Hochbaumaurer" else "occ10"
        assert set(s.qrels["de"][qid]) == {d for d, o in s.owners.items() if occ in o}


def test_other_languages_leave_out_word_for_word_labels_and_other_splits() -> None:
    s = build_heldout(GERMAN, {"en": ENGLISH}, split="test", seed=0)
    assert sorted(s.queries["en"].values()) == ["bricklayer", "cook", "mason"]
    assert s.concepts["en"] == 2


def test_the_same_seed_gives_the_same_sets_and_another_may_differ() -> None:
    a = build_heldout(GERMAN, {"en": ENGLISH}, split="test", seed=1)
    b = build_heldout(GERMAN, {"en": ENGLISH}, split="test", seed=1)
    assert (a.corpus, a.queries, a.qrels) == (b.corpus, b.queries, b.qrels)


SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "data"


@pytest.mark.skipif(not (SHARED / "esco_de").is_dir(), reason="shared ESCO files not present")
def test_the_shared_files_give_disjoint_splits_and_readable_files(tmp_path: Path) -> None:
    test = load_heldout(SHARED, ["de", "en", "pl"], split="test")
    dev = load_heldout(SHARED, ["de", "en", "pl"], split="dev")
    assert test.corpus.keys() and test.queries["pl"]
    assert not set(test.queries["de"].values()) & set(dev.queries["de"].values())
    paths = write_heldout(test, tmp_path)
    data = load_retrieval_set(paths["queries_pl"], paths["corpus"], paths["qrels_pl"])
    assert len(data.queries) == len(test.queries["pl"])
    assert len(data.corpus) == len(test.corpus)
