"""ModelScorer is row-independent (issue 23): a pair's P(match) and P(sustainable) have the same bits
whatever the other pairs of the batch, their order, or how a run splits them into batches."""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from matcher.geo import load_directory
from matcher.pairs import measure_pairs
from matcher.settings import Settings
from models.pair_scorer import ModelScorer
from training.dataset import FeatureContext
from training.synthetic import generate_region
from training.train import train_from_records

SETTINGS = Settings()


@pytest.fixture(scope="module")
def scored() -> Any:
    r = generate_region(52, 120, 200, placements=1500)
    geo = load_directory()
    ctx = FeatureContext(geo, None, SETTINGS.commute, SETTINGS.household)
    res = train_from_records(
        r.outcomes, r.proposals, r.history_claimants, r.history_vacancies, ctx, compare=False
    )
    scorer = ModelScorer(res.match, res.sustain, household=SETTINGS.household, model_version="rows")
    vs = [v for v in r.vacancies if not v.filled][:40]
    cs = r.claimants[:4]
    pairs = measure_pairs(
        [c for c in cs for _ in vs], vs * len(cs), geo=geo, grounder=None, commute=SETTINGS.commute
    )
    # Every 7th pair far beyond the spline knots: those rows take the model's own (matrix) path.
    far = pairs.commute_minutes.copy()
    far[::7] *= 25.0
    pairs = replace(pairs, commute_minutes=far, similarity=np.linspace(-0.2, 0.95, len(far)))
    with np.errstate(over="ignore"):  # exp of the far rows' logits
        whole = scorer.score(pairs, explain=False)
    return scorer, pairs, np.stack([whole.p_match, whole.p_sustain])


# A row's probabilities must not change with the batch it is scored in (a lookup's ~200 candidates,
# a nightly chunk, one pair alone). Found failing (issue 23): rows beyond the spline knots went
# through a BLAS matrix-vector product over just those rows, and ``terms.sum(axis=1)`` let numpy pick
# the summation order by shape; ``models.scorer.row_sums`` adds one column at a time instead.
def test_scores_do_not_depend_on_the_batch(scored: Any) -> None:
    scorer, pairs, whole = scored
    n = len(pairs.claimants)
    rng = np.random.default_rng(23)
    for bounds in ([0, n], [0, 1, 2, 9, 40, 41, n], list(range(0, n + 1))):
        perm = rng.permutation(n)
        parts = []
        for a, b in itertools.pairwise(bounds):
            s = scorer.score(pairs.take(perm[a:b].tolist()), explain=False)
            parts.append(np.stack([s.p_match, s.p_sustain]))
        got = np.concatenate(parts, axis=1)
        assert got.tobytes() == whole[:, perm].tobytes(), f"blocks {bounds[:8]}"


def test_explaining_does_not_change_the_probabilities(scored: Any) -> None:
    scorer, pairs, whole = scored
    explained = scorer.score(pairs, explain=True)
    assert np.stack([explained.p_match, explained.p_sustain]).tobytes() == whole.tobytes()
