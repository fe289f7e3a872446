"""Probabilities with one answer on every CPU (issue 23): ``matcher.probability``."""

from __future__ import annotations

import numpy as np

from matcher.probability import exp_nonpositive, logistic, significant
from matcher.ranking import rank

LOGITS = [-30.0, -5.25, -1.0, -0.1, 0.0, 1e-9, 0.3333333333333333, 2.718281828459045, 7.5, 19.0, 40.0]
# The bits this machine computed (Intel Xeon, AVX-512). Built from +, −, ×, ÷, rint and ldexp only,
# they must come out the same on an AVX2 or a scalar CPU: this test is the canary if they do not.
BITS = [
    "0x1.a56e0c2ac7cc0p-44", "0x1.561b2d22850bfp-8", "0x1.136561454ba86p-2", "0x1.e66bdb1aca090p-2",
    "0x1.0000000000000p-1", "0x1.0000000225c18p-1", "0x1.2a46a460c25c3p-1", "0x1.e04e3a60de19cp-1",
    "0x1.ffb78bd3aa3b9p-1", "0x1.ffffffcfdf520p-1", "0x1.0000000000000p+0",
]  # fmt: skip


def test_logistic_has_the_same_bits_everywhere() -> None:
    assert [float(p).hex() for p in logistic(LOGITS)] == BITS


def test_a_row_does_not_depend_on_its_batch() -> None:
    z = np.random.default_rng(5).normal(0.0, 6.0, 2001)
    whole = logistic(z)
    perm = np.random.default_rng(6).permutation(len(z))
    parts = np.concatenate([logistic(z[perm][a : a + 37]) for a in range(0, len(z), 37)])
    assert np.array_equal(whole[perm].view(np.int64), parts.view(np.int64))
    assert np.array_equal(logistic(z[:1]), whole[:1])


def test_exp_is_within_one_ulp_of_numpy() -> None:
    x = -np.abs(np.random.default_rng(7).normal(0.0, 30.0, 100_000))
    ref = np.exp(x)
    assert (np.abs(exp_nonpositive(x) - ref) <= np.spacing(ref)).all()


def test_logistic_edges() -> None:
    p = logistic([np.nan, np.inf, -np.inf, 800.0, -800.0])
    assert np.isnan(p[0]) and p[1] == p[3] == 1.0 and 0.0 < p[2] == p[4] < 1e-300  # exp clipped at -700
    z = np.linspace(-12, 12, 1001)
    assert np.allclose(logistic(z), 1.0 / (1.0 + np.exp(-z)), rtol=1e-9, atol=1e-12)


def test_significant_rounds_relative_and_exactly() -> None:
    assert significant([1.0 + 2.0**-40, 1.0 + 2.0**-31, -0.0]).tolist() == [1.0, 1.0 + 2.0**-31, 0.0]
    assert significant([3e-13])[0] > significant([2e-13])[0] > 0  # small scores keep their order


def test_a_last_bit_difference_cannot_swap_a_near_tie() -> None:
    # V2's score is V1's plus one ulp, as another CPU's arithmetic might give it: a tie, V1 first.
    p = np.array([0.5, np.nextafter(0.5, 1.0)])
    out = rank(p, np.ones(2), np.array(["V1", "V2"]), k=2)
    assert [r.id for r in out] == ["V1", "V2"]
    out = rank(p[::-1], np.ones(2), np.array(["V2", "V1"]), k=2)
    assert [r.id for r in out] == ["V1", "V2"]
