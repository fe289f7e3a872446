"""The Ray engine (a local Ray, two CPUs) gives the local engine's lists exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from matcher.bootstrap import Services
from matcher.cli.nightly import build_context
from matcher.nightly.engines import OFFLINE_ENV, LocalEngine, RayEngine
from matcher.nightly.runner import NightlyRunner
from tests.matcher.nightly.region import TermsScorer, build_region, fake_encoder, settings_for

pytestmark = pytest.mark.slow  # a local Ray cluster

ray = pytest.importorskip("ray")


def test_local_and_ray_runs_give_identical_lists(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for k, v in OFFLINE_ENV.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    store = build_region(tmp_path, claimants=160, vacancies=120)
    settings = settings_for(tmp_path, top_n=4, chunk_size=40, capacity_factor=2.0)
    ctx = build_context(
        Services(settings, store=store, encoder=fake_encoder(tmp_path), scorer=TermsScorer()), progress=False
    )
    results = {}
    for name, engine in [("local", LocalEngine()), ("ray", RayEngine(workers=2, num_cpus=2))]:
        runner = NightlyRunner(
            ctx,
            store,
            settings.nightly,
            out_dir=tmp_path / name,
            run_id=f"run-{name}",
            engine=engine,
            progress=False,
        )
        summary = runner.run()
        assert summary.manifest["engine"] == name and summary.manifest["counts"]["chunks_resumed"] == 0
        results[name] = (
            [
                (r.claimant_id, r.rank, r.vacancy_id, r.score, r.payload)
                for r in store.list_nightly(f"run-{name}")
            ],
            {
                str(p.relative_to(summary.run_dir)): p.read_bytes()
                for p in sorted((summary.run_dir / "candidates").glob("*.npz"))
            },
        )
    assert not ray.is_initialized()  # the engine shut down the Ray it started
    assert len(results["local"][0]) > 200
    assert results["ray"][0] == results["local"][0]
    assert results["ray"][1] == results["local"][1]  # the checkpoints too, byte for byte
