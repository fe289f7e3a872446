"""Killing ``passgenau import`` with SIGKILL at seeded points loses and doubles nothing.

The other crash tests live next to the code they cover:
- vacancy index saves (a rebuild's last step): ``tests/matcher/test_index.py``
  (``test_a_save_killed_at_each_step_leaves_a_loadable_index``, ``..._killed_at_any_moment_...``);
- the embedding cache: ``tests/models/test_cache.py::test_killed_writer_loses_nothing_committed``;
- model promotion: ``tests/training/test_retrain.py::test_killed_retrain_leaves_current_loadable``;
- the nightly run: ``tests/matcher/nightly/`` (the nightly helper's resume test).

Here a child process runs the real command (``passgenau import claimants FILE``) on SQLite and on
PostgreSQL and kills itself with SIGKILL at one point of the write: before the n-th statement of the
import's transaction (n drawn with a fixed seed), just before the commit, or just after it. The file
both inserts new claimants and updates existing ones. Afterwards the database holds exactly the state
before the import or exactly the state after a complete one (a hash over every table), and importing
the file again gives the complete state, every claimant once.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from matcher.codec import CLAIMANT_COLUMNS, PROTECTED_COLUMNS, claimant_to_row
from matcher.store import Store
from tests.matcher.test_import_fuzz import csv_bytes, fingerprint
from tests.matcher.test_importer import seeded_claimants

pytestmark = pytest.mark.slow  # imports killed in subprocesses

REPO = Path(__file__).resolve().parents[1]
ROWS = 2500  # two write chunks of 2,000 rows for the claimant and health tables
EXISTING = 600  # of them already stored, with other values: the import updates them

CHILD = textwrap.dedent(
    """
    import os, signal, sys
    import sqlalchemy.engine.base as base
    from matcher import store as store_module

    point = os.environ["KILL_POINT"]  # "statement:N", "commit:before", "commit:after" or "none"
    state = {"armed": False, "statements": 0}

    real_transaction = store_module.Store.transaction
    def transaction(self):
        state["armed"] = True  # count only the import's own statements, not the migrations'
        return real_transaction(self)
    store_module.Store.transaction = transaction

    real_execute = base.Connection.execute
    def execute(self, *args, **kwargs):
        if state["armed"]:
            state["statements"] += 1
            if point == f"statement:{state['statements']}":
                os.kill(os.getpid(), signal.SIGKILL)
        return real_execute(self, *args, **kwargs)
    base.Connection.execute = execute

    real_commit = base.Connection._commit_impl
    def commit(self):
        if state["armed"] and point == "commit:before":
            os.kill(os.getpid(), signal.SIGKILL)
        real_commit(self)
        if state["armed"] and point == "commit:after":
            os.kill(os.getpid(), signal.SIGKILL)
    base.Connection._commit_impl = commit

    # The rows carry their places: the CLI's locator loads the postcode directory (seconds) only
    # when a row lacks them, which keeps the dozen child runs fast.
    from matcher.cli import app
    try:
        app(["--data-dir", sys.argv[1], "import", "claimants", sys.argv[2]])
    finally:
        print("statements", state["statements"], flush=True)
    """
)


def run_child(data_dir: Path, file: Path, url: str, point: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KILL_POINT": point, "PASSGENAU_DATABASE_URL": url, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-c", CHILD, str(data_dir), str(file)],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )


def kill_points(seed: int, statements: int) -> list[str]:
    rng = random.Random(seed)
    return [f"statement:{n}" for n in sorted(rng.sample(range(1, statements + 1), 2))] + [
        "commit:before",
        "commit:after",
    ]


@pytest.fixture(scope="module")
def claimants_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    items = seeded_claimants(ROWS, seed=11)
    path = tmp_path_factory.mktemp("kill") / "kunden.csv"
    path.write_bytes(
        csv_bytes([*CLAIMANT_COLUMNS, *PROTECTED_COLUMNS], [claimant_to_row(c, p) for c, p in items])
    )
    return path


def _seed(url: str) -> None:
    """Claimants already stored: the first EXISTING of the file with other values, and others."""
    import dataclasses

    items = seeded_claimants(ROWS, seed=11)[:EXISTING]
    with Store.open(url) as store:
        store.upsert_claimants([(dataclasses.replace(c, team="Team alt"), None) for c, _ in items])
        store.upsert_claimants([(dataclasses.replace(c, id=f"OLD-{c.id}"), p) for c, p in items[:50]])


def test_an_import_killed_at_seeded_points_leaves_all_or_nothing(
    db_url: str, claimants_file: Path, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    _seed(db_url)
    before = fingerprint(db_url)

    # A complete import gives the "after" state and the number of statements to draw kill points from.
    complete = run_child(data_dir, claimants_file, db_url, "none")
    assert complete.returncode == 0, complete.stderr[-2000:]
    statements = int(complete.stdout.split("statements")[-1])
    assert statements >= 8  # a select and a write per chunk and table
    after = fingerprint(db_url)
    assert after != before
    with Store.open(db_url) as store:
        counts_after = store.counts()
        assert counts_after["claimants"] == ROWS + 50
        rows_after = {c.id: c for c in store.list_claimants(active_only=False)}

    points = kill_points(seed=20261125, statements=statements)
    for point in points:
        _reset(db_url)
        _seed(db_url)
        assert fingerprint(db_url) == before
        killed = run_child(data_dir, claimants_file, db_url, point)
        assert killed.returncode == -9, f"{point}: {killed.returncode} {killed.stderr[-2000:]}"
        state = fingerprint(db_url)
        expected = after if point == "commit:after" else before
        assert state == expected, f"killed at {point}: neither all nor nothing"
        if point not in (points[0], "commit:before"):
            continue  # (two re-imports show it; each child run costs seconds)
        # Importing the file again completes it, every claimant once.
        again = run_child(data_dir, claimants_file, db_url, "none")
        assert again.returncode == 0, again.stderr[-2000:]
        assert fingerprint(db_url) == after
        with Store.open(db_url) as store:
            assert store.counts() == counts_after
            assert {c.id: c for c in store.list_claimants(active_only=False)} == rows_after


def _reset(url: str) -> None:
    """Drop every table (the next Store.open migrates afresh)."""
    from matcher.store import downgrade

    downgrade(url, "base")


# -- the embedding cache's compaction (the erasure of a claimant's vector) ------------------------------

COMPACTOR = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    import numpy as np
    from models.cache import EmbeddingCache

    root, point = Path(sys.argv[1]), sys.argv[2]  # "fsync:N" or "unlink"
    cache = EmbeddingCache(root, "m", 8)
    calls = 0
    real_fsync, real_unlink = os.fsync, Path.unlink

    def fsync(fd):
        global calls
        real_fsync(fd)
        calls += 1
        if point == f"fsync:{calls}":
            os.kill(os.getpid(), signal.SIGKILL)

    def unlink(self, missing_ok=False):
        if point == "unlink":
            os.kill(os.getpid(), signal.SIGKILL)
        real_unlink(self, missing_ok=missing_ok)

    os.fsync = fsync
    Path.unlink = unlink
    cache.compact({"h3"})
    print("done", calls, flush=True)
    """
)


