"""FAISS vacancy index: exact below a size threshold, IVF above it, recall measured at build.

Vectors are L2-normalised float32, so inner product equals cosine similarity. Below ``exact_below``
vacancies the index is an exact ``IndexIDMap2(IndexFlatIP)``; above it an ``IndexIVFFlat`` (chosen
over HNSW because vacancies must be removable), whose ``nprobe`` is raised at build until recall@50
against exact search reaches the target on a tuning sample *and* on a held-out sample of queries. The
held-out figure goes into the manifest; if no ``nprobe`` up to a quarter of the lists meets the bar,
the index falls back to exact search and the manifest says so.

Every vacancy has a stable int64 faiss label; the internal order (``ids``, ``vectors()``, filter
masks) is label order, and labels only grow, so ``np.searchsorted`` maps labels back to positions.
A float32 copy of the vectors is kept beside the faiss index for exact re-scoring, the exact numpy
fallback under restrictive filters, and the nightly job's blocked matrix products.

Layout under ``root`` (one directory per version, a symlink names the live one)::

    current -> 20260125T064912Z-3f2a1c9e0b7d      swapped with os.replace (atomic)
    20260125T064912Z-3f2a1c9e0b7d/
        manifest.json   format, model id, dim, count, kind, nlist, nprobe, recall@50 (measured),
                        build time, library versions, sha256 and size of every other file
        index.faiss     faiss.serialize_index of the faiss index
        vectors.npy     float32 (count, dim), internal order
        ids.npy         vacancy ids (str), internal order
        labels.npy      int64 faiss labels, internal order (strictly increasing)
    .tmp-<version>-<pid>/   a save in progress or killed: never read, removed by the next save

A save writes the whole version into a temporary directory, fsyncs it, renames it to its version
name and only then swaps ``current``; a process killed at any point leaves the previous version
loadable. Incremental updates (``add``/``remove``/``upsert``) are persisted the same way, as a new
version directory, rather than as an append log: a version is then always one self-contained,
checksummed directory that can be loaded, audited or rolled back to on its own, and at 100,000
vacancies of dimension 384 a full write is about 0.3 GB, well under a second, while vacancy updates
arrive in import batches, not per second. The last ``keep`` versions are retained.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import logging
import math
import os
import re
import shutil
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, Protocol

import numpy as np
import numpy.typing as npt

from matcher.errors import BundleMismatch, UnknownVacancy
from matcher.files import fsync_dir

log = logging.getLogger(__name__)

F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]
Ids = npt.NDArray[np.str_]
Allowed = Mask | Collection[str] | None

FORMAT = "passgenau-index/1"
CURRENT = "current"
TMP_PREFIX = ".tmp-"
RECALL_K = 50
EXACT = "exact"
IVF = "ivf"
_FILES = ("index.faiss", "vectors.npy", "ids.npy", "labels.npy")
_VERSION_RE = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{12}$")
_NORM_TOLERANCE = 1e-3
# Extra results fetched from faiss so that equal scores at the cut can be ordered by vacancy id.
_TIE_PAD = 16
# A filtered search over at most this many eligible vacancies is answered exactly by a numpy dot
# product on the subset (a few ms at dim 384): IVF recall under a filter correlated with the query
# (e.g. occupation) can fall below the build-time figure, and at this size exact is as fast.
_EXACT_SUBSET = 10_000
_RECALL_SAMPLE = 500  # queries in each of the tuning and the held-out sample
_HIT_EPS = 1e-5  # a result scoring within this of the exact 50th score counts as a hit (ties)


class VectorIndex(Protocol):
    """What the matcher needs from a vacancy index (tests pass small fakes of this)."""

    @property
    def model_id(self) -> str: ...
    @property
    def dim(self) -> int: ...
    @property
    def count(self) -> int: ...
    @property
    def version(self) -> str: ...
    @property
    def ids(self) -> Ids: ...

    def search(self, queries: F32, k: int, allowed: Allowed = None) -> tuple[F32, list[list[str]]]:
        """Top ``min(k, eligible)`` vacancies per query, scores descending, ties by vacancy id."""
        ...

    def vector(self, vacancy_id: str) -> F32: ...
    def vectors(self, ids: Iterable[str] | None = None) -> F32: ...


def _faiss() -> Any:
    # Imported on first use so that importing matcher.index (and `passgenau --help`) stays cheap.
    import faiss

    return faiss


def _now_stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def _check_vectors(vectors: npt.ArrayLike, dim: int | None, what: str = "vectors") -> F32:
    arr = np.asarray(vectors)
    if arr.ndim != 2 or arr.shape[1] == 0:
        raise ValueError(f"{what}: expected a 2-d array (n, dim), got shape {arr.shape}")
    if dim is not None and arr.shape[1] != dim:
        raise ValueError(f"{what}: dimension {arr.shape[1]} does not match the index ({dim})")
    out = np.ascontiguousarray(arr, dtype=np.float32)
    if not np.isfinite(out).all():
        raise ValueError(f"{what}: contains NaN or infinity")
    return out


def _check_normalised(x: F32) -> None:
    # Inner product is only cosine for unit vectors; a raw model output here would silently rank
    # long texts first.
    if len(x) and float(np.abs(np.einsum("ij,ij->i", x, x) - 1.0).max()) > 2 * _NORM_TOLERANCE:
        raise ValueError("vectors must be L2-normalised (inner product is used as cosine)")


def _check_ids(ids: Iterable[str], n: int) -> Ids:
    arr = np.asarray(ids if isinstance(ids, np.ndarray) else list(ids))
    if arr.shape != (n,):
        raise ValueError(f"ids: expected {n} vacancy ids, got shape {arr.shape}")
    out = arr.astype(np.str_) if n else np.zeros(0, dtype="<U1")
    if n and (np.char.str_len(out) == 0).any():
        raise ValueError("ids: empty vacancy id")
    uniq, counts = np.unique(out, return_counts=True)
    if len(uniq) != n:
        dup = uniq[counts > 1][:5].tolist()
        raise ValueError(f"ids: duplicate vacancy ids {dup}")
    return out


def _topk_row(s: F32, ids: Ids, k: int) -> I64:
    """Positions of the k highest scores in ``s``, descending, ties by id (all ties at the cut seen)."""
    m = s.shape[0]
    if k < m:
        thr = np.partition(s, m - k)[m - k]
        cand = np.flatnonzero(s >= thr)
    else:
        cand = np.arange(m)
    # np.lexsort sorts by the last key first: score descending, then vacancy id ascending.
    order = np.lexsort((ids[cand], -s[cand]))[:k]
    return cand[order].astype(np.int64)


def _default_nlist(n: int) -> int:
    # About 2·sqrt(n) lists: ~300 vectors a list at 100k, cheap k-means, few lists scanned per query.
    # faiss wants at least 39 training points per centroid.
    return int(max(1, min(round(2 * math.sqrt(n)), n // 39)))


def _drop_self(d: F32, i: I64, self_labels: I64 | None, k: int) -> tuple[F32, I64]:
    """Remove each query's own label (queries sampled from the index) and keep k columns."""
    if self_labels is None:
        return d[:, :k], i[:, :k]
    keep = i != self_labels[:, None]
    order = np.argsort(~keep, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(d, order, 1), np.take_along_axis(i, order, 1)


def _recall(ann_d: F32, ann_i: I64, exact_kth: F32, k: int) -> float:
    # Tie-aware recall@k: an ANN result counts when it scores at least the exact k-th score, so
    # duplicate vacancies (same text posted twice) do not count as misses.
    hits = (ann_i >= 0) & (ann_d >= exact_kth[:, None] - _HIT_EPS)
    return float(np.minimum(hits.sum(axis=1), k).mean() / k)


class _HashingWriter:
    """File wrapper that hashes and counts what is written (np.save writes through it in chunks)."""

    def __init__(self, fh: BinaryIO) -> None:
        self.fh = fh
        self.sha = hashlib.sha256()
        self.size = 0

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        self.sha.update(view)
        self.size += view.nbytes
        return self.fh.write(view)


def _write_file(path: Path, write: Callable[[_HashingWriter], object]) -> dict[str, Any]:
    with open(path, "xb") as fh:
        hw = _HashingWriter(fh)
        write(hw)
        fh.flush()
        os.fsync(fh.fileno())
    return {"sha256": hw.sha.hexdigest(), "bytes": hw.size}


def _save_npy(w: _HashingWriter, arr: np.ndarray[Any, Any]) -> None:
    np.save(w, arr, allow_pickle=False)  # np.save only calls .write on a non-file object


def _manifest_digest(manifest: dict[str, Any]) -> str:
    # The manifest covers itself (without this field), so an edited recall or count is caught too.
    body = {key: value for key, value in manifest.items() if key != "manifest_sha256"}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _sha256_file(path: Path) -> tuple[str, int]:
    sha = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            sha.update(chunk)
            size += len(chunk)
    return sha.hexdigest(), size


@contextlib.contextmanager
def _save_lock(root: Path) -> Iterator[None]:
    # One writer at a time: a second saver must not prune the first one's temporary directory.
    with open(root / ".lock", "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def current_version(root: Path) -> str | None:
    """The version ``root/current`` points to, or None; cheap enough to poll for a reload."""
    try:
        return os.readlink(Path(root) / CURRENT)
    except OSError:
        return None


class FaissIndex:
    """Vacancy vectors in FAISS, with the vacancy-id mapping, a float32 copy and a manifest.

    ``search`` may run in several threads at once (nprobe travels in the search parameters, the
    index is not touched); ``add``/``remove``/``upsert`` must not overlap searches: a server swaps
    in a freshly loaded index object instead. faiss uses OpenMP: a server answering one query per
    request does best with ``faiss.omp_set_num_threads(1)`` in its worker threads (see bench/).
    """

    def __init__(
        self,
        *,
        model_id: str,
        kind: str,
        index: Any,
        vectors: F32,
        ids: Ids,
        labels: I64,
        next_label: int,
        nprobe: int | None,
        nlist: int | None,
        info: dict[str, Any],
        stamp: str,
        version: str | None = None,
    ) -> None:
        """Internal: use ``build`` or ``load``."""
        self._model_id = model_id
        self._kind = kind
        self._index = index
        self._vectors = vectors
        self._ids = ids
        self._labels = labels
        self._next_label = next_label
        self._nprobe = nprobe
        self._nlist = nlist
        self._info = info
        self._stamp = stamp
        self._version = version
        self._positions: dict[str, int] | None = None

    # -- properties ---------------------------------------------------------------------------

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def dim(self) -> int:
        return int(self._vectors.shape[1])

    @property
    def count(self) -> int:
        return int(self._vectors.shape[0])

    @property
    def kind(self) -> str:
        """``"exact"`` or ``"ivf"``."""
        return self._kind

    @property
    def nprobe(self) -> int | None:
        return self._nprobe

    @property
    def info(self) -> dict[str, Any]:
        """Build facts that go into the manifest (recall, build time, fallback note, ...)."""
        return dict(self._info)

    @property
    def version(self) -> str:
        """``<utc-stamp>-<12 hex of the content hash>``; also the name of its saved directory."""
        if self._version is None:
            sha = hashlib.sha256()
            head = {
                "model_id": self._model_id,
                "kind": self._kind,
                "dim": self.dim,
                "nprobe": self._nprobe,
                "nlist": self._nlist,
                "seed": self._info.get("seed"),
            }
            sha.update(json.dumps(head, sort_keys=True).encode())
            sha.update("\n".join(self._ids.tolist()).encode())
            sha.update(self._labels.data)
            sha.update(self._vectors.data)
            self._version = f"{self._stamp}-{sha.hexdigest()[:12]}"
        return self._version

    @property
    def ids(self) -> Ids:
        """Vacancy ids in internal order; filter masks passed to ``search`` align with this."""
        view = self._ids.view()
        view.flags.writeable = False
        return view

    # -- building -----------------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        vectors: npt.ArrayLike,
        ids: Iterable[str],
        model_id: str,
        *,
        exact_below: int = 50_000,
        nprobe: int = 16,
        recall_target: float = 0.98,
        seed: int = 0,
        nlist: int | None = None,
        queries: npt.ArrayLike | None = None,
    ) -> FaissIndex:
        """Index L2-normalised vectors: exact below ``exact_below``, else IVF tuned to the recall bar.

        ``exact_below``, ``nprobe`` and ``recall_target`` are the fields of ``IndexSettings``
        (``build(v, ids, model, **settings.index.build_options())``). ``queries`` (e.g. a sample of
        claimant vectors) replaces the default recall sample, which is drawn from the vacancies
        themselves with each query's own match excluded. Same input and seed give the same index.
        """
        faiss = _faiss()

        t0 = time.perf_counter()
        x = _check_vectors(vectors, None)
        _check_normalised(x)
        n, dim = x.shape
        id_arr = _check_ids(ids, n)
        # Internal order is id order: the same vacancies give the same index in any input order.
        order = np.argsort(id_arr, kind="stable")
        x, id_arr = np.ascontiguousarray(x[order]), id_arr[order]
        labels = np.arange(n, dtype=np.int64)
        info: dict[str, Any] = {
            "seed": seed,
            "exact_below": exact_below,
            "recall_target": recall_target,
            "built_at": _now_stamp(),
            "note": "",
            "added_since_build": 0,
            "removed_since_build": 0,
        }
        kind, index, used_nprobe, used_nlist = EXACT, None, None, None
        info["recall_at_50"] = 1.0
        info["recall"] = {"method": "exact search (recall 1 by construction)"}
        if n >= exact_below and n > 1:
            nl = nlist or _default_nlist(n)
            ivf = _train_ivf(x, labels, nl, seed)
            q = None if queries is None else _check_vectors(queries, dim, "queries")
            found, detail = _tune_nprobe(ivf, x, q, start=nprobe, nlist=nl, target=recall_target, seed=seed)
            if found is not None:
                kind, index, used_nprobe, used_nlist = IVF, ivf, found, nl
                info["recall_at_50"] = detail["held_out"]
                info["recall"] = detail
            else:
                info["recall"] = {"method": "exact search (IVF fallback)", "ivf_attempt": detail}
                info["note"] = (
                    f"IVF with {nl} lists did not reach recall@50 {recall_target} at nprobe up to "
                    f"{detail['tried'][-1][0]}; falling back to exact search"
                )
                log.warning("index %s", info["note"])
        if index is None:
            index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
            if n:
                index.add_with_ids(x, labels)
        info["build_seconds"] = round(time.perf_counter() - t0, 3)
        log.info(
            "built %s index: %d vacancies, dim %d, nprobe %s, recall@50 %.4f, %.1f s",
            kind, n, dim, used_nprobe, info["recall_at_50"], info["build_seconds"],
        )  # fmt: skip
        return cls(
            model_id=model_id,
            kind=kind,
            index=index,
            vectors=x,
            ids=id_arr,
            labels=labels,
            next_label=n,
            nprobe=used_nprobe,
            nlist=used_nlist,
            info=info,
            stamp=_now_stamp(),
        )

    # -- lookups ------------------------------------------------------------------------------

    def _position_map(self) -> dict[str, int]:
        if self._positions is None:
            self._positions = {s: i for i, s in enumerate(self._ids.tolist())}
        return self._positions

    def positions(self, ids: Iterable[str]) -> I64:
        """Internal positions of vacancy ids; raises UnknownVacancy for an id not in the index."""
        pos = self._position_map()
        wanted = list(ids)
        missing = [v for v in wanted if v not in pos]
        if missing:
            raise UnknownVacancy(f"not in the index: {', '.join(map(str, missing[:5]))}")
        return np.fromiter((pos[v] for v in wanted), dtype=np.int64, count=len(wanted))

    def mask(self, ids: Iterable[str]) -> Mask:
        """Boolean mask over ``self.ids`` that is True for the given ids (unknown ids are ignored)."""
        wanted = np.asarray(list(ids), dtype=np.str_)
        return np.isin(self._ids, wanted)

    def vector(self, vacancy_id: str) -> F32:
        """The stored (normalised) vector of one vacancy."""
        return self._vectors[self.positions([vacancy_id])[0]].copy()

    def vectors(self, ids: Iterable[str] | None = None) -> F32:
        """Vectors of the given vacancies, or a read-only view of all of them in internal order."""
        if ids is None:
            view = self._vectors.view()
            view.flags.writeable = False
            return view
        return self._vectors[self.positions(ids)]

    def _as_mask(self, allowed: Allowed) -> Mask | None:
        if allowed is None:
            return None
        if isinstance(allowed, np.ndarray) and allowed.dtype == np.bool_:
            if allowed.shape != (self.count,):
                raise ValueError(f"allowed: mask of shape {allowed.shape}, index holds {self.count}")
            return allowed
        return self.mask(allowed)

    # -- search -------------------------------------------------------------------------------

    def search(self, queries: npt.ArrayLike, k: int, allowed: Allowed = None) -> tuple[F32, list[list[str]]]:
        """Top ``min(k, eligible)`` vacancies per query by cosine, descending, ties by vacancy id.

        ``allowed`` is a boolean mask aligned with ``self.ids`` (compute it once with numpy for all
        vacancies) or a collection of vacancy ids. Every query gets exactly ``min(k, eligible)``
        results: when the IVF lists probed hold too few eligible vacancies, that query is answered
        by an exact dot product over the eligible subset. Filters leaving at most 10,000 vacancies
        are always answered exactly; above that, IVF probes ``nprobe / eligible-fraction`` lists,
        which holds the recall for filters unrelated to the text but not for ones correlated with
        the query. Returns scores (n, min(k, eligible)) and the vacancy ids per query.
        """
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        q = _check_vectors(np.atleast_2d(np.asarray(queries)), self.dim, "queries")
        mask = self._as_mask(allowed)
        eligible = self.count if mask is None else int(np.count_nonzero(mask))
        kk = min(k, eligible)
        nq = q.shape[0]
        if kk == 0:
            return np.zeros((nq, 0), dtype=np.float32), [[] for _ in range(nq)]
        nprobe = self._nprobe
        exact_cheaper = False
        if self._kind == IVF and mask is not None and nprobe is not None and self._nlist is not None:
            # A filter keeping a fraction f of the vacancies leaves ~f of each list eligible: probe
            # 1/f times more lists to see as many eligible neighbours as an unfiltered search.
            nprobe = min(self._nlist, math.ceil(nprobe * self.count / eligible))
            # Scanning more than a quarter of the lists costs about as much as exact search.
            exact_cheaper = nprobe > self._nlist // 4
        if (mask is not None and eligible <= _EXACT_SUBSET) or exact_cheaper:
            scores, pos = self._search_numpy(q, mask, kk)
        else:
            scores, pos = self._search_faiss(q, mask, eligible, kk, nprobe)
        id_rows = self._ids[pos]
        return scores, [row.tolist() for row in id_rows]

    def _search_faiss(
        self, q: F32, mask: Mask | None, eligible: int, kk: int, nprobe: int | None
    ) -> tuple[F32, I64]:
        faiss = _faiss()

        fetch = min(eligible, kk + max(_TIE_PAD, kk // 4))
        bitmap = None
        sel = None
        if mask is not None:
            bits = np.zeros(self._next_label, dtype=np.bool_)
            bits[self._labels[mask]] = True
            bitmap = np.packbits(bits, bitorder="little")  # faiss reads bit (label & 7) of byte label >> 3
            sel = faiss.IDSelectorBitmap(bitmap.size, faiss.swig_ptr(bitmap))
        if self._kind == IVF:
            params = faiss.SearchParametersIVF(nprobe=nprobe)
            if sel is not None:
                params.sel = sel
        else:
            params = faiss.SearchParameters(sel=sel) if sel is not None else None
        d, lab = self._index.search(q, fetch, params=params)
        del bitmap  # the selector points into it: keep it alive until the search returned
        valid = lab >= 0
        pos = np.searchsorted(self._labels, np.where(valid, lab, 0))
        nq = q.shape[0]
        out_s = d[:, :kk].copy()
        out_p = pos[:, :kk].copy()
        short = valid.sum(axis=1) < kk
        tied = ((d[:, 1:] == d[:, :-1]) & valid[:, 1:]).any(axis=1)
        redo: list[int] = []
        for r in np.flatnonzero(tied & ~short):
            v = valid[r]
            s, p = d[r, v], pos[r, v]
            order = np.lexsort((self._ids[p], -s))
            # Exact search promises ties by id; if the cut falls inside a run of equal scores that
            # continues past what faiss returned, only a full exact pass can order it.
            if self._kind == EXACT and len(s) < eligible and s[order[kk - 1]] == s[order[-1]]:
                redo.append(int(r))
                continue
            out_s[r], out_p[r] = s[order[:kk]], p[order[:kk]]
        redo.extend(np.flatnonzero(short).tolist())
        if redo:
            rows = np.asarray(sorted(redo), dtype=np.int64)
            log.debug("exact fallback for %d of %d queries", len(rows), nq)
            out_s[rows], out_p[rows] = self._search_numpy(q[rows], mask, kk)
        return out_s, out_p

    def _search_numpy(self, q: F32, mask: Mask | None, kk: int) -> tuple[F32, I64]:
        """Exact top-kk by a dot product on the eligible vacancies (blocked over queries)."""
        cols: I64 | None = None
        mat = self._vectors
        if mask is not None and np.count_nonzero(mask) * 4 <= self.count:
            cols = np.flatnonzero(mask).astype(np.int64)
            mat = self._vectors[cols]
        ids = self._ids if cols is None else self._ids[cols]
        drop = None if mask is None or cols is not None else ~mask
        nq = q.shape[0]
        out_s = np.empty((nq, kk), dtype=np.float32)
        out_p = np.empty((nq, kk), dtype=np.int64)
        block = max(1, (1 << 24) // max(1, mat.shape[0]))  # ~64 MB of scores at a time
        for start in range(0, nq, block):
            s = q[start : start + block] @ mat.T
            if drop is not None:
                s[:, drop] = -np.inf  # unit vectors score in [-1, 1]: never chosen while kk <= eligible
            for j in range(s.shape[0]):
                top = _topk_row(s[j], ids, kk)
                out_s[start + j] = s[j, top]
                out_p[start + j] = top if cols is None else cols[top]
        return out_s, out_p

    # -- updates ------------------------------------------------------------------------------

    def _touched(self) -> None:
        self._version = None
        self._positions = None
        self._stamp = _now_stamp()

    def add(self, vectors: npt.ArrayLike, ids: Iterable[str]) -> None:
        """Add new vacancies (an id already indexed is an error: use ``upsert``)."""
        x = _check_vectors(vectors, self.dim)
        _check_normalised(x)
        id_arr = _check_ids(ids, x.shape[0])
        if not len(id_arr):
            return
        present = id_arr[np.isin(id_arr, self._ids)]
        if len(present):
            raise ValueError(f"already indexed (use upsert): {present[:5].tolist()}")
        order = np.argsort(id_arr, kind="stable")
        x, id_arr = np.ascontiguousarray(x[order]), id_arr[order]
        labels = np.arange(self._next_label, self._next_label + len(id_arr), dtype=np.int64)
        self._index.add_with_ids(x, labels)
        self._vectors = np.concatenate([self._vectors, x])
        self._ids = np.concatenate([self._ids, id_arr])
        self._labels = np.concatenate([self._labels, labels])
        self._next_label += len(id_arr)
        self._info["added_since_build"] = self._info.get("added_since_build", 0) + len(id_arr)
        self._touched()

    def remove(self, ids: Iterable[str], *, missing_ok: bool = False) -> int:
        """Remove vacancies; an unknown id raises UnknownVacancy unless ``missing_ok``. Returns count."""
        wanted = list(dict.fromkeys(ids))
        if missing_ok:
            known = self._position_map()
            wanted = [v for v in wanted if v in known]
        if not wanted:
            return 0
        pos = self.positions(wanted)
        labels = self._labels[pos]
        removed = int(self._index.remove_ids(labels))
        if removed != len(labels):
            raise RuntimeError(f"faiss removed {removed} of {len(labels)} vectors: index out of step")
        keep = np.ones(self.count, dtype=np.bool_)
        keep[pos] = False
        self._vectors = np.ascontiguousarray(self._vectors[keep])
        self._ids = self._ids[keep]
        self._labels = self._labels[keep]
        self._info["removed_since_build"] = self._info.get("removed_since_build", 0) + len(labels)
        self._touched()
        return len(labels)

    def upsert(self, vectors: npt.ArrayLike, ids: Iterable[str]) -> None:
        """Replace changed vacancies and add new ones (remove + add)."""
        x = _check_vectors(vectors, self.dim)
        _check_normalised(x)  # check before removing anything, so a bad batch changes nothing
        id_arr = _check_ids(ids, x.shape[0])
        self.remove(id_arr.tolist(), missing_ok=True)
        self.add(x, id_arr)

    # -- persistence --------------------------------------------------------------------------

    def manifest(self) -> dict[str, Any]:
        """The manifest without file checksums (those are added by ``save``)."""
        faiss = _faiss()

        return {
            "format": FORMAT,
            "version": self.version,
            "model_id": self._model_id,
            "dim": self.dim,
            "count": self.count,
            "kind": self._kind,
            "metric": "inner_product",  # cosine: vectors are L2-normalised
            "nlist": self._nlist,
            "nprobe": self._nprobe,
            "next_label": self._next_label,
            **self._info,
            "library": {"faiss": faiss.__version__, "numpy": np.__version__},
        }

    def save(self, root: Path, *, keep: int = 3) -> Path:
        """Write ``root/<version>/`` (via a temporary directory) and point ``root/current`` at it."""
        faiss = _faiss()

        root = Path(root)
        root.mkdir(parents=True, exist_ok=True)
        version = self.version
        final = root / version
        with _save_lock(root):
            _remove_temporaries(root)  # left by a killed save; we hold the lock, so none is live
            if final.is_dir():
                # Only complete directories are ever renamed to a version name.
                log.info("index version %s already saved", version)
            else:
                tmp = root / f"{TMP_PREFIX}{version}-{os.getpid()}"
                tmp.mkdir()
                blob = faiss.serialize_index(self._index)
                files = {"index.faiss": _write_file(tmp / "index.faiss", lambda w: w.write(blob))}
                del blob
                arrays = {"vectors.npy": self._vectors, "ids.npy": self._ids, "labels.npy": self._labels}
                for name, arr in arrays.items():
                    files[name] = _write_file(tmp / name, functools.partial(_save_npy, arr=arr))
                manifest = {**self.manifest(), "saved_at": _now_stamp(), "files": files}
                manifest["manifest_sha256"] = _manifest_digest(manifest)
                text = json.dumps(manifest, indent=2, sort_keys=True).encode()
                _write_file(tmp / "manifest.json", lambda w: w.write(text))
                fsync_dir(tmp)
                os.rename(tmp, final)
                fsync_dir(root)
            _point_current(root, version)
            _prune(root, keep)
        log.info("saved index %s (%d vacancies) to %s", version, self.count, final)
        return final

    @classmethod
    def load(cls, root: Path, *, model_id: str | None = None) -> FaissIndex:
        """Load the version ``root/current`` points to, verifying every checksum.

        Raises BundleMismatch when there is no index, a file is missing or changed, the manifest
        disagrees with the files, or ``model_id`` is given and differs from the index's model.
        """
        target = current_version(root)
        if target is None:
            raise BundleMismatch(f"no index at {root}: {CURRENT} is missing")
        return cls.load_version(Path(root) / target, model_id=model_id)

    @classmethod
    def load_version(cls, path: Path, *, model_id: str | None = None) -> FaissIndex:
        """Load one version directory (e.g. to roll back), verifying every checksum."""
        faiss = _faiss()

        path = Path(path)
        try:
            manifest = json.loads((path / "manifest.json").read_bytes())
            files = manifest["files"]
            if manifest["format"] != FORMAT:
                raise BundleMismatch(f"{path}: unknown index format {manifest['format']!r}")
            if manifest["version"] != path.name:
                raise BundleMismatch(f"{path}: manifest is for version {manifest['version']}")
            if manifest.get("manifest_sha256") != _manifest_digest(manifest):
                raise BundleMismatch(f"{path}: manifest.json does not match its own checksum")
            if sorted(files) != sorted(_FILES):
                raise BundleMismatch(f"{path}: manifest lists {sorted(files)}")
            for name in _FILES:
                digest, size = _sha256_file(path / name)
                if digest != files[name]["sha256"] or size != files[name]["bytes"]:
                    raise BundleMismatch(f"{path / name}: checksum does not match the manifest")
            if model_id is not None and manifest["model_id"] != model_id:
                raise BundleMismatch(
                    f"index built with {manifest['model_id']!r}, the embedder is {model_id!r}"
                )
            vectors = np.load(path / "vectors.npy", allow_pickle=False)
            ids = np.load(path / "ids.npy", allow_pickle=False)
            labels = np.load(path / "labels.npy", allow_pickle=False)
            index = faiss.deserialize_index(np.fromfile(path / "index.faiss", dtype=np.uint8))
            count, dim, kind = int(manifest["count"]), int(manifest["dim"]), manifest["kind"]
        except BundleMismatch:
            raise
        except (OSError, ValueError, KeyError, TypeError, RuntimeError) as err:
            raise BundleMismatch(f"{path}: unreadable index ({err})") from err
        consistent = (
            kind in (EXACT, IVF)
            and vectors.dtype == np.float32
            and vectors.shape == (count, dim)
            and ids.dtype.kind == "U"
            and ids.shape == (count,)
            and labels.dtype == np.int64
            and labels.shape == (count,)
            and bool(np.all(np.diff(labels) > 0))
            and index.ntotal == count
            and index.d == dim
        )
        if not consistent:
            raise BundleMismatch(f"{path}: files disagree with the manifest")
        if kind == IVF:
            index.nprobe = int(manifest["nprobe"])
        info_keys = set(manifest) - {"format", "version", "model_id", "dim", "count", "kind", "metric"}
        info_keys -= {"nlist", "nprobe", "next_label", "library", "files", "saved_at", "manifest_sha256"}
        return cls(
            model_id=manifest["model_id"],
            kind=kind,
            index=index,
            vectors=vectors,
            ids=ids,
            labels=labels,
            next_label=int(manifest["next_label"]),
            nprobe=manifest["nprobe"],
            nlist=manifest["nlist"],
            info={key: manifest[key] for key in info_keys},
            stamp=path.name.split("-")[0],
            version=path.name,
        )


def _train_ivf(x: F32, labels: I64, nlist: int, seed: int) -> Any:
    faiss = _faiss()

    dim = x.shape[1]
    ivf = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
    ivf.cp.seed = seed  # k-means sampling and initialisation: the same seed gives the same lists
    ivf.cp.spherical = True  # unit centroids suit inner-product assignment of unit vectors
    ivf.cp.niter = 15
    ivf.train(x)
    ivf.add_with_ids(x, labels)
    return ivf


def _tune_nprobe(
    ivf: Any, x: F32, queries: F32 | None, *, start: int, nlist: int, target: float, seed: int
) -> tuple[int | None, dict[str, Any]]:
    """Smallest nprobe (start, 2·start, ... up to nlist/4) meeting the recall bar on both samples."""
    faiss = _faiss()

    n = x.shape[0]
    rng = np.random.default_rng(seed)
    if queries is None:
        take = rng.choice(n, size=min(2 * _RECALL_SAMPLE, n), replace=False)
        q, self_labels = x[take], take.astype(np.int64)  # labels are positions right after build
        source = "held-out sample of indexed vacancies, each query's own match excluded"
    else:
        q, self_labels = queries[rng.permutation(len(queries))], None
        source = "caller-supplied queries"
    k = min(RECALL_K, n - (1 if self_labels is not None else 0))
    half = len(q) // 2
    samples = []
    for sl in (slice(0, half), slice(half, len(q))):
        qs = np.ascontiguousarray(q[sl])
        own = None if self_labels is None else self_labels[sl]
        # faiss.knn is an exact blocked inner-product search; positions equal labels here.
        d, i = faiss.knn(qs, x, k + 1, metric=faiss.METRIC_INNER_PRODUCT)
        d, _ = _drop_self(d, i.astype(np.int64), own, k)
        samples.append((qs, own, d[:, k - 1].copy()))
    tried: list[tuple[int, float, float | None]] = []
    cap = max(1, nlist // 4)
    probe = max(1, min(start, cap))
    while True:
        ivf.nprobe = probe
        got = []
        for qs, own, kth in samples:
            d, i = ivf.search(qs, k + 1)
            d, i = _drop_self(d, i, own, k)
            got.append(_recall(d, i, kth, k))
            if got[-1] < target:
                break
        tried.append((probe, round(got[0], 4), round(got[1], 4) if len(got) > 1 else None))
        log.info("nprobe %d: recall@%d tuning %.4f held-out %s", probe, k, got[0], tried[-1][2])
        if len(got) == 2 and got[1] >= target:
            detail = {
                "k": k,
                "tuning": round(got[0], 4),
                "held_out": round(got[1], 4),
                "queries": [half, len(q) - half],
                "source": source,
                "target": target,
                "tried": tried,
                "ties": "a result scoring at least the exact k-th score counts as a hit",
            }
            return probe, detail
        if probe >= cap:
            return None, {"k": k, "target": target, "source": source, "tried": tried}
        probe = min(cap, probe * 2)


def _point_current(root: Path, version: str) -> None:
    link = root / CURRENT
    tmp = root / f"{TMP_PREFIX}{CURRENT}-{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(version, tmp)  # relative target: the root directory can be moved or mounted elsewhere
    os.replace(tmp, link)  # atomic: readers see the old or the new version, never neither
    fsync_dir(root)


def _remove_temporaries(root: Path) -> None:
    for entry in root.iterdir():
        if not entry.name.startswith(TMP_PREFIX):
            continue
        log.info("removing %s left by an interrupted save", entry.name)
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


def _saved_ns(path: Path) -> int:
    try:
        return (path / "manifest.json").stat().st_mtime_ns
    except OSError:
        return 0


def _prune(root: Path, keep: int) -> None:
    live = current_version(root)
    dirs = [p for p in root.iterdir() if _VERSION_RE.match(p.name) and p.is_dir() and not p.is_symlink()]
    # Oldest first by when the manifest (written last) was saved: stamps alone tie within a second.
    versions = [p.name for p in sorted(dirs, key=lambda p: (_saved_ns(p), p.name))]
    old = [v for v in versions if v != live]
    for name in old[: max(0, len(old) - max(0, keep - 1))]:
        log.info("pruning index version %s", name)
        shutil.rmtree(root / name, ignore_errors=True)
