"""How crowded the lists make the vacancies: exposure per vacancy before and after the allocation.

Exposure of a vacancy = the number of claimants' lists it appears in. Reported: the largest exposure
(and per opening), the Gini coefficient of exposure over the open vacancies, the share of open
vacancies shown to nobody, vacancies over their ⌊c × m⌋ capacity, claimants with fewer than N
suggestions, and the expected lasting placements of the lists (sum of p_match × p_sustain).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt


def gini(x: npt.ArrayLike) -> float:
    """Gini coefficient of non-negative values (0: all equal; → 1: one holds everything)."""
    v = np.sort(np.asarray(x, dtype=np.float64))
    n, total = len(v), float(v.sum())
    if n == 0 or total == 0.0:
        return 0.0
    i = np.arange(1, n + 1)
    return float((2.0 * (i * v).sum()) / (n * total) - (n + 1.0) / n)


@dataclass(frozen=True)
class Congestion:
    pairs: int
    max_exposure: int
    max_exposure_per_opening: float
    gini_exposure: float
    share_unseen: float  # of the open vacancies
    over_capacity: int  # vacancies in more than ⌊c × m⌋ lists
    short_lists: int  # claimants with fewer than N suggestions
    expected_lasting: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def congestion(
    vacancy: npt.NDArray[np.int64],
    claimant: npt.NDArray[np.int64],
    score: npt.NDArray[np.float64],
    *,
    openings: npt.NDArray[np.int64],
    cap: npt.NDArray[np.int64],
    open_mask: npt.NDArray[np.bool_],
    n_claimants: int,
    n: int,
) -> Congestion:
    exposure = np.bincount(vacancy, minlength=len(openings))
    per_claimant = np.bincount(claimant, minlength=n_claimants)
    seen = exposure[open_mask]
    return Congestion(
        pairs=len(vacancy),
        max_exposure=int(exposure.max(initial=0)),
        max_exposure_per_opening=float((exposure / np.maximum(openings, 1)).max(initial=0.0)),
        gini_exposure=round(gini(seen), 4),
        share_unseen=round(float((seen == 0).mean()) if len(seen) else 0.0, 4),
        over_capacity=int((exposure > cap).sum()),
        short_lists=int((per_claimant < n).sum()),
        expected_lasting=round(float(np.sum(score)), 3),
    )


def format_report(before: Congestion, after: Congestion, c: float) -> str:
    """Before (unconstrained top N) and after (capacity-aware) side by side, and what it costs."""
    rows = [
        ("suggestions (pairs)", f"{before.pairs:,}", f"{after.pairs:,}"),
        ("largest exposure of a vacancy", f"{before.max_exposure:,}", f"{after.max_exposure:,}"),
        (
            "largest exposure per opening",
            f"{before.max_exposure_per_opening:.1f}",
            f"{after.max_exposure_per_opening:.1f}",
        ),
        ("Gini of exposure (open vacancies)", f"{before.gini_exposure:.3f}", f"{after.gini_exposure:.3f}"),
        ("open vacancies shown to nobody", f"{before.share_unseen:.1%}", f"{after.share_unseen:.1%}"),
        (f"vacancies over c×m (c = {c:g})", f"{before.over_capacity:,}", f"{after.over_capacity:,}"),
        ("claimants with fewer than N", f"{before.short_lists:,}", f"{after.short_lists:,}"),
        (
            "expected lasting placements",
            f"{before.expected_lasting:,.1f}",
            f"{after.expected_lasting:,.1f}",
        ),
    ]
    w = max(len(r[0]) for r in rows)
    lines = [f"{'congestion':<{w}}  {'before':>12}  {'after':>12}"]
    lines += [f"{a:<{w}}  {b:>12}  {c_:>12}" for a, b, c_ in rows]
    cost = before.expected_lasting - after.expected_lasting
    share = cost / before.expected_lasting if before.expected_lasting else 0.0
    lines.append(f"the capacity constraint costs {cost:,.1f} expected lasting placements ({share:.2%})")
    return "\n".join(lines)
