"""FAISS vacancy index: exact below a size threshold, IVF above it, recall measured at build.

Below ``exact_below`` vacancies the index is an exact ``IndexIDMap2(IndexFlatIP)``; above it an
``IndexIVFFlat`` tuned to a recall bar (see :mod:`matcher.index.tuning`). Labels only grow, so
``np.searchsorted`` maps faiss labels back to positions. A float32 copy of the vectors is kept beside
the faiss index for exact re-scoring, the exact numpy fallback under restrictive filters, the
nightly job's blocked matrix products and, of a memory-mapped IVF version (a server), the scan of
the probed lists (:mod:`matcher.index.lists`), so that a server reads the vectors once. Saved
versions: :mod:`matcher.index.versions`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from matcher.artifacts import CURRENT, current_version, utc_stamp
from matcher.errors import BundleMismatch, UnknownVacancy
from matcher.index import versions
from matcher.index.ann import faiss_search, route
from matcher.index.contract import (
    F32,
    I64,
    IVF,
    Allowed,
    Ids,
    Mask,
    check_ids,
    check_normalised,
    check_vectors,
    faiss_module,
)
from matcher.index.lists import ListScan
from matcher.index.topk import exact_search
from matcher.index.tuning import choose_structure

log = logging.getLogger(__name__)


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
        mapped: bool = False,
    ) -> None:
        """Internal: use ``build`` or ``load``."""
        self._mapped = mapped
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
        # A mapped IVF is searched over its lists' positions in ``vectors``, not over the lists'
        # own copy of the vectors in index.faiss: the process then reads the vectors once.
        self._scan = ListScan.of(index, labels) if mapped and kind == IVF else None

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
            head = {
                "model_id": self._model_id,
                "kind": self._kind,
                "dim": self.dim,
                "nprobe": self._nprobe,
                "nlist": self._nlist,
                "seed": self._info.get("seed"),
            }
            self._version = versions.version_name(self._stamp, head, self._ids, self._labels, self._vectors)
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
        t0 = time.perf_counter()
        x = check_vectors(vectors, None)
        check_normalised(x)
        n, dim = x.shape
        id_arr = check_ids(ids, n)
        # Internal order is id order: the same vacancies give the same index in any input order.
        order = np.argsort(id_arr, kind="stable")
        x, id_arr = np.ascontiguousarray(x[order]), id_arr[order]
        labels = np.arange(n, dtype=np.int64)
        info: dict[str, Any] = {
            "seed": seed,
            "exact_below": exact_below,
            "recall_target": recall_target,
            "built_at": utc_stamp(),
            "note": "",
            "added_since_build": 0,
            "removed_since_build": 0,
        }
        q = None if queries is None else check_vectors(queries, dim, "queries")
        kind, index, used_nprobe, used_nlist = choose_structure(
            x, labels, q, info, exact_below=exact_below, nprobe=nprobe, recall_target=recall_target,
            seed=seed, nlist=nlist,
        )  # fmt: skip
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
            stamp=utc_stamp(),
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

    def vectors_at(self, positions: npt.ArrayLike) -> F32:
        """Vectors at internal positions (one gather from the contiguous float32 copy): what exact
        re-scoring reads for a lookup's ~200 candidates, without the id → position lookups."""
        return self._vectors[np.asarray(positions, dtype=np.intp)]

    def vector_blocks(self, rows: int = 8192) -> Iterator[tuple[int, F32]]:
        """All vectors in internal order as ``(first position, block)``, ``rows`` at a time. Of a
        mapped index each block is a copy read through a mapping of its own span of the file, gone
        before the next: reading the mapped whole would leave all of its pages resident."""
        v = self._vectors
        for start in range(0, self.count, rows):
            n = min(rows, self.count - start)
            if isinstance(v, np.memmap) and v.filename is not None:
                part = np.memmap(
                    v.filename, dtype=np.float32, mode="r", shape=(n, self.dim),
                    offset=v.offset + start * self.dim * 4,
                )  # fmt: skip
                block = np.array(part)
                del part
                yield start, block
            else:
                yield start, v[start : start + n]

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
        """``search_positions`` with vacancy ids instead of positions: scores (n, min(k, eligible))
        and the vacancy ids per query."""
        scores, pos = self.search_positions(queries, k, allowed)
        return scores, [row.tolist() for row in self._ids[pos]]

    def search_positions(self, queries: npt.ArrayLike, k: int, allowed: Allowed = None) -> tuple[F32, I64]:
        """Top ``min(k, eligible)`` vacancies per query by cosine, descending, ties by vacancy id.

        ``allowed`` is a boolean mask aligned with ``self.ids`` (compute it once with numpy for all
        vacancies) or a collection of vacancy ids. Every query gets exactly ``min(k, eligible)``
        results: when the IVF lists probed hold too few eligible vacancies, that query is answered
        by an exact dot product over the eligible subset. Filters leaving at most 10,000 vacancies
        are always answered exactly; above that, IVF probes ``nprobe / eligible-fraction`` lists,
        which holds the recall for filters unrelated to the text but not for ones correlated with
        the query. Returns scores and internal positions (``ids`` order), both (n, min(k, eligible)).
        """
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        q = check_vectors(np.atleast_2d(np.asarray(queries)), self.dim, "queries")
        mask = self._as_mask(allowed)
        eligible = self.count if mask is None else int(np.count_nonzero(mask))
        kk = min(k, eligible)
        nq = q.shape[0]
        if kk == 0:
            return np.zeros((nq, 0), dtype=np.float32), np.zeros((nq, 0), dtype=np.int64)
        exact, nprobe = route(self._kind, self.count, eligible, filtered=mask is not None,
                              nprobe=self._nprobe, nlist=self._nlist)  # fmt: skip
        if exact:
            scores, pos = self._search_numpy(q, mask, kk)
        else:
            scores, pos = faiss_search(
                self._index, self._kind, labels=self._labels, next_label=self._next_label, ids=self._ids,
                vectors=self._vectors, q=q, mask=mask, eligible=eligible, kk=kk, nprobe=nprobe,
                scan=self._scan,
            )  # fmt: skip
        return scores, pos

    def _search_numpy(self, q: F32, mask: Mask | None, kk: int) -> tuple[F32, I64]:
        return exact_search(q, self._vectors, self._ids, mask, kk)

    # -- updates ------------------------------------------------------------------------------

    def _writable(self) -> None:
        if self._mapped:
            # faiss aborts the whole process on a write to a memory-mapped index: refuse it here.
            raise RuntimeError(f"index {self.version} is memory-mapped (read-only): load a copy to change it")

    def _touched(self) -> None:
        self._version = None
        self._positions = None
        self._stamp = utc_stamp()

    def add(self, vectors: npt.ArrayLike, ids: Iterable[str]) -> None:
        """Add new vacancies (an id already indexed is an error: use ``upsert``)."""
        x = check_vectors(vectors, self.dim)
        check_normalised(x)
        id_arr = check_ids(ids, x.shape[0])
        if not len(id_arr):
            return
        self._writable()
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
        self._writable()
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
        x = check_vectors(vectors, self.dim)
        check_normalised(x)  # check before removing anything, so a bad batch changes nothing
        id_arr = check_ids(ids, x.shape[0])
        self.remove(id_arr.tolist(), missing_ok=True)
        self.add(x, id_arr)

    # -- persistence --------------------------------------------------------------------------

    def manifest(self) -> dict[str, Any]:
        """The manifest without file checksums (those are added by ``save``)."""
        faiss = faiss_module()

        return {
            "format": versions.FORMAT,
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
        arrays = {"vectors.npy": self._vectors, "ids.npy": self._ids, "labels.npy": self._labels}
        final = versions.save(Path(root), self.version, self._index, arrays, self.manifest(), keep=keep)
        log.info("saved index %s (%d vacancies) to %s", self.version, self.count, final)
        return final

    @classmethod
    def load(
        cls, root: Path, *, model_id: str | None = None, mmap: bool = False, mmap_faiss: bool = False
    ) -> FaissIndex:
        """Load the version ``root/current`` points to, verifying every checksum (``mmap`` and
        ``mmap_faiss`` as for ``load_version``).

        Raises BundleMismatch when there is no index, a file is missing or changed, the manifest
        disagrees with the files, or ``model_id`` is given and differs from the index's model.
        """
        target = current_version(root)
        if target is None:
            raise BundleMismatch(f"no index at {root}: {CURRENT} is missing")
        return cls.load_version(Path(root) / target, model_id=model_id, mmap=mmap, mmap_faiss=mmap_faiss)

    @classmethod
    def load_version(
        cls, path: Path, *, model_id: str | None = None, mmap: bool = False, mmap_faiss: bool = False
    ) -> FaissIndex:
        """Load one version directory (e.g. to roll back), verifying every checksum. ``mmap``: the
        vectors memory-mapped, read-only (a change makes new arrays); ``mmap_faiss``: the faiss
        index too, which then cannot change (load a copy to write)."""
        path = Path(path)
        stored = versions.read(path, model_id=model_id, mmap=mmap, mmap_faiss=mmap_faiss)
        m = stored.manifest
        return cls(
            model_id=m["model_id"],
            kind=m["kind"],
            index=stored.index,
            vectors=stored.vectors,
            ids=stored.ids,
            labels=stored.labels,
            next_label=int(m["next_label"]),
            nprobe=m["nprobe"],
            nlist=m["nlist"],
            info=stored.info,
            stamp=path.name.split("-")[0],
            version=path.name,
            mapped=mmap_faiss,
        )
