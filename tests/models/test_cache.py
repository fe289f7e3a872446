from __future__ import annotations

import contextlib
import gc
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from matcher.errors import BundleMismatch
from models.cache import EmbeddingCache


def fake_encode(texts):
    """Deterministic unit vectors from the text bytes; counts calls through a list attribute."""
    fake_encode.calls.append(len(texts))
    out = np.zeros((len(texts), 8), dtype=np.float32)
    for i, t in enumerate(texts):
        rng = np.random.default_rng(sum(t.encode()))
        v = rng.standard_normal(8).astype(np.float32)
        out[i] = v / np.linalg.norm(v)
    return out


fake_encode.calls = []


@pytest.fixture(autouse=True)
def _reset_calls():
    fake_encode.calls.clear()


def test_only_missing_texts_are_embedded(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path, "fake/model", 8)
    texts = ["a", "b", "c", "a"]
    first = cache.embed(["ha", "hb", "hc", "ha"], texts, fake_encode, chunk=2)
    assert fake_encode.calls == [2, 1]  # "a" twice is embedded once
    assert np.allclose(first[0], first[3])
    again = cache.embed(["hb", "hd"], ["b", "d"], fake_encode)
    assert fake_encode.calls == [2, 1, 1]
    assert np.array_equal(again[0], first[1])
    assert len(cache) == 4


def test_reopened_cache_sees_committed_rows(tmp_path: Path) -> None:
    a = EmbeddingCache(tmp_path, "m", 8)
    a.embed(["h1", "h2"], ["x", "y"], fake_encode)
    b = EmbeddingCache(tmp_path, "m", 8)
    vecs, found = b.get(["h2", "h1", "h3"])
    assert found.tolist() == [True, True, False]
    assert np.array_equal(vecs[2], np.zeros(8, dtype=np.float32))


def test_other_model_or_dim_is_refused(tmp_path: Path) -> None:
    EmbeddingCache(tmp_path, "m", 8)
    with pytest.raises(BundleMismatch):
        EmbeddingCache(tmp_path, "m", 16)


def test_uncommitted_rows_are_ignored_and_truncated(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path, "m", 8)
    cache.embed(["h1"], ["x"], fake_encode)
    # A writer killed after appending but before committing leaves extra bytes and keys.
    with open(cache.dir / "vectors-0.f32", "ab") as fh:
        fh.write(b"\x00" * 8 * 4 * 3 + b"\x01\x02")
    with open(cache.dir / "keys-0.txt", "a") as fh:
        fh.write("junk1\njunk2\npartial")
    fresh = EmbeddingCache(tmp_path, "m", 8)
    assert len(fresh) == 1
    assert fresh.get(["junk1"])[1].tolist() == [False]
    fresh.embed(["h2"], ["y"], fake_encode)
    again = EmbeddingCache(tmp_path, "m", 8)
    vecs, found = again.get(["h1", "h2", "junk1"])
    assert found.tolist() == [True, True, False]
    assert np.allclose(vecs[1], fake_encode(["y"])[0])
    assert (cache.dir / "vectors-0.f32").stat().st_size == 2 * 8 * 4


def test_compact_drops_hashes(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path, "m", 8)
    cache.embed(["h1", "h2", "h3"], ["x", "y", "z"], fake_encode)
    assert cache.compact({"h2"}) == 1
    fresh = EmbeddingCache(tmp_path, "m", 8)
    vecs, found = fresh.get(["h1", "h2", "h3"])
    assert found.tolist() == [True, False, True]
    assert np.allclose(vecs[2], fake_encode(["z"])[0])
    assert not (cache.dir / "vectors-0.f32").exists()


def _mapped(path: Path) -> bool:
    return any(line.endswith(str(path)) for line in Path("/proc/self/maps").read_text().splitlines())


def test_vectors_are_mapped_only_while_read(tmp_path: Path) -> None:
    """The cache keeps no vectors in memory: a read maps the file and unmaps it before returning."""
    cache = EmbeddingCache(tmp_path, "m", 8)
    written = cache.embed(["h1", "h2", "h3"], ["x", "y", "z"], fake_encode)
    vecs, found = cache.get(["h3", "h1", "h9"])
    assert found.tolist() == [True, True, False]
    assert np.array_equal(vecs[:2], written[[2, 0]]) and not vecs[2].any()
    assert vecs.flags.owndata and vecs.flags.writeable
    assert not _mapped(cache.dir / "vectors-0.f32")
    every, _ = cache.get(["h2", "h3", "h1"])  # all found: one gather
    assert np.array_equal(every, written[[1, 2, 0]]) and not _mapped(cache.dir / "vectors-0.f32")


