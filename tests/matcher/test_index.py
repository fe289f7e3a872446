"""FaissIndex: exact search against numpy, IVF recall, filters, updates, persistence, crash safety."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.errors import BundleMismatch, UnknownVacancy
from matcher.index import CURRENT, FaissIndex, current_version

MODEL = "test-model"


def unit(a: np.ndarray) -> np.ndarray:
    return (a / np.linalg.norm(a, axis=1, keepdims=True)).astype(np.float32)


def exact_vectors(n: int, seed: int) -> np.ndarray:
    """Entries ±0.25 in 16 dims: unit norm, and every inner product is a multiple of 1/16 that float32
    computes exactly in any summation order, so scores tie often and compare exactly."""
    rng = np.random.default_rng(seed)
    return rng.choice(np.array([-0.25, 0.25], dtype=np.float32), size=(n, 16))


def clustered(n: int, dim: int, seed: int, noise: float = 1.0) -> np.ndarray:
    """Topics → subtopics → points, like real embeddings (uniform random vectors flatter IVF badly)."""
    rng = np.random.default_rng(seed)
    topics = unit(rng.standard_normal((max(4, n // 2000), dim)))
    ns = max(8, n // 50)
    sub = unit(topics[rng.integers(len(topics), size=ns)] + 0.7 * unit(rng.standard_normal((ns, dim))))
    return unit(sub[rng.integers(ns, size=n)] + noise * unit(rng.standard_normal((n, dim))))


def vids(n: int, prefix: str = "V") -> list[str]:
    return [f"{prefix}{i:06d}" for i in range(n)]


def brute(x: np.ndarray, ids: np.ndarray, q: np.ndarray, k: int, mask: np.ndarray | None = None):
    """Reference: numpy dot product, score descending, ties by vacancy id."""
    cols = np.arange(len(ids)) if mask is None else np.flatnonzero(mask)
    s = q @ x[cols].T
    out_ids, out_s = [], []
    for row in s:
        order = np.lexsort((ids[cols], -row))[:k]
        out_ids.append(ids[cols][order].tolist())
        out_s.append(row[order])
    return np.array(out_s, dtype=np.float32).reshape(len(q), -1), out_ids


def recall_at(got: list[list[str]], want: list[list[str]]) -> float:
    return float(np.mean([len(set(g) & set(w)) / len(w) for g, w in zip(got, want, strict=True)]))


# -- exact search -----------------------------------------------------------------------------


N_EXACT = 20_000


@pytest.fixture(scope="module")
def exact_data() -> tuple[FaissIndex, np.ndarray, np.ndarray]:
    x = exact_vectors(N_EXACT, seed=1)
    ids = np.array(vids(N_EXACT))
    perm = np.random.default_rng(2).permutation(N_EXACT)  # arrival order must not matter
    return FaissIndex.build(x[perm], ids[perm], MODEL), x, ids


@pytest.mark.parametrize("k", [1, 7, 50, 19_999, 20_000, 25_000])
def test_exact_search_equals_numpy_brute_force_with_ties_by_id(exact_data, k: int) -> None:
    idx, x, ids = exact_data
    assert idx.kind == "exact" and idx.count == N_EXACT
    q = exact_vectors(25, seed=3)
    scores, got = idx.search(q, k)
    want_s, want = brute(x, ids, q, k)
    assert got == want
    np.testing.assert_array_equal(scores, want_s)
    assert scores.shape == (25, min(k, N_EXACT))


def test_exact_search_on_continuous_vectors_matches_numpy() -> None:
    rng = np.random.default_rng(4)
    x, ids = unit(rng.standard_normal((6000, 48))), np.array(vids(6000))
    idx = FaissIndex.build(x, ids, MODEL)
    q = unit(rng.standard_normal((40, 48)))
    scores, got = idx.search(q, 30)
    want_s, want = brute(x, ids, q, 30)
    assert got == want
    np.testing.assert_allclose(scores, want_s, atol=1e-5)


@pytest.mark.parametrize("eligible", [3, 40, 1000, 12_000])  # numpy subset, then faiss with a bitmap
def test_allowed_mask_on_exact_index(exact_data, eligible: int) -> None:
    idx, _, _ = exact_data
    rng = np.random.default_rng(eligible)
    allowed = np.zeros(idx.count, dtype=bool)
    allowed[rng.choice(idx.count, eligible, replace=False)] = True
    q = exact_vectors(10, seed=5)
    _, got = idx.search(q, 50, allowed=allowed)
    assert all(len(row) == min(50, eligible) for row in got)
    allowed_ids = set(idx.ids[allowed].tolist())
    assert all(set(row) <= allowed_ids for row in got)
    # Exact: also the same list as numpy on the eligible subset (the mask is over idx.ids order).
    x_internal = idx.vectors()
    _, want = brute(x_internal, idx.ids, q, 50, allowed)
    assert got == want
    # The same filter given as a set of vacancy ids.
    assert idx.search(q, 50, allowed=allowed_ids)[1] == got


@pytest.mark.parametrize("queries", [1, 3])
@pytest.mark.parametrize("eligible", [1, 40, 1000, 4000])
def test_few_queries_over_a_subset_score_it_in_place(exact_data, queries: int, eligible: int) -> None:
    """A lookup's query over a small eligible subset is scored without copying the subset out
    (``topk._scores_at``): the same lists and scores as numpy on the subset, ties by id."""
    idx, _, _ = exact_data
    rng = np.random.default_rng(100 + eligible)
    allowed = np.zeros(idx.count, dtype=bool)
    allowed[rng.choice(idx.count, eligible, replace=False)] = True
    q = exact_vectors(queries, seed=7)
    scores, got = idx.search(q, 50, allowed=allowed)
    want_s, want = brute(idx.vectors(), idx.ids, q, 50, allowed)
    assert got == want
    np.testing.assert_array_equal(scores, want_s)


def test_search_edge_cases(exact_data) -> None:
    idx, _, _ = exact_data
    q = exact_vectors(2, seed=6)
    scores, got = idx.search(q, 10, allowed=np.zeros(idx.count, dtype=bool))
    assert scores.shape == (2, 0) and got == [[], []]
    assert len(idx.search(q[0], 5)[1]) == 1  # one query as a 1-d vector
    with pytest.raises(ValueError, match="k must be"):
        idx.search(q, 0)
    with pytest.raises(ValueError, match="dimension"):
        idx.search(np.ones((1, 8), dtype=np.float32), 3)
    with pytest.raises(ValueError, match="mask"):
        idx.search(q, 3, allowed=np.ones(3, dtype=bool))
    empty = FaissIndex.build(np.zeros((0, 16), dtype=np.float32), [], MODEL)
    assert empty.count == 0 and empty.search(q, 5)[1] == [[], []]


def test_build_refuses_bad_input() -> None:
    x = exact_vectors(10, seed=7)
    with pytest.raises(ValueError, match="normalised"):
        FaissIndex.build(x * 2, vids(10), MODEL)
    with pytest.raises(ValueError, match="duplicate"):
        FaissIndex.build(x, ["V1"] * 10, MODEL)
    with pytest.raises(ValueError, match="NaN"):
        FaissIndex.build(np.full((2, 16), np.nan, dtype=np.float32), vids(2), MODEL)
    with pytest.raises(ValueError, match="expected 10"):
        FaissIndex.build(x, vids(9), MODEL)


@pytest.mark.slow  # a subprocess
def test_importing_the_module_does_not_import_faiss() -> None:
    code = "import sys, matcher.index; print('faiss' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# -- IVF --------------------------------------------------------------------------------------

N_IVF, DIM = 20_000, 384


@pytest.fixture(scope="module")
def ivf_data() -> tuple[FaissIndex, np.ndarray, np.ndarray, np.ndarray]:
    # 200 extra points from the same clusters are never indexed: they are the test's own queries.
    pts = clustered(N_IVF + 200, DIM, seed=11)
    x, q, ids = pts[:N_IVF], pts[N_IVF:], np.array(vids(N_IVF))
    # exact_below lowered so that IVF is built on 20k vectors (keeps the test to a few seconds);
    # nprobe starts at 2 so that the build has to tune it upwards.
    idx = FaissIndex.build(x, ids, MODEL, exact_below=10_000, nprobe=2, recall_target=0.98, seed=0)
    return idx, x, ids, q


def test_ivf_meets_recall_bar_and_records_it(ivf_data, tmp_path: Path) -> None:
    idx, x, ids, q = ivf_data
    assert idx.kind == "ivf"
    info = idx.info
    assert info["recall_at_50"] >= 0.98
    assert info["recall"]["held_out"] >= 0.98 and info["recall"]["tuning"] >= 0.98
    tried = info["recall"]["tried"]
    assert tried[0][0] == 2 and tried[-1][0] == idx.nprobe > 2  # tuned upwards from the setting
    assert all(t[1] < 0.98 or (t[2] is not None and t[2] < 0.98) for t in tried[:-1])
    # Independent check on queries the build never saw.
    _, got = idx.search(q, 50)
    _, want = brute(x, ids, q, 50)
    assert recall_at(got, want) >= 0.975
    manifest = json.loads((idx.save(tmp_path) / "manifest.json").read_text())
    assert manifest["kind"] == "ivf" and manifest["nprobe"] == idx.nprobe
    assert manifest["recall_at_50"] == info["recall_at_50"]
    assert manifest["build_seconds"] > 0 and manifest["count"] == N_IVF and manifest["dim"] == DIM


def test_ivf_build_is_deterministic(ivf_data) -> None:
    import faiss

    idx, x, ids, q = ivf_data
    again = FaissIndex.build(x[::-1], ids[::-1], MODEL, exact_below=10_000, nprobe=2, seed=0)
    assert again.version.split("-")[1] == idx.version.split("-")[1]
    assert again.nprobe == idx.nprobe
    np.testing.assert_array_equal(faiss.serialize_index(again._index), faiss.serialize_index(idx._index))
    assert again.search(q, 50)[1] == idx.search(q, 50)[1]


def test_ivf_falls_back_to_exact_when_the_bar_cannot_be_met() -> None:
    # Uniform random vectors in 64 dims have no cluster structure for IVF to exploit.
    x = unit(np.random.default_rng(12).standard_normal((4000, 64)))
    idx = FaissIndex.build(x, vids(4000), MODEL, exact_below=1000, nprobe=4, recall_target=0.99)
    assert idx.kind == "exact" and idx.nprobe is None
    assert "falling back to exact" in idx.info["note"]
    assert idx.info["recall_at_50"] == 1.0 and idx.info["recall"]["ivf_attempt"]["tried"]


@pytest.mark.parametrize("eligible", [3, 40, 600, 3000, 12_000])
def test_allowed_mask_on_ivf_returns_exactly_min_k_eligible(ivf_data, eligible: int) -> None:
    idx, _, _, q = ivf_data
    rng = np.random.default_rng(eligible)
    allowed = np.zeros(idx.count, dtype=bool)
    allowed[rng.choice(idx.count, eligible, replace=False)] = True
    scores, got = idx.search(q[:30], 50, allowed=allowed)
    allowed_ids = set(idx.ids[allowed].tolist())
    assert all(len(row) == min(50, eligible) == len(set(row)) for row in got)
    assert all(set(row) <= allowed_ids for row in got)
    assert (np.diff(scores, axis=1) <= 0).all()


def test_ivf_filter_that_empties_the_probed_lists_falls_back_to_exact(ivf_data) -> None:
    # Half of the vacancies are eligible (IVF probes twice nprobe lists), but none of them lies in
    # the lists nearest the query: faiss returns too few, and the query is answered exactly.
    idx, _, _, q = ivf_data
    quantizer = idx._index.quantizer
    _, near = quantizer.search(q[:1], 3 * idx.nprobe)
    _, home = quantizer.search(idx.vectors(), 1)
    allowed = ~np.isin(home[:, 0], near[0])
    allowed[np.flatnonzero(allowed)[: max(0, int(allowed.sum()) - idx.count // 2 - 1000)]] = False
    assert int(allowed.sum()) > 10_000
    scores, got = idx.search(q[:1], 50, allowed=allowed)
    want_s, want = brute(idx.vectors(), idx.ids, q[:1], 50, allowed)
    assert got == want
    np.testing.assert_allclose(scores, want_s, atol=1e-5)


def test_ivf_recall_under_a_filter_unrelated_to_the_text(ivf_data) -> None:
    idx, _, _, q = ivf_data
    allowed = np.random.default_rng(24).random(idx.count) < 0.6  # 12k eligible: IVF with a bitmap
    _, got = idx.search(q, 50, allowed=allowed)
    _, want = brute(idx.vectors(), idx.ids, q, 50, allowed)
    assert recall_at(got, want) >= 0.975


# -- updates ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["exact", "ivf"])
def test_add_remove_upsert(kind: str, tmp_path: Path) -> None:
    x = clustered(4000, 32, seed=13)
    idx = FaissIndex.build(x, vids(4000), MODEL, exact_below=2000 if kind == "ivf" else 50_000, nprobe=8)
    assert idx.kind == kind
    v0 = idx.version
    new = clustered(50, 32, seed=14)
    idx.add(new, vids(50, prefix="N"))
    assert idx.count == 4050 and idx.version != v0
    np.testing.assert_array_equal(idx.vector("N000007"), new[7])
    assert idx.search(new[7], 1)[1] == [["N000007"]]
    with pytest.raises(ValueError, match="upsert"):
        idx.add(new[:1], ["N000007"])

    assert idx.remove(["N000007", "V000000"]) == 2
    assert idx.count == 4048
    assert "N000007" not in idx.search(new[7], 50)[1][0]
    with pytest.raises(UnknownVacancy):
        idx.remove(["N000007"])
    with pytest.raises(UnknownVacancy):
        idx.vector("N000007")
    assert idx.remove(["N000007", "nope"], missing_ok=True) == 0

    # Upsert: V000001 moves to where N000008 is; N999999 is new.
    idx.upsert(np.stack([new[8], new[9]]), ["V000001", "N999999"])
    assert idx.count == 4049
    top = idx.search(new[8], 2)[1][0]
    assert sorted(top) == ["N000008", "V000001"]  # identical vectors tie; ordered by id
    assert top == ["N000008", "V000001"]
    np.testing.assert_array_equal(idx.vectors(["V000001"])[0], new[8])

    # After removals labels have holes; a mask over ids must still line up.
    allowed = np.char.startswith(idx.ids.astype(str), "N")
    _, got = idx.search(new[:5], 10, allowed=allowed)
    assert all(len(r) == 10 and all(v.startswith("N") for v in r) for r in got)

    idx.save(tmp_path / "ix")
    loaded = FaissIndex.load(tmp_path / "ix")
    assert loaded.version == idx.version and loaded.count == 4049
    assert loaded.search(new, 20, allowed=allowed)[1] == idx.search(new, 20, allowed=allowed)[1]
    assert loaded.info["added_since_build"] == 52 and loaded.info["removed_since_build"] == 3
    loaded.add(clustered(3, 32, seed=15), ["Z1", "Z2", "Z3"])  # labels continue after the last one
    assert loaded.search(loaded.vector("Z2"), 1)[1] == [["Z2"]]


def test_upsert_with_a_bad_vector_changes_nothing() -> None:
    x = exact_vectors(20, seed=16)
    idx = FaissIndex.build(x, vids(20), MODEL)
    v = idx.version
    with pytest.raises(ValueError):
        idx.upsert(np.ones((1, 16), dtype=np.float32), ["V000001"])
    assert idx.version == v and idx.count == 20


# -- persistence ------------------------------------------------------------------------------


def test_save_load_round_trip(ivf_data, tmp_path: Path) -> None:
    idx, _, _, q = ivf_data
    path = idx.save(tmp_path)
    assert path.name == idx.version and current_version(tmp_path) == idx.version
    assert (tmp_path / CURRENT).is_symlink()
    assert sorted(p.name for p in path.iterdir()) == [
        "ids.npy", "index.faiss", "labels.npy", "manifest.json", "vectors.npy",
    ]  # fmt: skip
    loaded = FaissIndex.load(tmp_path, model_id=MODEL)
    assert (loaded.version, loaded.kind, loaded.nprobe, loaded.count) == (
        idx.version, "ivf", idx.nprobe, idx.count,
    )  # fmt: skip
    np.testing.assert_array_equal(loaded.ids, idx.ids)
    np.testing.assert_array_equal(loaded.vectors(), idx.vectors())
    s1, i1 = idx.search(q, 50)
    s2, i2 = loaded.search(q, 50)
    assert i1 == i2
    np.testing.assert_array_equal(s1, s2)
    assert loaded.info["recall_at_50"] == idx.info["recall_at_50"]
    with pytest.raises(BundleMismatch, match="embedder"):
        FaissIndex.load(tmp_path, model_id="another-model")
    with pytest.raises(BundleMismatch, match="no index"):
        FaissIndex.load(tmp_path / "empty")


def test_save_keeps_the_last_versions(tmp_path: Path) -> None:
    idx = FaissIndex.build(exact_vectors(30, seed=17), vids(30), MODEL)
    versions = []
    for i in range(5):
        idx.add(exact_vectors(1, seed=100 + i), [f"A{i}"])
        versions.append(idx.save(tmp_path, keep=3).name)
    kept = sorted(p.name for p in tmp_path.iterdir() if p.is_dir() and not p.is_symlink())
    assert current_version(tmp_path) == versions[-1]
    assert len(set(versions)) == 5 and set(kept) == set(versions[-3:])
    assert idx.save(tmp_path).name == versions[-1]  # unchanged content: same version, no rewrite


@pytest.mark.parametrize("name", ["index.faiss", "vectors.npy", "ids.npy", "labels.npy"])
def test_one_changed_byte_is_a_bundle_mismatch(tmp_path: Path, name: str) -> None:
    idx = FaissIndex.build(exact_vectors(300, seed=18), vids(300), MODEL)
    path = idx.save(tmp_path) / name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(BundleMismatch, match=name):
        FaissIndex.load(tmp_path)


def test_an_edited_manifest_is_a_bundle_mismatch(tmp_path: Path) -> None:
    idx = FaissIndex.build(exact_vectors(300, seed=19), vids(300), MODEL)
    path = idx.save(tmp_path) / "manifest.json"
    path.write_text(path.read_text().replace('"recall_at_50": 1.0', '"recall_at_50": 0.9'))
    with pytest.raises(BundleMismatch, match="manifest"):
        FaissIndex.load(tmp_path)
    path.write_text("{not json")
    with pytest.raises(BundleMismatch):
        FaissIndex.load(tmp_path)


def test_load_ignores_stray_temporaries_and_save_removes_them(tmp_path: Path) -> None:
    old = FaissIndex.build(exact_vectors(50, seed=20), vids(50), MODEL)
    old.save(tmp_path)
    # What a save killed half-way leaves behind: a partial directory and a pointer symlink.
    stray = tmp_path / f".tmp-{old.version[:-1]}0-99999"
    stray.mkdir()
    (stray / "vectors.npy").write_bytes(b"half-written")
    os.symlink(stray.name, tmp_path / ".tmp-current-99999")
    assert FaissIndex.load(tmp_path).version == old.version
    new = FaissIndex.build(exact_vectors(60, seed=21), vids(60), MODEL)
    new.save(tmp_path)
    assert not any(p.name.startswith(".tmp-") for p in tmp_path.iterdir())
    assert FaissIndex.load(tmp_path).version == new.version


FIXTURE = Path(__file__).parent / "data" / "index-v1"


def test_an_index_saved_before_matcher_artifacts_still_loads() -> None:
    """Saved by the single-module index (``git show 8b82108:matcher/index.py``), whose manifest digest
    hashed JSON with non-ASCII escaped; the model id has an umlaut so that the difference shows."""
    loaded = FaissIndex.load(FIXTURE, model_id="e5-klein-für-Tests")
    assert (loaded.version, loaded.count, loaded.dim, loaded.kind) == (
        current_version(FIXTURE),
        12,
        8,
        "exact",
    )
    _, got = loaded.search(loaded.vectors()[:3], 4)
    assert got == [
        ["V000", "V011", "V007", "V009"], ["V001", "V006", "V003", "V010"], ["V002", "V003", "V009", "V004"],
    ]  # fmt: skip


# -- a process killed during a rebuild ----------------------------------------------------------

SAVER = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    import numpy as np
    from matcher.index import FaissIndex

    root, stop_at, n = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    x = np.random.default_rng(1).standard_normal((n, 64)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    idx = FaissIndex.build(x, [f"N{i:07d}" for i in range(n)], "model-b", exact_below=10**9)
    calls = 0
    real_fsync = os.fsync

    def fsync(fd):
        # Every durable step of a save ends in an fsync: stopping at the n-th one freezes the save
        # right there, and the parent kills it with SIGKILL.
        global calls
        calls += 1
        if calls == stop_at:
            print("stopped", flush=True)
            time.sleep(600)
        real_fsync(fd)

    os.fsync = fsync
    print("saving", idx.version, flush=True)
    idx.save(root)
    print("done", calls, flush=True)
    """
)

