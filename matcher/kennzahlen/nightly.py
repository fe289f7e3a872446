"""The nightly lists' share of a unit: per run in the period, how many of its claimants got a list
and what the lists would bring if followed: expected hires (Σ P(hire)) and lasting placements
(Σ P(hire) × P(sustainable) of the suggestions)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from matcher.kennzahlen import cells
from matcher.kennzahlen.facts import NightlyFact
from matcher.kennzahlen.figures import Period, key_of


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
            }
        )
    return out
