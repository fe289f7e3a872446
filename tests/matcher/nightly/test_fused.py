"""The bulk nightly path (``matcher.nightly.fused``) gives the lookup pipeline's candidates bit for bit.

``batch_search.generate_lookup`` (claimant by claimant: filters over every vacancy, a masked
search, the exact cut, records to the scorer) is the unoptimised reference; every field of
``Candidates`` must be identical (same values, same dtype, same order), row for row.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from matcher.bootstrap import Services
from matcher.cli.nightly import build_context
from matcher.geo import load_directory
from matcher.nightly.batch_search import Candidates, NightlyContext, blocked_topk, generate_lookup
from matcher.nightly.fused import Tables, fused_topk, generate
from matcher.pairs import measure_pairs
from matcher.settings import Settings
from matcher.similarity import exact_pairs, exact_similarity
from matcher.store import Store
from models.pair_scorer import ModelScorer, pair_features
from tests.matcher.nightly.region import TermsScorer, build_region, fake_encoder, settings_for
from training.synthetic import generate_region

SETTINGS = Settings()


def assert_same(a: Candidates, b: Candidates) -> None:
    for name in Candidates.FIELDS:
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype, name
        assert x.shape == y.shape, name
        np.testing.assert_array_equal(x, y, err_msg=name)


def context(data_dir: Path, store: Store, scorer: Any, **nightly: object) -> NightlyContext:
    settings = settings_for(data_dir, **nightly)
    return build_context(
        Services(settings, store=store, encoder=fake_encoder(data_dir), scorer=scorer), progress=False
    )


def test_fused_topk_is_blocked_topk() -> None:
    rng = np.random.default_rng(3)
    v = rng.standard_normal((3000, 16)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    v[[10, 20, 30, 40, 2999]] = v[30]  # equal vectors: ties at the cut that the id must order
    ids = np.array([f"V{(i * 7919) % 10000:05d}" for i in range(3000)])
    rank = np.empty(3000, dtype=np.int64)
    rank[np.argsort(ids)] = np.arange(3000)
    q = rng.standard_normal((41, 16)).astype(np.float32)
    q[5] = v[30]
    k = rng.integers(0, 400, 41)
    k[5] = 2
    for allowed in (None, rng.random((41, 3000)) < rng.random((41, 1))):
        expect = blocked_topk(q, v, ids, k, allowed)
        found = fused_topk(q, np.ascontiguousarray(v.T), rank, k, allowed)
        for j in range(41):
            assert found[j][0].tolist() == expect[j][0].tolist(), j
            assert found[j][1].tobytes() == expect[j][1].tobytes(), j


def test_exact_pairs_are_exact_similarity() -> None:
    rng = np.random.default_rng(4)
    q = rng.standard_normal((7, 384)).astype(np.float32)
    v = rng.standard_normal((50, 384)).astype(np.float32)
    qi, vi = rng.integers(0, 7, 300), rng.integers(0, 50, 300)
    got = exact_pairs(q, v, qi, vi)
    for j in range(300):
        assert got[j] == exact_similarity(q[qi[j]], v[vi[j]][None])[0]


def test_feature_tables_are_build_features(trained: ModelScorer) -> None:
    r = generate_region(61, 60, 90, placements=100)
    geo = load_directory()
    rng = np.random.default_rng(5)
    cpos, vpos = rng.integers(0, 60, 2000), rng.integers(0, 90, 2000)
    pairs = measure_pairs(
        [r.claimants[i] for i in cpos],
        [r.vacancies[i] for i in vpos],
        geo=geo,
        grounder=None,
        commute=SETTINGS.commute,
    )
    tables = trained.feature_tables(r.claimants, r.vacancies)
    kw = {
        "similarity": rng.random(2000),
        "depth": pairs.depth,
        "commute_minutes": pairs.commute_minutes,
        "commute_limit": pairs.commute_limit,
    }
    pairs = replace(pairs, similarity=kw["similarity"])
    expect = pair_features(pairs, SETTINGS.household)
    got = tables.matrix(cpos, vpos, **kw)
    assert got.tobytes() == expect.tobytes()
    a = trained.score(pairs, explain=False)
    b = trained.score_at(tables, cpos, vpos, **kw)
    assert a.p_match.tobytes() == b.p_match.tobytes()
    assert a.p_sustain.tobytes() == b.p_sustain.tobytes()


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Store]:
    data_dir = tmp_path_factory.mktemp("fused")
    return data_dir, build_region(data_dir, seed=12, claimants=400, vacancies=300)


@pytest.mark.parametrize("scorer", ["trained", "terms"])
def test_small_region_row_for_row(region: tuple[Path, Store], trained: ModelScorer, scorer: str) -> None:
    data_dir, store = region
    ctx = context(data_dir, store, trained if scorer == "trained" else TermsScorer())
    service, tables = ctx.service(), Tables(ctx)
    n = len(ctx.claimants)
    for lo, hi in ((0, n), (0, 1), (7, 150), (150, n)):
        assert_same(generate_lookup(ctx, service, lo, hi), generate(ctx, service, lo, hi, tables))


@pytest.mark.slow
def test_5000_by_5000_row_for_row(tmp_path: Path, trained: ModelScorer) -> None:
    store = build_region(tmp_path, seed=2026, claimants=5000, vacancies=5000)
    ctx = context(tmp_path, store, trained)
    service, tables = ctx.service(), Tables(ctx)
    n = len(ctx.claimants)
    assert n > 4000
    compared = 0
    for lo in range(0, n, 256):
        hi = min(n, lo + 256)
        a = generate_lookup(ctx, service, lo, hi)
        assert_same(a, generate(ctx, service, lo, hi, tables))
        compared += len(a)
    assert compared > 100_000


def test_forked_processes_give_the_same_chunks(region: tuple[Path, Store], trained: ModelScorer) -> None:
    from matcher.nightly.engines import LocalEngine
    from matcher.nightly.runner import plan_chunks

    data_dir, store = region
    ctx = context(data_dir, store, trained)
    chunks = plan_chunks(len(ctx.claimants), 64)
    one = dict(LocalEngine().run(ctx, chunks))
    two = dict(LocalEngine(processes=2).run(ctx, chunks))
    assert sorted(two) == sorted(one) == [i for i, _, _ in chunks]
    for i in one:
        assert_same(one[i], two[i])


def test_the_staircase_scores_every_eligible_cell(region: tuple[Path, Store], trained: ModelScorer) -> None:
    """``_products`` leaves out only cells no claimant is eligible for, and its scores are a whole-row
    product's within the float32 error bound (the exact cut's premise)."""
    from matcher.nightly.fused import _filter, _products, _ranges

    data_dir, store = region
    ctx = context(data_dir, store, trained)
    tables = Tables(ctx)
    ty = tables.types
    assert ty.hours is not None  # the hours are ordered: the prefixes are used
    n = len(ctx.claimants)
    q = ctx.claimant_vectors[:n]
    f = _filter(ctx, tables, 0, n)
    out = np.full((n, len(ctx.vacancies)), np.nan, dtype=np.float32)
    _products(q, tables, f, out)
    full = q @ tables.vt
    eligible = 0
    for j in range(n):
        combo = np.flatnonzero(f.passes[j])
        at = _ranges(ty.combo_start[combo], ty.combo_start[combo + 1])
        eligible += len(at)
        assert np.all(np.abs(out[j, at].astype(np.float64) - full[j, at]) <= tables.bound), j
    computed = int(np.isfinite(out).sum())
    assert eligible == int(f.eligible.sum()) == 21_595
    assert computed == 34_979 and computed < out.size // 3  # of 120,000 cells
