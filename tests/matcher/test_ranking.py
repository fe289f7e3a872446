from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.ranking import rank


def test_orders_by_expected_lasting_placements_with_ties_by_id() -> None:
    ids = np.array(["V3", "V1", "V2", "V4"])
    p_match = np.array([0.5, 0.5, 0.9, 0.25])
    p_sustain = np.array([0.8, 0.8, 0.2, 1.0])
    out = rank(p_match, p_sustain, ids, k=4)
    # 0.4, 0.4, 0.18, 0.25: V1 before V3 on the tie.
    assert [r.id for r in out] == ["V1", "V3", "V4", "V2"]
    assert [round(r.score, 3) for r in out] == [0.4, 0.4, 0.25, 0.18]
    assert [r.position for r in out] == [1, 0, 3, 2]


def test_employer_cap_keeps_one_employer_from_filling_the_list() -> None:
    ids = np.array([f"V{i}" for i in range(6)])
    fit = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
    employer = np.array(["zeitarbeit", "zeitarbeit", "zeitarbeit", "a", "zeitarbeit", "b"])
    out = rank(fit, np.ones(6), ids, k=4, group=employer, max_per_group=2)
    assert [r.id for r in out] == ["V0", "V1", "V3", "V5"]


@settings(max_examples=200, deadline=None)
@given(
    n=st.integers(0, 40),
    k=st.integers(1, 15),
    seed=st.integers(0, 1000),
    cap=st.one_of(st.none(), st.integers(1, 3)),
)
def test_rank_properties(n: int, k: int, seed: int, cap: int | None) -> None:
    rng = np.random.default_rng(seed)
    ids = np.array([f"V{i:03d}" for i in rng.permutation(n)], dtype=str) if n else np.array([], dtype=str)
    fit = rng.choice([0.1, 0.5, 0.9], n)  # many ties on purpose
    sus = rng.choice([0.5, 1.0], n)
    group = np.array([f"E{i % 4}" for i in range(n)], dtype=str)
    out = rank(fit, sus, ids, k=k, group=group, max_per_group=cap)
    assert len(out) <= k
    assert len({r.id for r in out}) == len(out)
    assert all(a.score > b.score or (a.score == b.score and a.id < b.id) for a, b in itertools.pairwise(out))
    # Independent of input order.
    perm = rng.permutation(n)
    again = rank(fit[perm], sus[perm], ids[perm], k=k, group=group[perm], max_per_group=cap)
    assert [r.id for r in again] == [r.id for r in out]
    if cap is None:
        assert len(out) == min(k, n)
