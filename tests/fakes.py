"""A small, deterministic stand-in for the embedding model in fast tests.

Character-trigram hashing: texts that share words share trigrams, so similar texts get similar
vectors, as with the real model (which the integration tests use).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np


class TrigramEmbedder:
    def __init__(self, dim: int = 64) -> None:
        self.dim = dim
        self.model_id = f"trigram-{dim}"

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            t = f"  {text.lower()}  "
            for j in range(len(t) - 2):
                h = int.from_bytes(hashlib.blake2b(t[j : j + 3].encode(), digest_size=4).digest(), "little")
                out[i, h % self.dim] += 1.0
            norm = np.linalg.norm(out[i])
            out[i] = out[i] / norm if norm else 1.0 / np.sqrt(self.dim)
        return out

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts)
