"""What the index promises its callers, and the checks every input passes.

Vectors are L2-normalised float32, so inner product equals cosine similarity. Every vacancy has a
stable int64 faiss label; the internal order (``ids``, ``vectors()``, filter masks) is label order.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]
Ids = npt.NDArray[np.str_]
Allowed = Mask | Collection[str] | None

EXACT = "exact"
IVF = "ivf"
_NORM_TOLERANCE = 1e-3


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

    def search_positions(self, queries: F32, k: int, allowed: Allowed = None) -> tuple[F32, I64]:
        """``search`` with internal positions (``ids`` order) instead of vacancy ids."""
        ...

    def vector(self, vacancy_id: str) -> F32: ...
    def vectors(self, ids: Iterable[str] | None = None) -> F32: ...
    def vectors_at(self, positions: npt.ArrayLike) -> F32: ...


def faiss_module() -> Any:
    """The faiss module, imported on first use."""
    # Imported on first use so that importing matcher.index (and `passgenau --help`) stays cheap.
    import faiss

    return faiss


def check_vectors(vectors: npt.ArrayLike, dim: int | None, what: str = "vectors") -> F32:
    """A finite, contiguous float32 (n, dim) copy or view of ``vectors``; ValueError otherwise."""
    arr = np.asarray(vectors)
    if arr.ndim != 2 or arr.shape[1] == 0:
        raise ValueError(f"{what}: expected a 2-d array (n, dim), got shape {arr.shape}")
    if dim is not None and arr.shape[1] != dim:
        raise ValueError(f"{what}: dimension {arr.shape[1]} does not match the index ({dim})")
    out = np.ascontiguousarray(arr, dtype=np.float32)
    if not np.isfinite(out).all():
        raise ValueError(f"{what}: contains NaN or infinity")
    return out


def check_normalised(x: F32) -> None:
    """ValueError unless every row has unit length (within a small tolerance)."""
    # Inner product is only cosine for unit vectors; a raw model output here would silently rank
    # long texts first.
    if len(x) and float(np.abs(np.einsum("ij,ij->i", x, x) - 1.0).max()) > 2 * _NORM_TOLERANCE:
        raise ValueError("vectors must be L2-normalised (inner product is used as cosine)")


def check_ids(ids: Iterable[str], n: int) -> Ids:
    """``n`` non-empty, unique vacancy ids as a str array; ValueError otherwise."""
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
