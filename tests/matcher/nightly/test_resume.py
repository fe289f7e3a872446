"""A real `passgenau nightly` process SIGKILLed at three seeded points, then resumed: same lists."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from matcher.artifacts import KILL_ENV
from matcher.bootstrap import Services
from matcher.cli.nightly import build_context
from matcher.nightly.engines import LocalEngine
from matcher.nightly.runner import NightlyRunner
from matcher.store import Store
from tests.matcher.nightly.region import AS_OF, TermsScorer, build_region, fake_encoder, settings_for

pytestmark = pytest.mark.slow  # nightly runs killed in subprocesses

ROOT = Path(__file__).resolve().parents[3]
NIGHTLY = {"top_n": 4, "chunk_size": 40, "capacity_factor": 2.0}
CHUNKS = 6  # 240 claimants / 40


def passgenau(data_dir: Path, out: Path, kill_at: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PASSGENAU_")}
    env |= {
        "PASSGENAU_AS_OF": AS_OF.isoformat(),
        **{f"PASSGENAU_NIGHTLY__{k.upper()}": str(v) for k, v in NIGHTLY.items()},
    }
    if kill_at is not None:
        env[KILL_ENV] = kill_at
    cmd = [sys.executable, "-m", "tests.matcher.nightly.fake_cli", "--data-dir", str(data_dir)]
    cmd += ["nightly", "--run-id", "night-1", "--out", str(out), "--no-progress"]
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def snapshot(store: Store, lists: Path) -> tuple[list[tuple[object, ...]], dict[str, bytes]]:
    rows = [(r.claimant_id, r.rank, r.vacancy_id, r.score, r.payload) for r in store.list_nightly("night-1")]
    files = {str(p.relative_to(lists)): p.read_bytes() for p in sorted(lists.rglob("*")) if p.is_file()}
    return rows, files


def test_killed_three_times_then_resumed_gives_the_uninterrupted_lists(tmp_path: Path) -> None:
    # The uninterrupted run, in process, into its own database and folder.
    ref_dir = tmp_path / "ref"
    ref_store = build_region(ref_dir)
    settings = settings_for(ref_dir, **NIGHTLY)
    ctx = build_context(
        Services(settings, store=ref_store, encoder=fake_encoder(ref_dir), scorer=TermsScorer()),
        progress=False,
    )
    NightlyRunner(
        ctx,
        ref_store,
        settings.nightly,
        out_dir=ref_dir / "out",
        run_id="night-1",
        engine=LocalEngine(),
        progress=False,
    ).run()
    expected = snapshot(ref_store, ref_dir / "out" / "night-1" / "lists")
    assert len(expected[0]) > 300 and len(expected[1]) > 30

    data_dir = tmp_path / "killed"
    store = build_region(data_dir)
    out = data_dir / "out"
    rng = random.Random(7)
    # One kill inside candidate generation, one inside the writing of the lists, one after them.
    points = [f"chunk:{rng.randrange(CHUNKS - 1)}", f"file:{rng.randint(1, 30)}", rng.choice(["lists", "db"])]
    for point in points:
        proc = passgenau(data_dir, out, point)
        assert proc.returncode == -signal.SIGKILL, (point, proc.stderr[-2000:])
        done = sorted(p.name for p in (out / "night-1" / "candidates").glob("chunk-*.npz"))
        if point.startswith("chunk:"):
            # Checkpoints up to the kill point, none beyond, no temporary left as a checkpoint.
            assert done == [f"chunk-{i:05d}.npz" for i in range(int(point.split(":")[1]) + 1)], point
            run = store.get_nightly_run("night-1")
            assert run is not None and run.status == "running" and store.list_nightly("night-1") == []
        else:
            assert len(done) == CHUNKS
    proc = passgenau(data_dir, out, None)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert f"{CHUNKS} chunks ({CHUNKS} from checkpoints)" in proc.stdout
    assert "largest exposure of a vacancy" in proc.stdout and "expected lasting placements" in proc.stdout
    assert snapshot(store, out / "night-1" / "lists") == expected
    claimants = [r.claimant_id for r in store.list_nightly("night-1") if r.rank == 1]
    assert len(claimants) == len(set(claimants))
    assert not list((out / "night-1").glob("lists.*")) and not list(out.rglob(".*.tmp"))
    run = store.get_nightly_run("night-1")
    assert run is not None and run.status == "complete"


@pytest.mark.parametrize("bad", ["x y", ""])
def test_a_bad_run_id_is_refused(tmp_path: Path, bad: str) -> None:
    from typer.testing import CliRunner

    from matcher.cli import app

    result = CliRunner().invoke(app, ["--data-dir", str(tmp_path), "nightly", "--run-id", bad])
    assert result.exit_code == 2 and "run_id" in result.output
