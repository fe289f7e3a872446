"""The nightly lists come from the lookup's pipeline, respect capacities, and are idempotent."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from matcher.bootstrap import Services
from matcher.cli.nightly import build_context
from matcher.errors import PassgenauError
from matcher.nightly.batch_search import NightlyContext, blocked_topk
from matcher.nightly.engines import LocalEngine
from matcher.nightly.fused import generate
from matcher.nightly.output import details_record
from matcher.nightly.runner import NightlyRunner
from matcher.settings import Settings
from matcher.store import Store
from tests.matcher.nightly.region import AS_OF, TermsScorer, build_region, fake_encoder, settings_for


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Store]:
    data_dir = tmp_path_factory.mktemp("nightly")
    return data_dir, build_region(data_dir)


def context(data_dir: Path, store: Store, **nightly: object) -> tuple[Settings, NightlyContext]:
    settings = settings_for(data_dir, **nightly)
    return settings, build_context(
        Services(settings, store=store, encoder=fake_encoder(data_dir), scorer=TermsScorer()), progress=False
    )


def test_blocked_topk_is_exact_with_ties_by_id() -> None:
    rng = np.random.default_rng(0)
    v = rng.standard_normal((500, 16)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    v[[10, 20, 30, 40]] = v[30]  # four equal vectors: ties that the id must order
    ids = np.array([f"V{(i * 7919) % 1000:04d}" for i in range(500)])
    q = rng.standard_normal((37, 16)).astype(np.float32)
    q[5] = v[30]
    allowed = rng.random((37, 500)) < 0.5
    allowed[5, [10, 20, 30, 40]] = True
    k = rng.integers(0, 60, 37)
    k[5] = 2
    found = blocked_topk(q, v, ids, k, allowed, block=5)
    for j in range(37):
        s = q[j] @ v.T
        el = np.flatnonzero(allowed[j])
        expect = el[np.lexsort((ids[el], -s[el]))][: k[j]]
        assert found[j][0].tolist() == expect.tolist(), j
    assert sorted(ids[[10, 20, 30, 40]])[:2] == ids[found[5][0]].tolist()


def test_candidates_are_the_lookups_lists(region: tuple[Path, Store]) -> None:
    data_dir, store = region
    settings, ctx = context(data_dir, store, top_n=4, candidate_factor=3)
    lookup = Services(
        settings, store=store, encoder=fake_encoder(data_dir), scorer=TermsScorer()
    ).match_service()
    cand = generate(ctx, ctx.service(), 0, len(ctx.claimants))
    assert cand.claimants_of.tolist() == list(range(len(ctx.claimants)))
    compared = 0
    for i, c in enumerate(ctx.claimants):
        expect = lookup.suggest_for(c, ctx.k)
        mine = np.flatnonzero(cand.claimant == i)
        assert cand.rank[mine].tolist() == list(range(1, len(mine) + 1))
        assert ctx.vacancies.ids[cand.vacancy[mine]].tolist() == [m.vacancy_id for m in expect.items], c.id
        np.testing.assert_allclose(cand.score[mine], [m.score for m in expect.items], atol=6e-5)
        assert int(cand.eligible[i]) == expect.eligible
        compared += len(mine)
    assert compared == len(cand) > 1000


def run(data_dir: Path, store: Store, run_id: str, **nightly: object):  # type: ignore[no-untyped-def]
    settings, ctx = context(data_dir, store, **nightly)
    runner = NightlyRunner(
        ctx,
        store,
        settings.nightly,
        out_dir=data_dir / "out",
        run_id=run_id,
        engine=LocalEngine(),
        progress=False,
    )
    return ctx, runner.run()


def test_unconstrained_lists_equal_lookups(region: tuple[Path, Store]) -> None:
    data_dir, store = region
    ctx, summary = run(data_dir, store, "free", top_n=5, capacity_factor=1000.0, chunk_size=50)
    lookup = Services(
        settings_for(data_dir), store=store, encoder=fake_encoder(data_dir), scorer=TermsScorer()
    ).match_service()
    rows = store.list_nightly("free")
    by_claimant: dict[str, list[str]] = {}
    for r in rows:
        by_claimant.setdefault(r.claimant_id, []).append(r.vacancy_id)
    for c in ctx.claimants:
        assert by_claimant.get(c.id, []) == [m.vacancy_id for m in lookup.suggest(c.id, 5).items], c.id
    assert summary.after.expected_lasting == summary.before.expected_lasting
    # The payload carries the lookup's explanation.
    first = lookup.suggest(rows[0].claimant_id, 5).items[0]
    assert first.explanation is not None
    assert first.explanation.drivers_up or first.explanation.drivers_down
    assert rows[0].payload["details"] == details_record(first.explanation)
    assert rows[0].payload["title"] == first.title
    assert rows[0].payload["model_version"] == "terms-test"


def test_capacities_hold_and_a_rerun_is_identical(region: tuple[Path, Store]) -> None:
    data_dir, store = region
    ctx, first = run(data_dir, store, "cap", top_n=5, capacity_factor=1.0, chunk_size=64)
    rows = store.list_nightly("cap")
    openings = {v.id: v.openings for v in ctx.vacancies.vacancies}
    exposure = Counter(r.vacancy_id for r in rows)
    assert all(n <= openings[v] for v, n in exposure.items())
    per_claimant = Counter(r.claimant_id for r in rows)
    assert max(per_claimant.values()) <= 5 and len(rows) == sum(per_claimant.values())
    assert first.before.over_capacity > 0 and first.after.over_capacity == 0
    assert first.after.max_exposure <= first.before.max_exposure
    run_ = store.get_nightly_run("cap")
    assert run_ is not None and run_.status == "complete"
    assert run_.manifest["counts"]["suggestions"] == len(rows)
    # Files per case manager agree with the database.
    lists = first.run_dir / "lists"
    from_files = []
    for path in sorted(lists.rglob("*.csv")):
        from_files += [
            (r["claimant_id"], int(r["rank"]), r["vacancy_id"])
            for r in csv.DictReader(io.StringIO(path.read_text()))
        ]
    assert sorted(from_files) == sorted((r.claimant_id, r.rank, r.vacancy_id) for r in rows)
    assert (
        len(list(lists.rglob("*.parquet")))
        == len(list(lists.rglob("*.html")))
        == len(list(lists.rglob("*.csv")))
    )
    _check_by_unit(data_dir, store, ctx, rows, run_.manifest)
    files = {p: p.read_bytes() for p in lists.rglob("*") if p.is_file()}
    # Again with the same run id: every chunk from its checkpoint, the same rows and the same bytes.
    _, second = run(data_dir, store, "cap", top_n=5, capacity_factor=1.0, chunk_size=64)
    assert second.manifest["counts"]["chunks_resumed"] == second.manifest["counts"]["chunks"]
    assert store.list_nightly("cap") == rows
    assert {p: p.read_bytes() for p in lists.rglob("*") if p.is_file()} == files


def _check_by_unit(data_dir: Path, store: Store, ctx: NightlyContext, rows: list, manifest: dict) -> None:
    """The manifest's per-unit effect of the capacity constraint against the lists themselves: the
    allocated lists from the stored rows, the unconstrained ones from the lookup's own top 5."""
    lookup = Services(
        settings_for(data_dir), store=store, encoder=fake_encoder(data_dir), scorer=TermsScorer()
    ).match_service()
    unit_of = {c.id: (c.jobcenter, c.team, c.case_manager) for c in ctx.claimants}
    want: dict[tuple[str, str, str], dict] = {}
    for c in ctx.claimants:
        w = want.setdefault(unit_of[c.id], {"claimants": 0, "with": [0, 0.0, 0.0], "without": [0, 0.0, 0.0]})
        w["claimants"] += 1
        items = lookup.suggest(c.id, 5).items
        w["without"][0] += bool(items)
        w["without"][1] += sum(m.p_match for m in items)
        w["without"][2] += sum(m.score for m in items)
        mine = [r for r in rows if r.claimant_id == c.id]
        w["with"][0] += bool(mine)
        w["with"][1] += sum(r.payload["p_match"] for r in mine)
        w["with"][2] += sum(r.score for r in mine)
    got = {(u["jobcenter"], u["team"], u["case_manager"]): u for u in manifest["by_unit"]}
    assert set(got) == set(want) and len(want) > 3
    for key, w in want.items():
        g = got[key]
        assert g["claimants"] == w["claimants"], key
        for side in ("with", "without"):
            assert g[side]["listed"] == w[side][0], (key, side)
            # The rows' p_match and the lookup's probabilities are rounded to 4 places.
            tol = 5e-5 * 5 * w["claimants"]
            assert g[side]["expected_hires"] == pytest.approx(w[side][1], abs=tol), (key, side)
            assert g[side]["expected_lasting"] == pytest.approx(w[side][2], abs=tol), (key, side)
    # The units add up to the run's congestion figures, and the constraint costs somebody.
    total = {s: sum(u[s]["expected_lasting"] for u in got.values()) for s in ("with", "without")}
    assert total["without"] == pytest.approx(manifest["congestion"]["before"]["expected_lasting"], abs=1e-3)
    assert total["with"] == pytest.approx(manifest["congestion"]["after"]["expected_lasting"], abs=1e-3)
    assert any(u["with"]["expected_lasting"] < u["without"]["expected_lasting"] - 1e-9 for u in got.values())


def test_a_run_id_cannot_be_resumed_over_other_inputs(region: tuple[Path, Store]) -> None:
    data_dir, store = region
    _, first = run(data_dir, store, "fixed", top_n=3, chunk_size=100)
    with pytest.raises(PassgenauError, match="top_n"):
        run(data_dir, store, "fixed", top_n=4, chunk_size=100)
    # Resumed the next day: the planned day holds, and the lists are the same.
    settings = settings_for(data_dir, top_n=3, chunk_size=100).model_copy(
        update={"as_of": AS_OF + timedelta(days=1)}
    )
    ctx = build_context(
        Services(settings, store=store, encoder=fake_encoder(data_dir), scorer=TermsScorer()), progress=False
    )
    assert ctx.today == AS_OF + timedelta(days=1)
    NightlyRunner(
        ctx,
        store,
        settings.nightly,
        out_dir=data_dir / "out",
        run_id="fixed",
        engine=LocalEngine(),
        progress=False,
    ).run()
    assert store.list_nightly("fixed") == first.rows
