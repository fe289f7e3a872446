"""What the capacity constraint does to each unit's lists: per Jobcenter, team and case manager,
the expected hires and lasting placements of the unconstrained top-N lists and of the allocated ones.

The allocation moves suggestions from crowded vacancies to the next-best ones, so the run as a whole
loses a little expected lasting placement (``congestion.format_report``); this says whose lists pay
for it. Written into the run's manifest (``by_unit``) as aggregates only: a count of claimants per
unit, no claimant id, so that the key figures can compare with and without per team after the
run's candidate checkpoints are gone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

UnitKey = tuple[str, str, str]  # (jobcenter, team, case manager) of the claimant at run time


def by_unit(
    units: Sequence[UnitKey],
    claimant: npt.NDArray[np.int64],
    p_match: npt.NDArray[np.float64],
    score: npt.NDArray[np.float64],
    *,
    without: npt.NDArray[np.bool_],
    with_: npt.NDArray[np.bool_],
) -> list[dict[str, Any]]:
    """Per unit (sorted): its claimants in the run, and for the unconstrained (``without``) and the
    allocated (``with_``) pairs the claimants with a list, Σ P(hire) and Σ P(hire)·P(sustainable)
    (``score``). ``units[i]`` is the unit of claimant position i; the arrays are the candidates'."""
    keys = sorted(set(units))
    index = {k: j for j, k in enumerate(keys)}
    of_claimant = np.array([index[u] for u in units], dtype=np.int64)
    n_units = len(keys)
    members = np.bincount(of_claimant, minlength=n_units)
    sides: dict[str, dict[str, npt.NDArray[Any]]] = {}
    for name, mask in (("without", without), ("with", with_)):
        c = claimant[mask]
        u = of_claimant[c]
        listed = np.zeros(len(units), dtype=bool)
        listed[c] = True
        sides[name] = {
            "listed": np.bincount(of_claimant[listed], minlength=n_units),
            "expected_hires": np.bincount(u, weights=p_match[mask], minlength=n_units),
            "expected_lasting": np.bincount(u, weights=score[mask], minlength=n_units),
        }
    out = []
    for j, (jobcenter, team, case_manager) in enumerate(keys):
        row: dict[str, Any] = {
            "jobcenter": jobcenter,
            "team": team,
            "case_manager": case_manager,
            "claimants": int(members[j]),
        }
        for name, s in sides.items():
            row[name] = {
                "listed": int(s["listed"][j]),
                "expected_hires": float(s["expected_hires"][j]),
                "expected_lasting": float(s["expected_lasting"][j]),
            }
        out.append(row)
    return out
