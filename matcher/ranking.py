"""Order candidates by expected lasting placements, with a per-employer cap (pure numpy).

The score of a candidate is ``p_match × p_sustain``: the chance that a proposal leads to a hire
times the chance that the job still holds after 12 months. Before a sustainability model exists,
``p_sustain`` is 1 and the order is by fit alone. Scores are compared at 32 significant bits and ties are
broken by id, so that the same inputs always give the same list whatever order they arrive in and
whichever CPU computed them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from matcher.probability import significant


@dataclass(frozen=True, slots=True)
class Ranked:
    position: int  # index into the candidate arrays
    id: str
    score: float


def rank(
    p_match: npt.NDArray[np.floating],
    p_sustain: npt.NDArray[np.floating],
    ids: npt.NDArray[np.str_],
    *,
    k: int,
    group: npt.NDArray[np.str_] | None = None,
    max_per_group: int | None = None,
) -> list[Ranked]:
    """Top k by ``p_match × p_sustain`` (descending), ties by id; at most ``max_per_group`` per group.

    ``group`` is the employer of each candidate: one employer or temp agency cannot fill the list.
    """
    if k < 1:
        return []
    # Compared at 32 significant bits: scores that differ only in the bits below are a tie, and a
    # tie goes to the smaller id, so a last-bit difference between two CPUs' arithmetic cannot swap
    # two suggestions (``matcher.probability``).
    score = significant(np.asarray(p_match, dtype=np.float64) * np.asarray(p_sustain, dtype=np.float64))
    ids = np.asarray(ids)
    # np.lexsort sorts by the last key first: score descending, then id ascending.
    order = np.lexsort((ids, -score))
    out: list[Ranked] = []
    per_group: dict[str, int] = {}
    for pos in order:
        if group is not None and max_per_group is not None:
            g = str(group[pos])
            if per_group.get(g, 0) >= max_per_group:
                continue
            per_group[g] = per_group.get(g, 0) + 1
        out.append(Ranked(position=int(pos), id=str(ids[pos]), score=float(score[pos])))
        if len(out) == k:
            break
    return out
