"""Fixtures the nightly tests share."""

from __future__ import annotations

import pytest

from matcher.geo import load_directory
from matcher.settings import Settings
from models.pair_scorer import ModelScorer
from training.dataset import FeatureContext
from training.synthetic import generate_region
from training.train import train_from_records


@pytest.fixture(scope="session")
def trained() -> ModelScorer:
    """A scorer trained on a small seeded history (~25 s): household features, spline terms, drivers."""
    s = Settings()
    r = generate_region(52, 120, 200, placements=1500)
    ctx = FeatureContext(load_directory(), None, s.commute, s.household)
    res = train_from_records(
        r.outcomes, r.proposals, r.history_claimants, r.history_vacancies, ctx, compare=False
    )
    return ModelScorer(res.match, res.sustain, household=s.household, model_version="fused")
