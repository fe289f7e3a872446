"""Training on a small generated region: close to the truth, deterministic, written as a bundle."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from matcher.bootstrap import Services
from matcher.geo import load_directory
from matcher.settings import Settings
from models.bundle import current_path, load_bundle
from models.cache import EmbeddingCache
from models.encoding import RecordEncoder
from models.pair_scorer import MATCH_FEATURES, SUSTAIN_FEATURES, select
from tests.training.retrieval.test_evaluation import TrigramEmbedder
from training.dataset import FeatureContext
from training.evaluate import dcg, ndcg
from training.synthetic import generate_region
from training.train import (
    choose,
    ece,
    fit_models,
    paired_bootstrap,
    train_from_records,
    train_from_store,
    weighted_auc,
)

pytestmark = pytest.mark.slow  # fits the models with the boosting comparison (1-2 min)

SETTINGS = Settings()


@pytest.fixture(scope="module")
def region() -> Any:
    return generate_region(31, 400, 300, placements=3000)


@pytest.fixture(scope="module")
def ctx() -> FeatureContext:
    return FeatureContext(load_directory(), None, SETTINGS.commute, SETTINGS.household)


@pytest.fixture(scope="module")
def trained(region: Any, ctx: FeatureContext) -> Any:
    return train_from_records(
        region.outcomes, region.proposals, region.history_claimants, region.history_vacancies, ctx
    )


def test_held_out_auc_close_to_the_truth(region: Any, trained: Any) -> None:
    truth = {o.id: p for o, p in zip(region.outcomes, region.outcome_p_sustain, strict=True)}
    hold = trained.sustain_set.take(trained.holdout)
    assert len(hold) == 600  # the newest 20 % of 3000 placements
    assert hold.when.min() >= np.delete(trained.sustain_set.when, trained.holdout).max()
    auc = roc_auc_score(hold.y, trained.holdout_p)
    oracle = roc_auc_score(hold.y, [truth[i] for i in hold.ids])
    # 600 held-out placements: the model stays within 0.05 of the Bayes-optimal AUC
    assert oracle - 0.05 <= auc <= oracle + 0.01
    assert ece(hold.y, trained.holdout_p) <= 0.08
    assert trained.metrics["match"]["auc"] > 0.62


def test_interpretable_is_kept_unless_boosting_wins_clearly(trained: Any) -> None:
    s = trained.metrics["sustain"]
    assert {"additive", "ga2m", "boosting", "chosen", "calibration", "held_out"} <= set(s)
    assert trained.choice == choose(s)[0] == s["chosen"]
    assert set(s["boosting"]["vs_additive"]) == {"diff", "low", "high", "resamples", "seed"}
    add = {"auc": 0.78, "ece": 0.02, "brier": 0.200}
    win = {"low": 0.004}
    lose = {"low": -0.002}
    assert (
        choose({"additive": add, "boosting": {"auc": 0.80, "ece": 0.02, "vs_additive": win}})[0] == "boosting"
    )
    # A gain of 0.02 whose interval reaches below 0 is not clear.
    assert (
        choose({"additive": add, "boosting": {"auc": 0.80, "ece": 0.02, "vs_additive": lose}})[0]
        == "additive"
    )
    assert (
        choose({"additive": add, "boosting": {"auc": 0.785, "ece": 0.01, "vs_additive": win}})[0]
        == "additive"
    )
    assert (
        choose({"additive": add, "boosting": {"auc": 0.80, "ece": 0.03, "vs_additive": win}})[0] == "additive"
    )
    # ga2m with a pair term, no lower AUC and no higher Brier score is preferred; without a pair term
    # it is the additive model. A worse ECE alone does not keep the additive model (alt seed 2).
    ga = {"auc": 0.781, "ece": 0.021, "brier": 0.199, "interactions": 2}
    assert choose({"additive": add, "ga2m": ga})[0] == "ga2m"
    assert choose({"additive": add, "ga2m": {**ga, "ece": 0.032}})[0] == "ga2m"
    assert choose({"additive": add, "ga2m": {**ga, "interactions": 0}})[0] == "additive"
    assert choose({"additive": add, "ga2m": {**ga, "auc": 0.779}})[0] == "additive"
    assert choose({"additive": add, "ga2m": {**ga, "brier": 0.2001}})[0] == "additive"
    # Boosting is judged against the interpretable choice (here ga2m), with that comparison's interval.
    boost = {"auc": 0.795, "ece": 0.02, "vs_additive": win, "vs_ga2m": lose}
    assert choose({"additive": add, "ga2m": ga, "boosting": boost})[0] == "ga2m"


def test_paired_bootstrap_of_the_auc_difference() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    good = y + rng.normal(0, 0.8, 400)
    noise = rng.normal(0, 1, 400)
    out = paired_bootstrap(y, noise, good, n=200)
    assert out["low"] > 0.2 and out["diff"] == pytest.approx(roc_auc_score(y, good) - roc_auc_score(y, noise))
    assert paired_bootstrap(y, noise, good, n=200) == out  # seeded
    same = paired_bootstrap(y, good, good, n=50)
    assert same["diff"] == same["low"] == same["high"] == 0.0
    w = rng.integers(0, 3, 400).astype(float)
    assert weighted_auc(y.astype(bool), good, w) == pytest.approx(roc_auc_score(y, good, sample_weight=w))


def test_same_data_same_model(trained: Any) -> None:
    again = fit_models(trained.sustain_set, trained.match_set)
    X = trained.sustain_set.X[:50]
    for name, feats in (("sustain", SUSTAIN_FEATURES), ("match", MATCH_FEATURES)):
        a, b = getattr(trained, name), getattr(again, name)
        assert np.array_equal(a.predict_proba(select(X, feats)), b.predict_proba(select(X, feats)))


def test_ece_by_hand() -> None:
    p = np.repeat([0.1, 0.9], 50)
    y = np.r_[np.zeros(45), np.ones(5), np.zeros(5), np.ones(45)]
    assert ece(y, p, bins=2) == pytest.approx(0.0)
    assert ece(np.zeros(100), p, bins=2) == pytest.approx(0.5 * 0.1 + 0.5 * 0.9)


def test_ndcg_by_hand() -> None:
    assert dcg([1.0, 1.0]) == pytest.approx(1 + 1 / np.log2(3))
    assert ndcg([0.5, 0.2], [0.2, 0.5, 0.1], k=2) == pytest.approx(1.0)
    assert ndcg([0.2, 0.5], [0.2, 0.5, 0.1], k=2) == pytest.approx(
        (0.2 + 0.5 / np.log2(3)) / (0.5 + 0.2 / np.log2(3))
    )


def test_train_from_store_writes_a_loadable_bundle(tmp_path: Path) -> None:
    from matcher.store import Store

    r = generate_region(32, 60, 60, placements=500)
    settings = Settings(data_dir=tmp_path)
    store = Store.open(f"sqlite:///{tmp_path / 'db.sqlite'}")
    store.upsert_claimants(list(zip(r.history_claimants, r.history_protected, strict=True)))
    store.upsert_claimants(list(zip(r.claimants, r.protected, strict=True)))
    store.upsert_vacancies(r.history_vacancies + r.vacancies)
    store.upsert_outcomes(r.outcomes)
    store.upsert_proposals(r.proposals)
    emb = TrigramEmbedder(dim=64)
    encoder = RecordEncoder(emb, EmbeddingCache(tmp_path / "embeddings", emb.model_id, emb.dim))
    assert Services(settings).scorer() is None
    path = train_from_store(settings, store, encoder)
    assert current_path(tmp_path / "models" / "scorer") == path
    bundle = load_bundle(path)
    m = bundle.manifest
    assert m["embedder"] == emb.model_id
    assert m["training"]["placements"] == 500
    assert m["kinds"]["match"] == "additive" and m["kinds"]["sustain"] in ("additive", "boosting")
    names = json.dumps(m["features"])
    for protected in ("sex", "nationality", "age_band", "disability"):
        assert protected not in names
    scorer = Services(settings).scorer()
    assert scorer is not None and scorer.model_version == path.name


def test_evaluate_ranking_smoke(tmp_path: Path) -> None:
    from training.evaluate import evaluate_ranking, format_ranking_report

    result = evaluate_ranking(
        41, 120, 120, Settings(data_dir=tmp_path), embedder=TrigramEmbedder(dim=64), sample=15, placements=800
    )
    last = json.loads(format_ranking_report(result).splitlines()[-1])
    assert set(last) == {"auc", "auc_oracle", "ece", "ndcg10", "ndcg10_baselines"}
    assert set(last["ndcg10_baselines"]) == {"distance", "kldb", "tfidf", "embedding"}
    assert 0.5 < last["auc"] < 1 and 0 < last["ndcg10"] <= 1
