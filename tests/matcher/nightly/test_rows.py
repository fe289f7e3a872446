"""The chosen pairs' rows (``matcher.nightly.rows``): in parts, encoded once, on 1 or 2 processes, the
same rows, stored text and files as the one-batch path they replace."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa

from matcher.bootstrap import Services
from matcher.cli.nightly import build_context
from matcher.nightly import rows as rows_module
from matcher.nightly.batch_search import Candidates, NightlyContext, explain
from matcher.nightly.engines import LocalEngine
from matcher.nightly.output import details_record, record
from matcher.nightly.rows import encode_part, list_order, parts
from matcher.nightly.runner import NightlyRunner, plan_chunks
from matcher.settings import NightlySettings
from matcher.store import NightlyRow, Store
from matcher.store.tables import nightly_lists
from models.pair_scorer import ModelScorer
from tests.matcher.nightly.region import build_region, fake_encoder, settings_for


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Store]:
    data_dir = tmp_path_factory.mktemp("rows")
    return data_dir, build_region(data_dir, seed=41, claimants=300, vacancies=240)


def context(data_dir: Path, store: Store, scorer: Any) -> NightlyContext:
    services = Services(settings_for(data_dir), store=store, encoder=fake_encoder(data_dir), scorer=scorer)
    return build_context(services, progress=False)


def old_rows(ctx: NightlyContext, run_id: str, cand: Candidates, idx: np.ndarray) -> list[NightlyRow]:
    """The runner's rows before the parts (at 0e7f3a6): one explain batch, the details made plain by a
    JSON round trip, the payload encoded by the store's JSON column."""
    idx = idx[np.lexsort((cand.rank[idx], cand.claimant[idx]))]
    chosen = cand.take(idx)
    explanations = explain(ctx, chosen)
    out: list[NightlyRow] = []
    rank_in_list, last = 0, -1
    for j in range(len(idx)):
        ci, vi = int(chosen["claimant"][j]), int(chosen["vacancy"][j])
        rank_in_list = rank_in_list + 1 if ci == last else 1
        last = ci
        c, v = ctx.claimants[ci], ctx.vacancies.vacancies[vi]
        payload = {
            "title": v.title,
            "employer": v.employer.name,
            "municipality": v.municipality,
            "p_match": round(float(chosen["p_match"][j]), 4),
            "p_sustain": round(float(chosen["p_sustain"][j]), 4),
            "similarity": round(float(chosen["similarity"][j]), 4),
            "match_depth": int(chosen["depth"][j]),
            "commute_minutes": round(float(chosen["commute_minutes"][j]), 1),
            "commute_limit": float(chosen["commute_limit"][j]),
            "distance_km": round(float(chosen["distance_km"][j]), 1),
            "hours_per_week": v.hours_per_week,
            "candidate_rank": int(chosen["rank"][j]),
            "model_version": ctx.scorer.model_version,
            "details": json.loads(json.dumps(details_record(explanations[j]), default=float)),
        }
        row = NightlyRow(
            run_id, c.id, rank_in_list, v.id, c.jobcenter, c.case_manager, float(chosen["score"][j]), payload
        )
        out.append(row)
    return out


def candidates(ctx: NightlyContext) -> Candidates:
    chunks = plan_chunks(len(ctx.claimants), 128)
    return Candidates.concat([c for _, c in sorted(LocalEngine().run(ctx, chunks), key=lambda x: x[0])])


def test_parts_give_the_one_batch_rows_and_stored_text(
    region: tuple[Path, Store], trained: ModelScorer
) -> None:
    data_dir, store = region
    ctx = context(data_dir, store, trained)
    cand = candidates(ctx)
    idx = np.flatnonzero(cand.rank <= 4)
    want = old_rows(ctx, "r", cand, idx)
    assert len(want) == 1009 and len({r.claimant_id for r in want}) == 278
    # The household effect and the drivers are there: the rows test what the 100k run writes.
    assert all(r.payload["details"]["drivers"]["positive"] for r in want[:50])
    sorted_idx = idx[list_order(cand.claimant[idx], cand.rank[idx])]
    chosen = cand.take(sorted_idx)
    for size in (7, 1000, 5000):  # parts that cut claimants' lists, and one part for all
        got = [row for part in parts("r", chosen, size) for row in encode_part(ctx, part)]
        assert [r.row() for r in got] == want, size
        assert [r.stored.payload_json for r in got] == [json.dumps(r.payload) for r in want], size
        assert [r.record for r in got] == [tuple(record(r).values()) for r in want], size


def _run(ctx: NightlyContext, store: Store, out: Path, processes: int) -> dict[str, Any]:
    nightly = NightlySettings(top_n=4, chunk_size=64, capacity_factor=2.0)
    runner = NightlyRunner(
        ctx, store, nightly, out_dir=out, run_id="rows-1", engine=LocalEngine(processes), progress=False
    )
    summary = runner.run()
    lists = summary.run_dir / "lists"
    with store._connect() as conn:  # the stored text itself, not its decoding
        text = conn.execute(
            sa.select(sa.cast(nightly_lists.c.payload, sa.Text))
            .where(nightly_lists.c.run_id == "rows-1")
            .order_by(nightly_lists.c.claimant_id, nightly_lists.c.rank)
        ).scalars()
        stored = list(text)
    return {
        "rows": store.list_nightly("rows-1"),
        "summary_rows": summary.rows,
        "text": stored,
        "files": {str(p.relative_to(lists)): p.read_bytes() for p in sorted(lists.rglob("*")) if p.is_file()},
    }


def test_two_processes_write_the_one_process_lists(
    region: tuple[Path, Store], trained: ModelScorer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir, store = region
    ctx = context(data_dir, store, trained)
    monkeypatch.setattr(rows_module, "ROWS_PER_PART", 97)  # 7 parts over the 2 processes
    one = _run(ctx, store, tmp_path / "one", 1)
    two = _run(ctx, store, tmp_path / "two", 2)
    assert len(one["rows"]) == 591 and len(one["files"]) == 3 * 47
    assert one["rows"] == one["summary_rows"] == two["rows"] == two["summary_rows"]
    assert one["text"] == two["text"] == [json.dumps(r.payload) for r in one["rows"]]
    assert one["files"] == two["files"]
