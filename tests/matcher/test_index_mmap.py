"""A saved index version read memory-mapped (the server processes share its pages): the same
results as a private copy; a mapped faiss index refuses writes (faiss would abort the process)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from matcher.index import FaissIndex
from tests.matcher.test_index import MODEL, clustered, vids

N = 4_000


@pytest.mark.parametrize("exact_below", [10_000, 1_000])  # exact (IDMap2 + Flat) and IVF
def test_a_mapped_version_searches_like_a_copy_and_refuses_writes(tmp_path: Path, exact_below: int) -> None:
    x = clustered(N, 64, seed=3)  # clusters: IVF reaches its recall bar (no fallback to exact)
    ids = vids(N)
    built = FaissIndex.build(x, ids, MODEL, exact_below=exact_below, nprobe=4, recall_target=0.9, seed=1)
    path = built.save(tmp_path / "index")
    copy = FaissIndex.load_version(path, model_id=MODEL)
    vectors_only = FaissIndex.load_version(path, model_id=MODEL, mmap=True)
    mapped = FaissIndex.load_version(path, model_id=MODEL, mmap=True, mmap_faiss=True)
    assert copy.kind == mapped.kind == ("exact" if exact_below > N else "ivf")
    q = x[::97]
    want = copy.search(q, 10)
    for other in (vectors_only, mapped):
        got = other.search(q, 10)
        assert got[1] == want[1] and np.array_equal(got[0], want[0])
        assert isinstance(other._vectors, np.memmap) and not other._vectors.flags.writeable
        assert other.version == copy.version
    with pytest.raises(RuntimeError, match="memory-mapped"):
        mapped.upsert(x[:1], ["V-new"])
    with pytest.raises(RuntimeError, match="memory-mapped"):
        mapped.remove([ids[0]])
    assert mapped.search(q, 10)[1] == want[1]  # nothing changed
    # Only the vectors mapped: the faiss index is a private copy, so a change is allowed (new arrays).
    vectors_only.upsert(x[5:6], ["V-new"])
    assert vectors_only.count == N + 1 and vectors_only.search(x[5:6], 2)[1][0][:2] in (
        [ids[5], "V-new"],
        ["V-new", ids[5]],
    )


def _mapping_of(address: int) -> str:
    """The file a process address is mapped from ("[heap]" or "" for memory of its own)."""
    for line in Path("/proc/self/maps").read_text().splitlines():
        fields = line.split(maxsplit=5)
        start, _, end = fields[0].partition("-")
        if int(start, 16) <= address < int(end, 16):
            return fields[5] if len(fields) == 6 else ""
    return ""


def test_a_mapped_ivf_index_reads_its_lists_from_the_file(tmp_path: Path) -> None:
    """The IVF's lists (its copy of every vector) stay in the file's mapping, not in memory of
    their own: a server process holds them once, in the page cache it shares with its siblings."""
    import faiss

    x = clustered(N, 64, seed=3)
    path = FaissIndex.build(x, vids(N), MODEL, exact_below=1_000, nprobe=4, recall_target=0.9, seed=1).save(
        tmp_path / "index"
    )
    mapped, copy = FaissIndex.load_version(path, mmap=True, mmap_faiss=True), FaissIndex.load_version(path)
    lists = faiss.extract_index_ivf(mapped._index).invlists  # the indexes stay alive: lists point into them
    copied = faiss.extract_index_ivf(copy._index).invlists
    full = [i for i in range(lists.nlist) if lists.list_size(i)]
    assert full and {_mapping_of(int(lists.get_codes(i))) for i in full} == {str(path / "index.faiss")}
    assert not any(_mapping_of(int(copied.get_codes(i))).startswith("/") for i in full)  # heap or anonymous


def _resident_kib(path: Path) -> int:
    """Resident KiB of this process's mappings of ``path`` (``/proc/self/smaps``)."""
    total, current = 0, ""
    for line in Path("/proc/self/smaps").read_text().splitlines():
        fields = line.split()
        if "-" in fields[0] and not fields[0].endswith(":"):
            current = fields[5] if len(fields) > 5 else ""
        elif fields[0] == "Rss:" and current == str(path):
            total += int(fields[1])
    return total


