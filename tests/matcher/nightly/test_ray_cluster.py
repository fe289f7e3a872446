"""A real two-process Ray cluster (``ray start --head`` and ``ray start --address``), joined by address:
the nightly run computed on both nodes gives the local engine's lists and checkpoints exactly."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from matcher.bootstrap import Services
from matcher.cli.nightly import build_context
from matcher.nightly.engines import OFFLINE_ENV, Engine, LocalEngine, RayEngine
from matcher.nightly.runner import NightlyRunner
from tests.matcher.nightly.region import TermsScorer, build_region, fake_encoder, settings_for

pytestmark = pytest.mark.slow  # two Ray node processes

ray = pytest.importorskip("ray", reason="the ray engine's package ray[data] is not installed")

ROOT = Path(__file__).resolve().parents[3]


def test_a_two_node_cluster_gives_the_local_lists(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.ray_cluster import LocalRayCluster

    for k, v in OFFLINE_ENV.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    store = build_region(tmp_path, claimants=160, vacancies=120)
    settings = settings_for(tmp_path, top_n=4, chunk_size=20, capacity_factor=2.0)
    ctx = build_context(
        Services(settings, store=store, encoder=fake_encoder(tmp_path), scorer=TermsScorer()), progress=False
    )
    env = {"PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]), **OFFLINE_ENV}
    results = {}
    with LocalRayCluster(cpus_per_node=1, object_store_bytes=200 << 20, env=env) as cluster:
        assert cluster.address.startswith("127.0.0.1:")
        ray_engine = RayEngine(address=cluster.address, workers=2)
        engines: list[tuple[str, Engine]] = [("local", LocalEngine()), ("ray", ray_engine)]
        for name, engine in engines:
            summary = NightlyRunner(
                ctx,
                store,
                settings.nightly,
                out_dir=tmp_path / name,
                run_id=f"run-{name}",
                engine=engine,
                progress=False,
            ).run()
            assert summary.manifest["engine"] == name and summary.manifest["counts"]["chunks"] == 8
            results[name] = (
                [
                    (r.claimant_id, r.rank, r.vacancy_id, r.score, r.payload)
                    for r in store.list_nightly(f"run-{name}")
                ],
                {p.name: p.read_bytes() for p in sorted((summary.run_dir / "candidates").glob("*.npz"))},
            )
        assert not ray.is_initialized()  # the engine disconnected; the cluster is still up
        assert cluster.procs and all(p.poll() is None for p in cluster.procs)
    # One worker of one CPU on each node: both nodes computed chunks, every chunk once.
    assert len(ray_engine.chunks_by_node) == 2 and sum(ray_engine.chunks_by_node.values()) == 8
    assert not cluster.procs and not cluster.temp_dir.exists()  # stopped, its temp dir removed
    assert len(results["local"][0]) > 200 and len(results["local"][1]) == 8
    assert results["ray"][0] == results["local"][0]
    assert results["ray"][1] == results["local"][1]  # the checkpoints too, byte for byte
