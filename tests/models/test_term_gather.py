"""models.term_gather: a lookup's terms from tables, bit for bit the terms evaluated column by column."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from matcher.geo import load_directory
from matcher.settings import Settings
from models.features import FeatureTables
from models.pair_scorer import MATCH_FEATURES, SUSTAIN_FEATURES, AdditiveTerms, select
from training.dataset import FeatureContext
from training.synthetic import generate_region
from training.train import train_from_records

SETTINGS = Settings()


@pytest.fixture(scope="module")
def fitted() -> Any:
    r = generate_region(61, 120, 160, placements=800)
    ctx = FeatureContext(load_directory(), None, SETTINGS.commute, SETTINGS.household)
    res = train_from_records(
        r.outcomes, r.proposals, r.history_claimants, r.history_vacancies, ctx, compare=False
    )
    vacancies = [v for v in r.vacancies if not v.filled]
    return res, r.claimants, vacancies


def _pairs(tables: FeatureTables, cpos: np.ndarray, vpos: np.ndarray, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = len(cpos)
    return tables.matrix(
        cpos, vpos, similarity=rng.uniform(0.2, 0.9, n), depth=rng.integers(0, 6, n),
        commute_minutes=rng.uniform(0, 140, n), commute_limit=np.full(n, 75.0),
    )  # fmt: skip


@pytest.mark.parametrize("n_claimants", [1, 7])
def test_gathered_terms_are_the_columns_evaluated_one_by_one(fitted: Any, n_claimants: int) -> None:
    """One claimant (a lookup: claimant values from the memo) and several (the nightly run), over
    three lookups of one model and one catalog, so that the tables are reused and widened; commute
    minutes up to 140 put rows beyond a spline's last knot."""
    res, claimants, vacancies = fitted
    tables_of = [
        FeatureTables(claimants[i : i + n_claimants], vacancies, SETTINGS.household) for i in (0, 9, 20)
    ]
    columns = tables_of[0].columns
    for model, feats in ((res.sustain, SUSTAIN_FEATURES), (res.match, MATCH_FEATURES)):
        fast, plain = AdditiveTerms(model), AdditiveTerms(model)
        for seed, tables in enumerate(tables_of):
            tables.columns = columns  # one catalog's columns shared, as in lookups
            rng = np.random.default_rng(seed)
            vpos = rng.permutation(len(vacancies))[:90].astype(np.intp)
            cpos = rng.integers(0, n_claimants, len(vpos)).astype(np.intp)
            X = select(_pairs(tables, cpos, vpos, seed), feats)
            got = fast.terms_at(X, feats, tables, cpos, vpos)
            np.testing.assert_array_equal(got, plain.terms(X))
        assert fast.grids, "whole-number pair features were read from tables"


def test_whole_number_tables_hold_the_terms_of_negative_zero(fitted: Any) -> None:
    """``skill_over`` is ``max(-gap, 0)``: -0.0 where the levels are equal. A table's zero is +0.0; it
    is used only where the term has the same bits at both zeros."""
    res, claimants, vacancies = fitted
    fast = AdditiveTerms(res.sustain)
    tables = FeatureTables(claimants[:1], vacancies, SETTINGS.household)
    vpos = np.arange(40, dtype=np.intp)
    cpos = np.zeros(40, dtype=np.intp)
    X = select(_pairs(tables, cpos, vpos, 3), SUSTAIN_FEATURES)
    j = SUSTAIN_FEATURES.index("skill_over")
    X[:, j] = np.where(np.arange(40) % 2 == 0, -0.0, 0.0)
    X[:3, j] = [1.0, 2.0, 3.0]
    np.testing.assert_array_equal(fast.terms_at(X, SUSTAIN_FEATURES, tables, cpos, vpos), fast.terms(X))
