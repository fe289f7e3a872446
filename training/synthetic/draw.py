"""Pre-drawn uniforms: one row per record, consumed in a fixed order (fast and deterministic)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from itertools import accumulate
from typing import Any

import numpy as np

_W = 160  # uniforms drawn per record
_CHUNK = 2048


class Draw:
    """Successive uniforms of one record's pre-drawn row (fast, deterministic)."""

    __slots__ = ("i", "row")

    def __init__(self, row: list[float]) -> None:
        self.row = row
        self.i = 0

    def __call__(self) -> float:
        x = self.row[self.i]
        self.i += 1
        return x

    def pick(self, seq: Any) -> Any:
        n = len(seq)
        i = int(self.row[self.i] * n)
        self.i += 1
        return seq[i if i < n else n - 1]

    def weighted(self, items: Any, cum: list[float]) -> Any:
        i = bisect_right(cum, self.row[self.i] * cum[-1])
        self.i += 1
        return items[i if i < len(items) else len(items) - 1]

    def int(self, lo: int, hi: int) -> int:
        """Uniform integer in [lo, hi]."""
        k = int(self.row[self.i] * (hi - lo + 1))
        self.i += 1
        return lo + (k if k <= hi - lo else hi - lo)


def uniform_rows(rng: np.random.Generator, n: int) -> Iterator[list[float]]:
    """``n`` rows of uniforms, drawn in chunks (the chunking does not change the stream)."""
    for start in range(0, n, _CHUNK):
        yield from rng.random((min(_CHUNK, n - start), _W)).tolist()


def cumulative(weights: Any) -> list[float]:
    """Cumulative sums of ``weights``, for `Draw.weighted`."""
    return list(accumulate(float(w) for w in weights))
