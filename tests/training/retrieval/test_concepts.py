"""The concept split: fixed by the id, the same for a URI and its id, about 70/15/15."""

from __future__ import annotations

from collections import Counter

from training.retrieval.concepts import split_of

URI = "http://data.europa.eu/esco/occupation/00030d09-2b3a-4efd-87cc-c4ea39d27c34"


def test_a_uri_and_its_id_share_a_split() -> None:
    assert split_of(URI) == split_of("00030d09-2b3a-4efd-87cc-c4ea39d27c34")


def test_the_split_is_fixed() -> None:
    # recorded once: a change of the rule would silently move concepts between train and test
    assert [split_of(f"c{i}") for i in range(8)] == [
        "train",
        "train",
        "train",
        "train",
        "train",
        "train",
        "dev",
        "train",
    ]


def test_shares_are_about_70_15_15() -> None:
    c = Counter(split_of(f"concept-{i}") for i in range(20_000))
    assert abs(c["test"] / 20_000 - 0.15) < 0.01
    assert abs(c["dev"] / 20_000 - 0.15) < 0.01
