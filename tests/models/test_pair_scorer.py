"""ModelScorer: probabilities, exact drivers that add up to the logit, and explanations."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest

from matcher.catalog import VacancyCatalog
from matcher.errors import BundleMismatch
from matcher.explain import explain_pairs
from matcher.explain_text import FEATURE_LABELS
from matcher.geo import load_directory
from matcher.household import assess
from matcher.pairs import childcare_clash, measure_pairs
from matcher.settings import Settings
from models.bundle import Bundle
from models.employer_history import EmployerHistory
from models.features import FEATURES
from models.pair_scorer import (
    MATCH_FEATURES,
    SUSTAIN_FEATURES,
    AdditiveTerms,
    ModelScorer,
    binary_columns,
    pair_features,
    select,
)
from models.scorer import SustainabilityScorer, row_sums
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
    # The synthetic region's current employers have no history (its ids differ from the history's):
    # a seeded one for them, so that every path is checked to read the same employer column.
    assert res.employers is not None and len(res.employers.placements) > 50
    current = [v.employer.id for v in r.vacancies]
    employers = EmployerHistory.from_outcomes(
        current * 3, np.random.default_rng(5).integers(0, 2, 3 * len(current))
    )
    scorer = ModelScorer(
        res.match, res.sustain, household=SETTINGS.household, model_version="test-v1", employers=employers
    )
    c = r.claimants[0]
    vs = [v for v in r.vacancies if not v.filled][:60]
    pairs = measure_pairs([c] * len(vs), vs, geo=geo, grounder=None, commute=SETTINGS.commute)
    out = scorer.score(pairs)
    return scorer, pairs, out, explain_pairs(pairs, out, household=SETTINGS.household)


def test_probabilities_match_the_models(setup: Any) -> None:
    scorer, pairs, out, explained = setup
    X = pair_features(pairs, SETTINGS.household, scorer.employers)
    assert np.count_nonzero(X[:, FEATURES.index("employer_lasting")]) > 10
    p_match, p_sustain = scorer.predict(X)
    assert np.allclose(out.p_sustain, p_sustain, rtol=0, atol=1e-10)
    assert np.allclose(out.p_match, p_match, rtol=0, atol=1e-10)
    assert ((out.p_match > 0) & (out.p_match < 1)).all() and ((out.p_sustain > 0) & (out.p_sustain < 1)).all()
    assert out.model_version == "test-v1" and len(explained) == len(pairs.vacancies)


def test_probabilities_do_not_depend_on_explain(setup: Any) -> None:
    scorer, pairs, out, _ = setup
    bare = scorer.score(pairs, explain=False)
    assert bare.terms is None and out.terms is not None
    assert np.array_equal(bare.p_match, out.p_match) and np.array_equal(bare.p_sustain, out.p_sustain)


def test_contributions_add_up_to_the_logit(setup: Any) -> None:
    _, _, out, explained = setup
    for e, p in zip(explained, out.p_sustain, strict=True):
        assert set(dict(e.contributions)) == set(SUSTAIN_FEATURES)
        logit = e.base_logit + sum(dict(e.contributions).values())
        assert logit == pytest.approx(e.sustain_logit, abs=1e-9)
        assert 1 / (1 + np.exp(-logit)) == pytest.approx(p, abs=1e-12)


def test_drivers_are_the_largest_labelled_contributions(setup: Any) -> None:
    _, _, _, explained = setup
    for e in explained:
        contrib = dict(e.contributions)
        pos, neg = e.drivers_up, e.drivers_down
        assert len(pos) <= 3 and len(neg) <= 3 and pos and neg
        assert [x.feature for x in pos] == sorted(
            (f for f, v in contrib.items() if v > 0), key=lambda f: -contrib[f]
        )[: len(pos)]
        assert [x.feature for x in neg] == sorted(
            (f for f, v in contrib.items() if v < 0), key=lambda f: contrib[f]
        )[: len(neg)]
        for x in pos + neg:
            assert x.label == FEATURE_LABELS[x.feature]


def test_explanations_are_present(setup: Any) -> None:
    _, pairs, _, explained = setup
    for i, e in enumerate(explained):
        c, v = pairs.claimants[i], pairs.vacancies[i]
        assert e.model_version == "test-v1"
        assert e.filters_passed
        assert e.reason_texts[0].startswith("Fahrzeit ") and e.reason_texts[0].endswith(
            "(Auto)" if c.has_car else "(ÖPNV)"
        )
        assert e.household.text_de == assess(c.household, v.monthly_wage, SETTINGS.household).text_de
        if v.employer.temp_agency:
            assert "Zeitarbeit senkt die Chance auf Dauer" in e.reason_texts
        if e.household.ends_need:
            assert "Lohn beendet die Hilfebedürftigkeit" in e.reason_texts


def test_flags_used_as_they_are(setup: Any) -> None:
    scorer, pairs, _, _ = setup
    X = select(pair_features(pairs, SETTINGS.household), SUSTAIN_FEATURES)
    assert X.shape[1] == len(SUSTAIN_FEATURES) == len(scorer.sustain.block_columns_)


def test_fast_terms_equal_the_models_contributions(setup: Any) -> None:
    """Inside the knots and far beyond them (linear extrapolation), for both models."""
    scorer, pairs, _, _ = setup
    X = pair_features(pairs, SETTINGS.household)
    wild = X * np.random.default_rng(3).uniform(-3, 4, size=X.shape)  # many values outside the knots
    for model, feats in ((scorer.sustain, SUSTAIN_FEATURES), (scorer.match, MATCH_FEATURES)):
        fast = AdditiveTerms(model)
        for M in (X, wild):
            Xs = select(M, feats)
            assert np.allclose(fast.terms(Xs), model.contributions(Xs), rtol=0, atol=1e-9)
            logit = fast.base + fast.terms(Xs).sum(axis=1)
            assert np.allclose(logit, model.decision_function(Xs), rtol=0, atol=1e-9)


def assert_same_scores(a: Any, b: Any) -> None:
    """Two ``PairScores`` equal bit for bit, with their logit terms."""
    np.testing.assert_array_equal(a.p_match, b.p_match)
    np.testing.assert_array_equal(a.p_sustain, b.p_sustain)
    assert a.model_version == b.model_version
    assert (a.terms is None) == (b.terms is None)
    if a.terms is not None:
        assert a.terms.features == b.terms.features and a.terms.base == b.terms.base
        for name in ("values", "terms", "logit"):
            np.testing.assert_array_equal(getattr(a.terms, name), getattr(b.terms, name))


def lookup_scores(scorer: ModelScorer, catalog: VacancyCatalog, pairs: Any, at: np.ndarray, **kw: Any) -> Any:
    return scorer.score_lookup(
        pairs.claimants[0], catalog, at, similarity=pairs.similarity, depth=pairs.depth,
        commute_minutes=pairs.commute_minutes, commute_limit=pairs.commute_limit, **kw,
    )  # fmt: skip


def test_a_lookup_scored_by_catalog_positions_equals_scoring_its_records(setup: Any) -> None:
    """``score_lookup`` (the catalog's columns, the vacancies' own terms once per catalog) gives
    ``score``'s numbers bit for bit, terms included, for candidates in any order; the columns are
    built once per catalog."""
    scorer = setup[0]
    r = generate_region(53, 40, 300, placements=10)
    geo = load_directory()
    catalog = VacancyCatalog.build([v for v in r.vacancies if not v.filled], geo)
    at = np.random.default_rng(3).permutation(len(catalog))[:120]
    for c in r.claimants[:5]:
        vs = [catalog.vacancies[i] for i in at.tolist()]
        pairs = measure_pairs([c] * len(vs), vs, geo=geo, grounder=None, commute=SETTINGS.commute)
        pairs = dataclasses.replace(pairs, similarity=np.linspace(0.9, 0.3, len(vs)))
        assert_same_scores(lookup_scores(scorer, catalog, pairs, at), scorer.score(pairs))
        assert_same_scores(
            lookup_scores(scorer, catalog, pairs, at, explain=False), scorer.score(pairs, explain=False)
        )
    assert scorer.columns_of(catalog) is scorer.columns_of(catalog)
    other = VacancyCatalog.build(catalog.vacancies, geo)
    assert scorer.columns_of(other) is not scorer.columns_of(catalog)


@pytest.fixture(scope="module")
def ga2m(setup: Any) -> Any:
    """A ga2m sustainability model on the region's pair features, with an outcome in which temp
    agency work hurts more the longer the claimant was out of work (a pair for the search to find;
    not commute × car, which the feature ``commute_no_car`` already is)."""
    scorer, _, _, _ = setup
    r = generate_region(52, 120, 200, placements=10)
    geo = load_directory()
    vs = [v for v in r.vacancies if not v.filled][:50]
    cs = r.claimants[:120]
    pairs = measure_pairs(
        [c for c in cs for _ in vs], vs * len(cs), geo=geo, grounder=None, commute=SETTINGS.commute
    )
    X = select(pair_features(pairs, SETTINGS.household), SUSTAIN_FEATURES)
    j = {f: i for i, f in enumerate(SUSTAIN_FEATURES)}
    rng = np.random.default_rng(7)
    months, temp = X[:, j["months_unemployed"]], X[:, j["temp_agency"]]
    logit = 0.2 - 0.3 * temp - 2.0 * temp * (months > np.median(months))
    y = (rng.random(len(X)) < 1 / (1 + np.exp(-logit))).astype(int)
    model = SustainabilityScorer(kind="ga2m", binary=binary_columns(SUSTAIN_FEATURES)).fit(X, y)
    return ModelScorer(scorer.match, model, household=SETTINGS.household, model_version="ga2m-v1"), X


@pytest.mark.slow  # fits a ga2m model on 6,000 pairs: seconds
def test_ga2m_terms_are_exact_and_explained_in_the_scorer(setup: Any, ga2m: Any) -> None:
    _, pairs, _, _ = setup
    scorer, _ = ga2m
    model = scorer.sustain
    assert ("temp_agency", "months_unemployed") in [
        (SUSTAIN_FEATURES[i], SUSTAIN_FEATURES[k]) for i, k in model.interactions_
    ]
    out = scorer.score(pairs)
    t = out.terms
    assert t is not None and t.features[: len(SUSTAIN_FEATURES)] == SUSTAIN_FEATURES
    assert "temp_agency×months_unemployed" in t.features and t.terms.shape == (
        len(pairs.vacancies),
        len(t.features),
    )
    np.testing.assert_array_equal(t.logit, t.base + row_sums(t.terms))  # the explanation adds up exactly
    Xs = select(pair_features(pairs, SETTINGS.household), SUSTAIN_FEATURES)
    np.testing.assert_allclose(t.terms, model.contributions(Xs), rtol=0, atol=1e-9)
    np.testing.assert_allclose(t.logit, model.decision_function(Xs), rtol=0, atol=1e-9)
    explained = explain_pairs(pairs, out, household=SETTINGS.household)
    for e, row in zip(explained, t.terms[:, len(SUSTAIN_FEATURES) :].tolist(), strict=True):
        assert sorted(x.contribution for x in e.interactions) == sorted(round(v, 3) for v in row)
        assert ("temp_agency", "months_unemployed") in [x.features for x in e.interactions]


@pytest.mark.slow
def test_ga2m_bulk_scores_equal_the_lookup_scores(setup: Any, ga2m: Any) -> None:
    """The nightly path (``score_at``) gives the lookup's probabilities bit for bit with pair terms too."""
    _, pairs, _, _ = setup
    scorer, _ = ga2m
    tables = scorer.feature_tables(pairs.claimants[:1], pairs.vacancies)
    n = len(pairs.vacancies)
    bulk = scorer.score_at(
        tables,
        np.zeros(n, dtype=np.intp),
        np.arange(n, dtype=np.intp),
        similarity=pairs.similarity,
        depth=pairs.depth,
        commute_minutes=pairs.commute_minutes,
        commute_limit=pairs.commute_limit,
    )
    single = scorer.score(pairs, explain=False)
    np.testing.assert_array_equal(bulk.p_sustain, single.p_sustain)
    # A lookup by catalog positions too, with the pair terms the explanation reads.
    catalog = VacancyCatalog.build(pairs.vacancies, load_directory())
    assert_same_scores(lookup_scores(scorer, catalog, pairs, np.arange(n)), scorer.score(pairs))


