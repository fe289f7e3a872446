"""A real two-process Ray cluster (``ray start --head`` and ``ray start --address``), joined by address
by a real ``passgenau nightly --engine ray --ray-address HOST:PORT``: both nodes compute chunks, and
the lists and checkpoints are the local engine's exactly."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from matcher.bootstrap import Services
from matcher.cli.nightly import build_context
from matcher.nightly.engines import OFFLINE_ENV, LocalEngine
from matcher.nightly.runner import NightlyRunner
from matcher.store import Store
from tests.matcher.nightly.region import AS_OF, TermsScorer, build_region, fake_encoder, settings_for

pytestmark = pytest.mark.slow  # two Ray node processes and a CLI process

ray = pytest.importorskip("ray", reason="the ray engine's package ray is not installed")

ROOT = Path(__file__).resolve().parents[3]
NIGHTLY = {"top_n": 4, "chunk_size": 20, "capacity_factor": 2.0}
CHUNKS = 8  # 160 claimants / 20


def snapshot(store: Store, out: Path, run_id: str) -> tuple[list[tuple[Any, ...]], dict[str, bytes]]:
    rows = [(r.claimant_id, r.rank, r.vacancy_id, r.score, r.payload) for r in store.list_nightly(run_id)]
    checkpoints = {p.name: p.read_bytes() for p in sorted((out / run_id / "candidates").glob("*.npz"))}
    return rows, checkpoints


def test_a_two_node_cluster_gives_the_local_lists(tmp_path: Path) -> None:
    from tests.ray_cluster import LocalRayCluster

    store = build_region(tmp_path, claimants=160, vacancies=120)
    settings = settings_for(tmp_path, **NIGHTLY)
    ctx = build_context(
        Services(settings, store=store, encoder=fake_encoder(tmp_path), scorer=TermsScorer()), progress=False
    )
    NightlyRunner(
        ctx,
        store,
        settings.nightly,
        out_dir=tmp_path / "out",
        run_id="local",
        engine=LocalEngine(),
        progress=False,
    ).run()
    expected = snapshot(store, tmp_path / "out", "local")

    # The driver in its own process: a process that once started a local Ray keeps that Ray's
    # token authentication, which a cluster without it refuses.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PASSGENAU_", "RAY_"))}
    env |= {"PYTHONPATH": os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]), **OFFLINE_ENV}
    with LocalRayCluster(cpus_per_node=1, object_store_bytes=200 << 20, env=env) as cluster:
        assert cluster.address.startswith("127.0.0.1:")
        driver_env = env | {
            "PASSGENAU_AS_OF": AS_OF.isoformat(),
            "RAY_AUTH_MODE": cluster.env["RAY_AUTH_MODE"],
            **{f"PASSGENAU_NIGHTLY__{k.upper()}": str(v) for k, v in NIGHTLY.items()},
        }
        cmd = [sys.executable, "-m", "tests.matcher.nightly.fake_cli", "--data-dir", str(tmp_path)]
        cmd += ["--log-level", "INFO", "nightly", "--engine", "ray", "--ray-address", cluster.address]
        cmd += ["--run-id", "ray", "--out", str(tmp_path / "out"), "--no-progress", "--no-measures"]
        done = subprocess.run(cmd, cwd=ROOT, env=driver_env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-4000:]
        assert all(p.poll() is None for p in cluster.procs)  # the run disconnected; the cluster is up
    assert not cluster.procs and not cluster.temp_dir.exists()  # stopped, its temp dir removed

    # One worker of one CPU on each node: both nodes computed chunks, every chunk once.
    found = re.search(r"ray: chunks per node (\{.*\})", done.stderr)
    assert found, done.stderr[-4000:]
    by_node = json.loads(found.group(1))
    assert len(by_node) == 2 and sum(by_node.values()) == CHUNKS
    manifest = json.loads((tmp_path / "out" / "ray" / "manifest.json").read_text())
    assert manifest["engine"] == "ray" and manifest["counts"]["chunks"] == CHUNKS

    rows, checkpoints = snapshot(store, tmp_path / "out", "ray")
    assert len(expected[0]) > 200 and len(expected[1]) == CHUNKS
    assert rows == expected[0]
    assert checkpoints == expected[1]  # byte for byte
