"""The lists' forecast against what happened, for the proposals actually made from shown lists.

A proposal's forecast of a lasting placement is P(hire) × P(sustainable) as shown with the
suggestion. Once its outcome can be known (``definitions.forecast_resolved``), the realised count
of lasting placements is a sum of independent Bernoulli draws with those probabilities if the
forecast is right: Poisson-binomial with mean Σp and variance Σp(1−p). The 95 % interval is its
normal approximation, mean ± 1.96 · sd, as a share of the proposals.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

from matcher.kennzahlen import cells
from matcher.kennzahlen.definitions import forecast_resolved, month_of
from matcher.kennzahlen.facts import ForecastFact
from matcher.kennzahlen.figures import Period

Z95 = 1.959963984540054
# Bins of the forecast P(lasting) for the calibration table.
CALIBRATION_EDGES = (0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0)


def interval(ps: Sequence[float]) -> tuple[float, float, float]:
    """Expected count Σp and its 95 % interval (normal approximation of the Poisson-binomial)."""
    mean = math.fsum(ps)
    sd = math.sqrt(math.fsum(p * (1.0 - p) for p in ps))
    return mean, max(0.0, mean - Z95 * sd), min(float(len(ps)), mean + Z95 * sd)


def summary(facts: Sequence[ForecastFact]) -> dict[str, Any]:
    """Proposals, forecast and realised lasting placements and hires, the forecast's 95 % interval
    of the lasting share and whether the realised share lies in it; small cells suppressed."""
    n = len(facts)
    ids = {f.claimant_id for f in facts}
    lasting = [f for f in facts if f.lasting]
    hired = [f for f in facts if f.hired]
    mean, lo, hi = interval([f.p_lasting for f in facts])
    if n == 0:
        return {"proposals": cells.count(0, ())}
    shown = len(ids) >= cells.MIN_CLAIMANTS
    return {
        "proposals": cells.count(n, ids),
        "expected_hires": cells.count(math.fsum(f.p_match for f in facts), ids),
        "hires": cells.count(len(hired), {f.claimant_id for f in hired}),
        "expected_lasting": cells.count(mean, ids),
        "lasting": cells.count(len(lasting), {f.claimant_id for f in lasting}),
        "forecast_share": cells.count(mean / n, ids),
        "interval_low": cells.count(lo / n, ids),
        "interval_high": cells.count(hi / n, ids),
        "realised_share": cells.share({f.claimant_id for f in lasting}, ids, len(lasting), n),
        # Computed from the unsuppressed counts: "inside" tells nothing about a single person.
        "within_interval": (lo <= len(lasting) <= hi) if shown else cells.SUPPRESSED,
    }


def calibration(facts: Sequence[ForecastFact]) -> list[dict[str, Any]]:
    """Per bin of forecast P(lasting): proposals, mean forecast, realised share."""
    out = []
    for lo, hi in itertools.pairwise(CALIBRATION_EDGES):
        last = hi == CALIBRATION_EDGES[-1]
        b = [f for f in facts if lo <= f.p_lasting < hi or (last and f.p_lasting == hi)]
        ids = {f.claimant_id for f in b}
        lasting = [f for f in b if f.lasting]
        mean = math.fsum(f.p_lasting for f in b) / len(b) if b else 0.0
        out.append(
            {
                "bin": f"{lo:.2f}–{hi:.2f}",
                "proposals": cells.count(len(b), ids),
                "mean_forecast": None if not b else cells.count(mean, ids),
                "realised_share": cells.share({f.claimant_id for f in lasting}, ids, len(lasting), len(b)),
            }
        )
    return out


def forecast_figures(facts: Sequence[ForecastFact], period: Period) -> dict[str, Any]:
    """For one unit and the proposals made in the period: the summary and calibration of those
    whose outcome can be known, one summary per month of proposal, and how many are still open."""
    inside = [f for f in facts if period.holds(f.proposed)]
    done = [f for f in inside if forecast_resolved(f.proposed, period.as_of)]
    open_ = [f for f in inside if not forecast_resolved(f.proposed, period.as_of)]
    return {
        "pending": cells.count(len(open_), {f.claimant_id for f in open_}),
        "total": summary(done),
        "calibration": calibration(done),
        "months": [
            {"month": m, **summary([f for f in done if month_of(f.proposed) == m])} for m in period.months
        ],
    }
