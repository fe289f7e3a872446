"""The nightly lists' share of a unit: per run in the period, how many of its claimants got a list
and what the lists would bring if followed: expected hires (Σ P(hire)) and lasting placements
(Σ P(hire) × P(sustainable) of the suggestions).

And the effect of the capacity constraint on the unit: the expected lasting placements (and hires)
of its claimants' unconstrained top-N lists against the allocated ones, per run and per month (the
mean over the month's runs: each run lists the whole caseload afresh, so runs are not summed).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from matcher.kennzahlen import cells
from matcher.kennzahlen.definitions import month_of
from matcher.kennzahlen.facts import CapacityFact, NightlyFact
from matcher.kennzahlen.figures import Period, key_of

CAPACITY_KEYS = ("hires_without", "hires_with", "lasting_without", "lasting_with")


def nightly_figures(
    runs: Sequence[NightlyFact], level: str, key: tuple[str, ...], period: Period
) -> list[dict[str, Any]]:
    out = []
    for run in runs:
        if not period.holds(run.day):
            continue
        mine = [(cid, hires, total) for cid, unit, hires, total in run.lists if key_of(unit, level) == key]
        ids = {cid for cid, _, _ in mine}
        out.append(
            {
                "run_id": run.run_id,
                "day": run.day.isoformat(),
                "claimants_listed": cells.count(len(ids), ids),
                "expected_hires": cells.count(math.fsum(h for _, h, _ in mine), ids),
                "expected_lasting": cells.count(math.fsum(t for _, _, t in mine), ids),
                "capacity": _capacity_cells(_sums(run, level, key)),
            }
        )
    return out


def _sums(run: NightlyFact, level: str, key: tuple[str, ...]) -> dict[str, float] | None:
    """The unit's claimants and Σ of each capacity figure in one run; None if not recorded."""
    if run.capacity is None:
        return None
    mine: list[CapacityFact] = [c for c in run.capacity if key_of(c.unit, level) == key]
    if not mine:  # the unit had no claimants in this run
        return None
    sums = {k: math.fsum(getattr(c, k) for c in mine) for k in CAPACITY_KEYS}
    return {"claimants": float(sum(c.claimants for c in mine)), **sums}


def _capacity_cells(s: dict[str, float] | None, runs: int | None = None) -> dict[str, Any] | None:
    if s is None:
        return None
    people = int(s["claimants"])
    without, with_ = s["lasting_without"], s["lasting_with"]
    out: dict[str, Any] = {} if runs is None else {"runs": runs}
    out |= {
        "claimants": cells.count_of(people, people),
        "expected_hires_without": cells.count_of(s["hires_without"], people),
        "expected_hires_with": cells.count_of(s["hires_with"], people),
        "expected_lasting_without": cells.count_of(without, people),
        "expected_lasting_with": cells.count_of(with_, people),
        "lasting_cost": cells.count_of(without - with_, people),
        "lasting_cost_share": None if without == 0 else cells.count_of((without - with_) / without, people),
    }
    return out


def _mean(sums: Sequence[dict[str, float]]) -> dict[str, float]:
    """The mean run; its claimants the smallest run's, so that no run's small cell shows through."""
    out = {k: math.fsum(s[k] for s in sums) / len(sums) for k in CAPACITY_KEYS}
    return {"claimants": min(s["claimants"] for s in sums), **out}


def capacity_figures(
    runs: Sequence[NightlyFact], level: str, key: tuple[str, ...], period: Period
) -> dict[str, Any]:
    """Per month of the period and for the whole period: the mean run's expected hires and lasting
    placements without and with the capacity constraint, over the runs that recorded it."""
    by_month: dict[str, list[dict[str, float]]] = {}
    for run in runs:
        s = _sums(run, level, key) if period.holds(run.day) else None
        if s is not None:
            by_month.setdefault(month_of(run.day), []).append(s)
    every = [s for m in period.months for s in by_month.get(m, [])]
    return {
        "total": _capacity_cells(_mean(every), len(every)) if every else {"runs": 0},
        "months": [
            {"month": m, **(_capacity_cells(_mean(by_month[m]), len(by_month[m])) or {})}
            if m in by_month
            else {"month": m, "runs": 0}
            for m in period.months
        ],
    }