def test_a_compaction_between_refresh_and_read_is_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process compacts after this one read the keys of generation 0 and removes its files:
    the read is retried on generation 1, which holds the rows that were kept."""
    reader = EmbeddingCache(tmp_path, "m", 8)
    written = reader.embed(["h1", "h2", "h3"], ["x", "y", "z"], fake_encode)
    reader.get(["h1"])
    refresh = reader._refresh
    calls = []

    def refresh_then_compact() -> None:
        refresh()
        calls.append(reader._loaded)
        if len(calls) == 1:
            assert EmbeddingCache(tmp_path, "m", 8).compact({"h2"}) == 1

    monkeypatch.setattr(reader, "_refresh", refresh_then_compact)
    vecs, found = reader.get(["h3", "h2", "h1"])
    assert calls == [(3, 0), (2, 1)]
    assert found.tolist() == [True, False, True]
    assert np.array_equal(vecs[[0, 2]], written[[2, 0]])


def test_a_reader_reads_the_manifest_again_only_after_a_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reads without a commit in between cost a stat, not a read of the manifest; a commit by
    another writer (a new file renamed into place) is seen by the next read, every time, also
    when commits follow each other faster than file times change and the manifest keeps its size."""
    writer = EmbeddingCache(tmp_path, "m", 8)
    reader = EmbeddingCache(tmp_path, "m", 8)
    writer.embed(["h0"], ["x0"], fake_encode)
    reads = []
    real = reader._read_committed

    def counted() -> tuple[int, int]:
        reads.append(1)
        return real()

    monkeypatch.setattr(reader, "_read_committed", counted)
    assert reader.get(["h0"])[1].tolist() == [True]
    assert len(reads) == 1
    for _ in range(5):
        reader.get(["h0"])
    assert len(reads) == 1  # nothing committed: the held manifest
    for i in range(1, 60):  # counts 1..59: one or two digits, the same size for long runs
        writer.embed([f"h{i}"], [f"x{i}"], fake_encode)
        vecs, found = reader.get([f"h{i}", f"h{i - 1}"])
        assert found.tolist() == [True, True], i
        assert np.array_equal(vecs[0], fake_encode([f"x{i}"])[0])
    assert len(reads) == 60


def test_the_held_manifest_keeps_one_descriptor(tmp_path: Path) -> None:
    """Each cache holds one descriptor of its manifest, however often it is replaced, and closes it
    when the cache goes."""
    fds = Path("/proc/self/fd")
    if not fds.exists():
        pytest.skip("needs /proc")
    writer, reader = EmbeddingCache(tmp_path, "m", 8), EmbeddingCache(tmp_path, "m", 8)

    def held() -> int:
        n = 0
        for fd in fds.iterdir():
            with contextlib.suppress(OSError):
                n += os.readlink(fd).startswith(str(writer.dir / "manifest.json"))
        return n

    writer.get(["h"])
    reader.get(["h"])
    assert held() == 2
    for i in range(30):
        writer.embed([f"h{i}"], [f"x{i}"], fake_encode)
        reader.get([f"h{i}"])
    assert held() == 2
    del reader
    gc.collect()
    assert held() == 1


@pytest.mark.slow  # a subprocess
def test_a_commit_of_another_process_is_seen(tmp_path: Path) -> None:
    reader = EmbeddingCache(tmp_path, "m", 8)
    assert reader.get(["h1"])[1].tolist() == [False]
    script = textwrap.dedent(
        f"""
        import numpy as np
        from models.cache import EmbeddingCache
        EmbeddingCache({str(tmp_path)!r}, "m", 8).add(["h1"], np.ones((1, 8), dtype=np.float32))
        """
    )
    subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).parents[2], env=os.environ, check=True)
    vecs, found = reader.get(["h1"])
    assert found.tolist() == [True] and np.array_equal(vecs[0], np.ones(8, dtype=np.float32))


@pytest.mark.slow  # a subprocess
def test_killed_writer_loses_nothing_committed(tmp_path: Path) -> None:
    """A process killed while embedding leaves every committed chunk readable."""
    script = textwrap.dedent(
        f"""
        import os, signal, numpy as np
        from models.cache import EmbeddingCache
        c = EmbeddingCache({str(tmp_path)!r}, "m", 8)
        n = 0
        def enc(texts):
            global n
            n += 1
            if n == 3:
                os.kill(os.getpid(), signal.SIGKILL)
            return np.ones((len(texts), 8), dtype=np.float32) / np.sqrt(8)
        hs = [f"h{{i}}" for i in range(10)]
        c.embed(hs, hs, enc, chunk=2)
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).parents[2], env=os.environ)
    assert proc.returncode == -9
    cache = EmbeddingCache(tmp_path, "m", 8)
    assert len(cache) == 4
    out = cache.embed([f"h{i}" for i in range(10)], [f"h{i}" for i in range(10)], fake_encode, chunk=100)
    assert fake_encode.calls == [6]
    assert out.shape == (10, 8)


def test_a_read_in_blocks_returns_the_rows_asked_in_their_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows are read in blocks of READ_BLOCK in file order, each block through its own mapping:
    any order, repeats and missing hashes come back where they were asked, equal to the vectors
    written (blocks of 3 rows over 700: spans that begin inside a mapping granule and cross one)."""
    import models.cache as cache_module

    cache = EmbeddingCache(tmp_path, "fake/model", 8)
    n = 700
    written = fake_encode([f"t{i}" for i in range(n)])
    cache.add([f"h{i}" for i in range(n)], written)
    rng = np.random.default_rng(4)
    asked = [*rng.integers(0, n, 500).tolist(), 3, 3, n - 1, 0]
    hashes = [*(f"h{i}" for i in asked), "h-missing"]
    monkeypatch.setattr(cache_module, "READ_BLOCK", 3)
    got, found = cache.get(hashes)
    assert found.tolist() == [True] * len(asked) + [False]
    assert np.array_equal(got[:-1], written[asked]) and not got[-1].any()
    monkeypatch.setattr(cache_module, "READ_BLOCK", 8192)
    assert np.array_equal(cache.get(hashes)[0], got)