# 4 data files + manifest, the temporary directory, root after the rename, root after the swap.
FSYNCS_PER_SAVE = 8


def run_saver(root: Path, stop_at: int, n: int, kill_after: float | None = None) -> tuple[str, str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", SAVER, str(root), str(stop_at), str(n)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    try:
        new_version = proc.stdout.readline().split()[1]
        if kill_after is not None:
            # Wait until the save has started writing its temporary directory, then kill it.
            deadline = time.monotonic() + 60
            while not any(p.name.startswith(f".tmp-{new_version}") for p in root.iterdir()):
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise AssertionError("the save never started writing")
                time.sleep(0.001)
            time.sleep(kill_after)
            status = "killed"
        else:
            status = proc.stdout.readline().strip()
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return new_version, status


@pytest.fixture
def saved_root(tmp_path: Path) -> tuple[Path, str]:
    old = FaissIndex.build(exact_vectors(100, seed=22), vids(100), "model-a")
    old.save(tmp_path)
    return tmp_path, old.version


@pytest.mark.slow  # a subprocess
@pytest.mark.parametrize("stop_at", range(1, FSYNCS_PER_SAVE + 1))
def test_a_save_killed_at_each_step_leaves_a_loadable_index(saved_root, stop_at: int) -> None:
    root, old_version = saved_root
    new_version, status = run_saver(root, stop_at, n=2000)
    assert status == "stopped"
    loaded = FaissIndex.load(root)
    if stop_at < FSYNCS_PER_SAVE:
        assert loaded.version == old_version and loaded.model_id == "model-a"
    else:  # killed after the pointer swap: the new version is complete and live
        assert loaded.version == new_version and loaded.model_id == "model-b"
    assert len(loaded.search(loaded.vectors()[:1], 5)[1][0]) == 5
    # The next save cleans up after the killed one and goes live.
    again = FaissIndex.build(exact_vectors(40, seed=23), vids(40), "model-c")
    again.save(root)
    assert FaissIndex.load(root).version == again.version
    assert not any(p.name.startswith(".tmp-") for p in root.iterdir())


def test_the_fsync_count_of_a_save_is_what_the_kill_test_assumes(saved_root) -> None:
    root, _ = saved_root
    new_version, status = run_saver(root, stop_at=10**9, n=500)
    assert status == f"done {FSYNCS_PER_SAVE}"
    assert current_version(root) == new_version


@pytest.mark.slow  # a subprocess
@pytest.mark.parametrize("kill_after", [0.0, 0.02, 0.1])
def test_a_large_save_killed_at_any_moment_leaves_a_loadable_index(saved_root, kill_after: float) -> None:
    root, old_version = saved_root
    new_version, _ = run_saver(root, stop_at=10**9, n=300_000, kill_after=kill_after)  # ~160 MB
    loaded = FaissIndex.load(root)
    assert loaded.version == current_version(root)
    assert loaded.version in (old_version, new_version)


# -- properties -------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(
    n=st.integers(1, 60),
    k=st.integers(1, 25),
    seed=st.integers(0, 10_000),
    p_allowed=st.sampled_from([0.0, 0.05, 0.3, 1.0]),
)
def test_search_properties(n: int, k: int, seed: int, p_allowed: float) -> None:
    rng = np.random.default_rng(seed)
    x = exact_vectors(n, seed)[:, :4] * 2  # 4 dims of ±0.5: unit norm, many exact ties
    ids = np.array([f"V{i:04d}" for i in rng.permutation(10 * n)[:n]])
    idx = FaissIndex.build(x, ids, MODEL)
    allowed = rng.random(n) < p_allowed
    q = exact_vectors(3, seed + 1)[:, :4] * 2
    scores, got = idx.search(q, k, allowed=allowed)
    allowed_ids = set(idx.ids[allowed].tolist())
    for srow, row in zip(scores, got, strict=True):
        assert len(row) == min(k, int(allowed.sum())) == len(set(row))
        assert set(row) <= allowed_ids
        assert all(
            a > b or (a == b and ia < ib) for a, b, ia, ib in zip(srow, srow[1:], row, row[1:], strict=False)
        )
