"""How closely a vacancy's KldB 2010 code matches a claimant's occupations (pure numpy).

KldB 2010 codes are hierarchical: digit 1 Berufsbereich, 2 Berufshauptgruppe, 3 Berufsgruppe,
4 Berufsuntergruppe, 5 Anforderungsniveau. The match depth of a pair is the longest common prefix
(0-5) between the vacancy's code and any of the claimant's codes (desired, experienced, or grounded
from the desired-occupation text): 5 is the same occupation at the same level, 4 the same
occupation at another level, 3 a neighbouring occupation in the same group, and so on.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt


def _digits(codes: Sequence[str | None]) -> npt.NDArray[np.int8]:
    """(n, 5) digits; a missing code is all -1 and matches nothing (not even another missing one)."""
    out = np.full((len(codes), 5), -1, dtype=np.int8)
    for i, code in enumerate(codes):
        if code:
            out[i] = [int(ch) for ch in code]
    return out


def vacancy_digits(codes: Sequence[str | None]) -> npt.NDArray[np.int8]:
    """Precompute once per vacancy set; missing codes use -2 so they never equal a claimant's -1."""
    d = _digits(codes)
    d[d < 0] = -2
    return d


def match_depth(claimant_codes: Sequence[str], vacancy_digits_: npt.NDArray[np.int8]) -> npt.NDArray[np.int8]:
    """Longest common KldB prefix (0-5) of each vacancy with any of the claimant's codes."""
    n = vacancy_digits_.shape[0]
    if not claimant_codes or n == 0:
        return np.zeros(n, dtype=np.int8)
    c = _digits(sorted(set(claimant_codes)))
    equal = vacancy_digits_[:, None, :] == c[None, :, :]
    depth = np.cumprod(equal, axis=2, dtype=np.int8).sum(axis=2, dtype=np.int8)
    out: npt.NDArray[np.int8] = depth.max(axis=1)
    return out


def match_depth_each(
    claimants_codes: Sequence[Sequence[str]], vacancy_digits_: npt.NDArray[np.int8]
) -> npt.NDArray[np.int8]:
    """``match_depth`` of one vacancy (``vacancy_digits_``, one row) with each of many claimants' codes,
    in one comparison over all their codes (a vacancy's ~200 candidates) instead of one call each."""
    n = len(claimants_codes)
    owner = np.repeat(np.arange(n), [len(codes) for codes in claimants_codes])
    out = np.zeros(n, dtype=np.int8)
    if owner.size == 0:
        return out
    c = _digits([code for codes in claimants_codes for code in codes])
    equal = c == np.asarray(vacancy_digits_, dtype=np.int8).reshape(1, 5)
    depth = np.cumprod(equal, axis=1, dtype=np.int8).sum(axis=1, dtype=np.int8)
    np.maximum.at(out, owner, depth)
    return out