def test_a_mapped_ivf_scans_its_lists_over_the_vectors_as_faiss_does(tmp_path: Path) -> None:
    """A mapped IVF answers from its lists' positions in ``vectors.npy`` (``ListScan``), with the
    same scores and positions as faiss's search of a private copy: unfiltered and under masks of
    several densities, k beyond what the probed lists hold (the exact fallback), and labels that
    are no longer the positions (a removal and an addition since the build)."""
    x = clustered(N, 64, seed=3)
    ids = vids(N)
    built = FaissIndex.build(x, ids, MODEL, exact_below=1_000, nprobe=4, recall_target=0.9, seed=1)
    built.remove(ids[10:400:3])
    extra = clustered(50, 64, seed=9)
    built.add(extra, [f"W-{i:03d}" for i in range(50)])
    path = built.save(tmp_path / "index")
    copy = FaissIndex.load_version(path, model_id=MODEL)
    mapped = FaissIndex.load_version(path, model_id=MODEL, mmap=True, mmap_faiss=True)
    assert mapped._scan is not None and copy._scan is None and mapped.kind == "ivf"
    rng = np.random.default_rng(5)
    q = np.concatenate([x[::131], extra[::7]])
    q = q + 0.02 * rng.standard_normal(q.shape).astype(np.float32)
    q = (q / np.linalg.norm(q, axis=1, keepdims=True)).astype(np.float32)
    for allowed in (None, rng.random(mapped.count) < 0.9, rng.random(mapped.count) < 0.5):
        for k in (1, 10, 60, 400):
            want = copy.search_positions(q, k, allowed)
            got = mapped.search_positions(q, k, allowed)
            assert np.array_equal(got[1], want[1]) and np.array_equal(got[0], want[0]), (k, allowed is None)


def test_a_mapped_ivf_leaves_its_lists_codes_unread(tmp_path: Path) -> None:
    """Searching a mapped IVF reads ``vectors.npy``, not the lists' own copy of the vectors in
    ``index.faiss``: the file's resident pages stay what reading the index left (header and
    quantizer), where faiss's own search of the same mapping makes the lists resident."""
    n = 40_000
    x = clustered(n, 64, seed=4)
    path = FaissIndex.build(x, vids(n), MODEL, exact_below=1_000, nprobe=4, recall_target=0.9, seed=1).save(
        tmp_path / "index"
    )
    faiss_file = path / "index.faiss"
    mapped = FaissIndex.load_version(path, model_id=MODEL, mmap=True, mmap_faiss=True)
    after_load = _resident_kib(faiss_file)
    q = x[::400]
    mapped.search_positions(q, 10)
    mapped.search_positions(q, 10, np.arange(n) % 3 == 0)
    assert _resident_kib(faiss_file) == after_load < faiss_file.stat().st_size // 1024 // 4
    assert _resident_kib(path / "vectors.npy") > 0
    mapped._index.search(q, 10)  # faiss itself, through the same mapping: the lists become resident
    assert _resident_kib(faiss_file) > after_load + faiss_file.stat().st_size // 1024 // 4


def test_vector_blocks_of_a_mapped_version_leave_no_pages_mapped(tmp_path: Path) -> None:
    """``vector_blocks`` gives all vectors in internal order, in blocks; of a mapped version each
    block is a copy read through its own short-lived mapping, so that after a full pass (a server's
    start compares the saved version with the cache) none of vectors.npy stays resident."""
    n = 20_000
    x = clustered(n, 64, seed=6)
    path = FaissIndex.build(x, vids(n), MODEL, exact_below=50_000, seed=1).save(tmp_path / "index")
    mapped = FaissIndex.load_version(path, model_id=MODEL, mmap=True, mmap_faiss=True)
    copy = FaissIndex.load_version(path, model_id=MODEL)
    got = list(mapped.vector_blocks(rows=3_000))
    assert [s for s, _ in got] == list(range(0, n, 3_000))
    assert all(type(b) is np.ndarray for _, b in got)  # copies, not views into a mapping
    assert np.array_equal(np.concatenate([b for _, b in got]), copy.vectors())
    assert np.array_equal(np.concatenate([b for _, b in copy.vector_blocks(rows=7_000)]), copy.vectors())
    assert _resident_kib(path / "vectors.npy") == 0
    mapped.vectors()[::50].sum()  # read through the index's own mapping: its pages stay
    assert _resident_kib(path / "vectors.npy") > 0
