"""FAISS vacancy index: search and updates (``search``), IVF tuning (``tuning``), saved versions
(``versions``, on top of :mod:`matcher.artifacts`), the contract callers rely on (``contract``).

Importing this package does not import faiss: it is imported on first use, so ``passgenau --help``
stays cheap.
"""

from __future__ import annotations

from matcher.artifacts import CURRENT, TMP_PREFIX, current_version
from matcher.index.contract import EXACT, F32, I64, IVF, Allowed, Ids, Mask, VectorIndex
from matcher.index.search import FaissIndex
from matcher.index.tuning import RECALL_K
from matcher.index.versions import FORMAT

__all__ = [
    "CURRENT",
    "EXACT",
    "F32",
    "FORMAT",
    "I64",
    "IVF",
    "RECALL_K",
    "TMP_PREFIX",
    "Allowed",
    "FaissIndex",
    "Ids",
    "Mask",
    "VectorIndex",
    "current_version",
]