def _vectors(n: int) -> np.ndarray:
    rng = np.random.default_rng(5)
    v = rng.standard_normal((n, 8)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


@pytest.mark.parametrize("point", ["fsync:1", "fsync:2", "fsync:3", "unlink"])
def test_a_compaction_killed_at_each_step_leaves_the_cache_whole_and_the_next_one_erases(
    tmp_path: Path, point: str
) -> None:
    from models.cache import EmbeddingCache

    vectors = _vectors(6)
    keys = [f"h{i}" for i in range(6)]
    EmbeddingCache(tmp_path, "m", 8).add(keys, vectors)
    erased = vectors[3].tobytes()
    proc = subprocess.run(
        [sys.executable, "-c", COMPACTOR, str(tmp_path), point],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == -9, proc.stdout + proc.stderr
    cache = EmbeddingCache(tmp_path, "m", 8)
    got, found = cache.get(keys)
    # Whole: either every vector (killed before the manifest switched) or every one but h3.
    assert found.tolist() in ([True] * 6, [True, True, True, False, True, True])
    assert np.array_equal(got[found], vectors[found])
    # The eraser runs again (the erasure was not confirmed): afterwards no file holds the vector.
    cache.compact({"h3"})
    assert EmbeddingCache(tmp_path, "m", 8).get(["h3"])[1].tolist() == [False]
    holding = [p.name for p in tmp_path.rglob("*") if p.is_file() and erased in p.read_bytes()]
    assert holding == []
