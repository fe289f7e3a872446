"""Training sets: rows from records, informative proposals only, train-time = serve-time features."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from matcher.catalog import VacancyCatalog
from matcher.domain import Proposal
from matcher.geo import load_directory
from matcher.index import FaissIndex
from matcher.pairs import measure_pairs
from matcher.service import MatchService, PairBatch, PairScores
from matcher.settings import Settings
from matcher.text import render_claimant, render_vacancy
from models.bundle import Bundle
from models.features import FEATURES, RETIRED
from models.pair_scorer import MATCH_FEATURES, SUSTAIN_FEATURES, pair_features, select
from models.scorer import SustainabilityScorer
from tests.training.retrieval.test_evaluation import TrigramEmbedder
from training.dataset import FeatureContext, informative_proposals, match_set, sustain_set, time_split
from training.retrain import compare_with_current
from training.synthetic import generate_region
from training.synthetic.truth_inputs import PROTECTED_NAMES
from training.train import fit_models

SETTINGS = Settings()


@pytest.fixture(scope="module")
def region() -> Any:
    return generate_region(21, 120, 150, placements=400)


@pytest.fixture(scope="module")
def ctx() -> FeatureContext:
    return FeatureContext(load_directory(), None, SETTINGS.commute, SETTINGS.household)


def test_sustain_set_rows_follow_the_outcomes(region: Any, ctx: FeatureContext) -> None:
    s = sustain_set(region.outcomes, ctx)
    assert len(s) == len(region.outcomes) == 400
    assert s.X.shape == (400, len(FEATURES) + len(RETIRED)) and np.isfinite(s.X).all()
    assert s.ids == [o.id for o in region.outcomes]
    assert s.y.tolist() == [int(o.employed_12m) for o in region.outcomes]
    assert s.when.tolist() == [o.start.toordinal() for o in region.outcomes]
    assert (s.X[:, FEATURES.index("similarity")] == 0).all()  # no model uses it


def test_match_set_keeps_informative_proposals(region: Any, ctx: FeatureContext) -> None:
    m = match_set(region.proposals, region.history_claimants, region.history_vacancies, ctx)
    kept, _ = informative_proposals(region.proposals, {v.id: v.openings for v in region.history_vacancies})
    assert len(m) == len(kept) and sum(m.dropped.values()) == len(region.proposals) - len(kept)
    assert m.y.sum() == sum(p.hired for p in region.proposals)  # every hire is kept
    assert 0.15 < m.y.mean() < 0.6


def test_informative_proposals_by_hand() -> None:
    d = date(2025, 1, 1).toordinal()
    props = [
        Proposal("P1", "K1", "V1", date.fromordinal(d), False),
        Proposal("P2", "K1", "V2", date.fromordinal(d + 5), True),  # K1 hired on day 5
        Proposal("P3", "K1", "V3", date.fromordinal(d + 9), False),  # K1 no longer looking
        Proposal("P4", "K2", "V2", date.fromordinal(d + 7), False),  # V2's one opening is filled
        Proposal("P5", "K2", "V4", date.fromordinal(d + 7), False),  # informative
        Proposal("P6", "K3", "V5", date.fromordinal(d + 8), True),  # V5 has two openings
        Proposal("P7", "K4", "V5", date.fromordinal(d + 9), False),  # still one left: informative
        Proposal("P8", "K5", "V2", date.fromordinal(d + 2), False),  # before, but V2 went to K1
    ]
    kept, dropped = informative_proposals(props, {"V2": 1, "V5": 2})
    assert [p.id for p in kept] == ["P1", "P2", "P5", "P6", "P7"]
    assert dropped == {"after_claimant_hired": 1, "after_vacancy_filled": 1, "lost_to_competitor": 1}


def test_time_split_holds_out_the_newest() -> None:
    when = np.array([5, 1, 9, 3, 7, 2, 8, 4, 6, 10])
    older, newest = time_split(when, 0.2)
    assert sorted(when[newest].tolist()) == [9, 10]
    assert len(older) == 8 and set(older) | set(newest) == set(range(10))


def test_no_protected_attribute_is_a_feature() -> None:
    for name in (*FEATURES, *SUSTAIN_FEATURES, *MATCH_FEATURES):
        tokens = set(name.split("_"))
        assert name not in PROTECTED_NAMES, name
        assert not tokens & {"sex", "nationality", "age", "disability", "disabled", "gender"}, name
    assert "similarity" not in SUSTAIN_FEATURES and "similarity" not in MATCH_FEATURES


class _Capture:
    """A PairScorer that keeps the pairs the service measured."""

    model_version = "capture"

    def __init__(self) -> None:
        self.batches: list[PairBatch] = []

    def score(self, pairs: PairBatch, *, explain: bool = True) -> PairScores:
        self.batches.append(pairs)  # a lookup scores all its candidates in one call
        n = len(pairs.vacancies)
        return PairScores(np.ones(n), np.ones(n), self.model_version)


class _Encoder:
    def __init__(self, emb: TrigramEmbedder) -> None:
        self.emb = emb
        self.model_id = emb.model_id

    def encode_claimant(self, c: Any) -> np.ndarray:
        return self.emb.encode_queries([render_claimant(c)])[0]


class _Grounder:
    """Grounds a wish to the code its first word's length picks: deterministic, not the truth's."""

    def codes_for(self, titles: Any) -> list[str]:
        return sorted({f"{51300 + len(t.split()[0]) % 9}1"[:5] for t in titles if t.strip()})


def test_train_time_features_equal_serve_time_features(region: Any) -> None:
    """The pairs a lookup measures, re-measured as training measures them, give the same rows."""
    geo = load_directory()
    emb = TrigramEmbedder(dim=64)
    vs = [v for v in region.vacancies if not v.filled]
    vectors = emb.encode_passages([render_vacancy(v) for v in vs])
    index = FaissIndex.build(vectors, [v.id for v in vs], emb.model_id)
    by_id = {v.id: v for v in vs}
    catalog = VacancyCatalog.build([by_id[i] for i in index.ids.tolist()], geo)
    capture = _Capture()
    grounder = _Grounder()
    service = MatchService(
        claimants=None,  # type: ignore[arg-type]
        vacancies=catalog,
        index=index,
        encoder=_Encoder(emb),
        geo=geo,
        scorer=capture,
        grounder=grounder,
        today=region.reference_date,
    )
    compared = 0
    for c in region.claimants[:25]:
        service.suggest_for(c, 10)
        if not capture.batches:
            continue
        served = capture.batches.pop()
        trained = measure_pairs(
            served.claimants, served.vacancies, geo=geo, grounder=grounder, commute=SETTINGS.commute
        )
        assert np.array_equal(trained.depth, served.depth)
        assert np.allclose(trained.commute_minutes, served.commute_minutes, rtol=0, atol=1e-9)
        assert np.array_equal(trained.commute_limit, served.commute_limit)
        a = pair_features(trained, SETTINGS.household)
        b = pair_features(served, SETTINGS.household)
        cols = [i for i, f in enumerate(FEATURES) if f != "similarity"]
        assert np.allclose(a[:, cols], b[:, cols], rtol=0, atol=1e-9)
        compared += len(served.vacancies)
    assert compared > 100


def test_a_current_bundle_on_retired_features_is_compared_on_the_same_rows(
    region: Any, ctx: FeatureContext
) -> None:
    # After the plain features, the bundle still current was trained on the old columns: a retrain
    # compares it with the new model on the same held-out rows, so the rows carry its columns too.
    s = sustain_set(region.outcomes, ctx)
    old = ["kldb_depth", "childcare_clash", "german_gap", "skill_gap", "hours_ratio", "commute_ratio"]
    assert select(s.X, RETIRED).tolist() == s.X[:, len(FEATURES) :].tolist()
    clash = s.X[:, len(FEATURES) + RETIRED.index("childcare_clash")]
    assert clash.max() > 0 and (clash >= 0).all()
    model = SustainabilityScorer().fit(select(s.X, old), s.y)
    current = Bundle(Path("."), "old-v", {"features": {"match": old, "sustain": old}}, model, model)
    result = fit_models(s, match_set(region.proposals, region.history_claimants, region.history_vacancies, ctx),
                        compare=False, refit=False)  # fmt: skip
    info, _ = compare_with_current(current, result, s.take(result.holdout), 0.01)
    assert info["version"] == "old-v" and 0.5 < info["current"]["auc"] <= 1.0