def test_a_bundle_trained_on_features_no_longer_built_is_refused(setup: Any, tmp_path: Any) -> None:
    scorer = setup[0]
    odd = {"match": ["kldb_depth", "lunar_phase"], "sustain": ["kldb_depth", "star_sign"]}
    bundle = Bundle(tmp_path, "20261201T000000Z-abc", {"features": odd}, scorer.match, scorer.sustain)
    with pytest.raises(BundleMismatch, match=r"\(lunar_phase, star_sign\)"):
        ModelScorer.from_bundle(bundle, SETTINGS.household)
    current = {"match": list(MATCH_FEATURES), "sustain": list(SUSTAIN_FEATURES)}
    loaded = ModelScorer.from_bundle(
        Bundle(tmp_path, "v", {"features": current}, scorer.match, scorer.sustain), SETTINGS.household
    )
    assert loaded.sustain_features == SUSTAIN_FEATURES and not loaded.retired


def test_a_bundle_trained_on_retired_features_still_scores_as_then(setup: Any) -> None:
    # A bundle from before the plain features (audit replay): its columns are built as they were.
    _, pairs, _, _ = setup
    old = ("kldb_depth", "commute_ratio", "childcare_clash", "german_gap", "skill_gap", "hours_ratio")
    n = len(pairs.vacancies)
    cs, vs = pairs.claimants, pairs.vacancies
    ratio = np.asarray(pairs.commute_minutes) / np.maximum(np.asarray(pairs.commute_limit), 1.0)
    by_hand = np.column_stack([
        np.asarray(pairs.depth, dtype=np.float64), ratio, childcare_clash(cs, vs),
        [float(c.german_level - v.german_level) for c, v in zip(cs, vs, strict=True)],
        [float(c.skill_level - v.skill_level) for c, v in zip(cs, vs, strict=True)],
        [v.hours_per_week / c.available_hours for c, v in zip(cs, vs, strict=True)],
    ])  # fmt: skip
    y = np.arange(n) % 2
    model = SustainabilityScorer(binary=[]).fit(by_hand, y)
    scorer = ModelScorer(model, model, household=SETTINGS.household, model_version="old",
                         match_features=old, sustain_features=old)  # fmt: skip
    assert scorer.retired
    out = scorer.score(pairs)
    assert np.allclose(out.p_sustain, model.predict_proba(by_hand)[:, 1], rtol=0, atol=1e-9)
    assert out.terms is not None and out.terms.features == old
    tables = scorer.feature_tables(list(cs[:1]), list(vs))
    at = scorer.score_at(
        tables, np.zeros(n, dtype=np.intp), np.arange(n, dtype=np.intp), similarity=pairs.similarity,
        depth=pairs.depth, commute_minutes=pairs.commute_minutes, commute_limit=pairs.commute_limit,
    )  # fmt: skip
    assert np.array_equal(at.p_sustain, out.p_sustain) and np.array_equal(at.p_match, out.p_match)
    catalog = VacancyCatalog.build(vs, load_directory())
    assert_same_scores(lookup_scores(scorer, catalog, pairs, np.arange(n)), out)
