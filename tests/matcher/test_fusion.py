"""Weighted reciprocal rank fusion: ranks with ties by position, the fused formula."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.fusion import FusionParams, fuse, ranks


def test_ranks_break_ties_by_position() -> None:
    assert ranks([[0.5, 0.9, 0.5, 0.1]]).tolist() == [[2, 1, 3, 4]]


def test_fuse_is_the_weighted_rrf_formula() -> None:
    dense = np.array([[0.9, 0.8, 0.7]])
    lexical = np.array([[0.0, 5.0, 1.0]])
    got = fuse(dense, lexical, FusionParams(dense_weight=0.7, k=10))
    want = [0.7 / 11 + 0.3 / 13, 0.7 / 12 + 0.3 / 11, 0.7 / 13 + 0.3 / 12]
    assert got[0].tolist() == pytest.approx(want)


def test_weight_one_is_the_dense_ranking() -> None:
    rng = np.random.default_rng(3)
    d, lx = rng.random((4, 30)), rng.random((4, 30))
    assert (ranks(fuse(d, lx, FusionParams(1.0, 60))) == ranks(d)).all()


def test_shapes_must_agree() -> None:
    with pytest.raises(ValueError, match="shape"):
        fuse(np.zeros((1, 3)), np.zeros((1, 4)))
