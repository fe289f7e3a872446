"""ModelScorer: probabilities, exact drivers that add up to the logit, and explanations."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from matcher.domain import Household
from matcher.geo import load_directory
from matcher.household import assess
from matcher.settings import Settings
from models.features import FEATURE_LABELS
from models.features import FEATURES as ALL
from models.pair_scorer import (
    MATCH_FEATURES,
    SUSTAIN_FEATURES,
    AdditiveTerms,
    ModelScorer,
    household_effects,
    measure_pairs,
    pair_features,
    reasons,
    select,
)
from tests.factories import make_claimant, make_vacancy
from training.dataset import FeatureContext
from training.synthetic import generate_region
from training.train import train_from_records

SETTINGS = Settings()


@pytest.fixture(scope="module")
def setup() -> Any:
    r = generate_region(51, 200, 200, placements=1500)
    geo = load_directory()
    ctx = FeatureContext(geo, None, SETTINGS.commute, SETTINGS.household)
    res = train_from_records(
        r.outcomes, r.proposals, r.history_claimants, r.history_vacancies, ctx, compare=False
    )
    scorer = ModelScorer(res.match, res.sustain, household=SETTINGS.household, model_version="test-v1")
    c = r.claimants[0]
    vs = [v for v in r.vacancies if not v.filled][:60]
    pairs = measure_pairs([c] * len(vs), vs, geo=geo, grounder=None, commute=SETTINGS.commute)
    return scorer, pairs, scorer.score(pairs)


def test_probabilities_match_the_models(setup: Any) -> None:
    scorer, pairs, out = setup
    X = pair_features(pairs, SETTINGS.household)
    p_match, p_sustain = scorer.predict(X)
    assert np.allclose(out.p_sustain, p_sustain, rtol=0, atol=1e-10)
    assert np.allclose(out.p_match, p_match, rtol=0, atol=1e-10)
    assert ((out.p_match > 0) & (out.p_match < 1)).all() and ((out.p_sustain > 0) & (out.p_sustain < 1)).all()
    assert out.model_version == "test-v1" and len(out.details) == len(pairs.vacancies)


def test_contributions_add_up_to_the_logit(setup: Any) -> None:
    _, _, out = setup
    for d, p in zip(out.details, out.p_sustain, strict=True):
        assert set(d["contributions"]) == set(SUSTAIN_FEATURES)
        logit = d["base_logit"] + sum(d["contributions"].values())
        assert logit == pytest.approx(d["sustain_logit"], abs=1e-9)
        assert 1 / (1 + np.exp(-logit)) == pytest.approx(p, abs=1e-12)


def test_drivers_are_the_largest_labelled_contributions(setup: Any) -> None:
    _, _, out = setup
    for d in out.details:
        contrib = d["contributions"]
        pos, neg = d["drivers"]["positive"], d["drivers"]["negative"]
        assert len(pos) <= 3 and len(neg) <= 3 and pos and neg
        assert [x["feature"] for x in pos] == sorted(
            (f for f, v in contrib.items() if v > 0), key=lambda f: -contrib[f]
        )[: len(pos)]
        assert [x["feature"] for x in neg] == sorted(
            (f for f, v in contrib.items() if v < 0), key=lambda f: contrib[f]
        )[: len(neg)]
        for x in pos + neg:
            assert x["label"] == FEATURE_LABELS[x["feature"]]


def test_explanations_are_present(setup: Any) -> None:
    _, pairs, out = setup
    for i, d in enumerate(out.details):
        c, v = pairs.claimants[i], pairs.vacancies[i]
        assert d["model_version"] == "test-v1"
        assert d["filters"]
        assert d["reasons"][0].startswith("Fahrzeit ") and d["reasons"][0].endswith(
            "(Auto)" if c.has_car else "(ÖPNV)"
        )
        assert d["household"]["text_de"] == assess(c.household, v.monthly_wage, SETTINGS.household).text_de
        if v.employer.temp_agency:
            assert "Zeitarbeit senkt die Chance auf Dauer" in d["reasons"]
        if d["household"]["ends_need"]:
            assert "Lohn beendet die Hilfebedürftigkeit" in d["reasons"]


@pytest.mark.parametrize(
    "household",
    [
        Household(),
        Household(adults=2, children_0_5=1, children_6_13=2, rent=820.0),
        Household(1, 1, 0, 0, 600.0),
    ],
)
def test_household_effects_equal_assess(household: Household) -> None:
    wages = np.array([0.0, 450.0, 603.0, 1200.0, 2100.0, 3400.0, 5200.0])
    for w, eff in zip(wages, household_effects(household, wages, SETTINGS.household), strict=True):
        ref = assess(household, float(w), SETTINGS.household)
        assert eff["text_de"] == ref.text_de and eff["ends_need"] == ref.ends_need
        assert eff["remaining_need"] == ref.remaining_need and eff["need"] == ref.need


def test_flags_used_as_they_are(setup: Any) -> None:
    scorer, pairs, _ = setup
    X = select(pair_features(pairs, SETTINGS.household), SUSTAIN_FEATURES)
    assert X.shape[1] == len(SUSTAIN_FEATURES) == len(scorer.sustain.block_columns_)


def test_fast_terms_equal_the_models_contributions(setup: Any) -> None:
    """Inside the knots and far beyond them (linear extrapolation), for both models."""
    scorer, pairs, _ = setup
    X = pair_features(pairs, SETTINGS.household)
    wild = X * np.random.default_rng(3).uniform(-3, 4, size=X.shape)  # many values outside the knots
    for model, feats in ((scorer.sustain, SUSTAIN_FEATURES), (scorer.match, MATCH_FEATURES)):
        fast = AdditiveTerms(model)
        for M in (X, wild):
            Xs = select(M, feats)
            assert np.allclose(fast.terms(Xs), model.contributions(Xs), rtol=0, atol=1e-9)
            logit = fast.base + fast.terms(Xs).sum(axis=1)
            assert np.allclose(logit, model.decision_function(Xs), rtol=0, atol=1e-9)


def test_reasons_say_one_year_in_the_singular() -> None:
    row = np.zeros(len(ALL))
    c, v = make_claimant(), make_vacancy()
    for years, text in ((1.2, "1 Jahr Erfahrung im Beruf"), (3.0, "3 Jahre Erfahrung im Beruf")):
        row[ALL.index("experience_years")] = years
        assert reasons(c, v, row, 5, 20.0, 60.0)[-1] == text
