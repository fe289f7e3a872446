"""The monthly key figures of one Jobcenter, team or case manager, small cells suppressed.

Every figure of a unit is computed from the facts attributed to it (``facts.Unit``): a team's are
its claimants', a Jobcenter's all of its teams'. A row (one month, or the whole period) holds
published cells only (``cells``): numbers, "< 5" or None.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from matcher.kennzahlen import cells
from matcher.kennzahlen.definitions import employed_after, matured, month_bounds, month_of, months_between
from matcher.kennzahlen.facts import ClaimantFact, FirstProposalFact, IntegrationFact, ProposalFact, Unit

LEVELS = ("jobcenter", "team", "case_manager")
GROUP_ATTRIBUTES = ("sex", "nationality_group", "age_band", "severe_disability")
UNKNOWN = "unbekannt"


@dataclass(frozen=True)
class Period:
    first: date
    last: date
    as_of: date  # the day the outcomes are judged on (what has matured)

    @property
    def months(self) -> list[str]:
        return months_between(self.first, self.last)

    def holds(self, d: date) -> bool:
        return self.first <= d <= self.last


def key_of(unit: Unit, level: str) -> tuple[str, ...]:
    full = (unit.jobcenter, unit.team, unit.case_manager)
    return full[: LEVELS.index(level) + 1]


def _ids(facts: Iterable[Any]) -> set[str]:
    return {f.claimant_id for f in facts}


def _average(stocks: Sequence[Sequence[ClaimantFact]], single_parents: bool = False) -> float:
    """The mean over the months of each month's stock (KennzV §5: the average stock of the months)."""
    if not stocks:
        return 0.0
    return sum(sum(1 for c in s if c.single_parent or not single_parents) for s in stocks) / len(stocks)


def row(
    ints: Sequence[IntegrationFact],
    props: Sequence[ProposalFact],
    firsts: Sequence[FirstProposalFact],
    stocks: Sequence[Sequence[ClaimantFact]],
    as_of: date,
) -> dict[str, Any]:
    """The published figures of one unit over the given facts: one month (``stocks`` its stock) or
    the period (``stocks`` each month's); rates divide by the average of the months' stocks."""
    stock_ids = {c.claimant_id for s in stocks for c in s}
    sp_stock = {c.claimant_id for s in stocks for c in s if c.single_parent}
    avg, sp_avg = _average(stocks), _average(stocks, single_parents=True)
    m12 = [i for i in ints if matured(i.start, 12, as_of)]
    e12 = [i for i in m12 if i.employed_12m]
    b12 = [i for i in m12 if i.benefits_12m]
    m6 = [i for i in ints if matured(i.start, 6, as_of)]
    e6 = [i for i in m6 if employed_after(i.start, i.end, 6)]
    hires = [p for p in props if p.hired]
    sp_ints = [i for i in ints if i.single_parent]
    sp_m12 = [i for i in m12 if i.single_parent]
    sp_e12 = [i for i in sp_m12 if i.employed_12m]
    days = [(f.first_proposed - f.activated).days for f in firsts]
    return {
        "stock": cells.count(avg, stock_ids),
        "stock_single_parents": cells.count(sp_avg, sp_stock),
        "integrations": cells.count(len(ints), _ids(ints)),
        "integration_rate": cells.share(_ids(ints), stock_ids, len(ints), avg),
        "matured_12m": cells.count(len(m12), _ids(m12)),
        "employed_12m_share": cells.share(_ids(e12), _ids(m12), len(e12), len(m12)),
        "benefits_12m_share": cells.share(_ids(b12), _ids(m12), len(b12), len(m12)),
        "matured_6m": cells.count(len(m6), _ids(m6)),
        "employed_6m_share": cells.share(_ids(e6), _ids(m6), len(e6), len(m6)),
        "proposals": cells.count(len(props), _ids(props)),
        "hires": cells.count(len(hires), _ids(hires)),
        "conversion": cells.share(_ids(hires), _ids(props), len(hires), len(props)),
        "first_proposals": cells.count(len(firsts), _ids(firsts)),
        "days_to_first_proposal": None if not days else cells.count(statistics.median(days), _ids(firsts)),
        "integrations_single_parents": cells.count(len(sp_ints), _ids(sp_ints)),
        "integration_rate_single_parents": cells.share(_ids(sp_ints), sp_stock, len(sp_ints), sp_avg),
        "employed_12m_share_single_parents": cells.share(
            _ids(sp_e12), _ids(sp_m12), len(sp_e12), len(sp_m12)
        ),
    }


def groups(stock: Sequence[ClaimantFact], ints: Sequence[IntegrationFact]) -> dict[str, dict[str, Any]]:
    """Counts by protected attribute (stock and integrations in the period), suppressed; no rates."""
    out: dict[str, dict[str, Any]] = {}
    for attr in GROUP_ATTRIBUTES:

        def value(f: ClaimantFact | IntegrationFact, attr: str = attr) -> str:
            return dict(f.groups).get(attr, UNKNOWN)

        table: dict[str, Any] = {}
        for v in sorted({value(c) for c in stock} | {value(x) for x in ints}):
            s = [c for c in stock if value(c) == v]
            i = [x for x in ints if value(x) == v]
            table[v] = {
                "claimants": cells.count(len(s), _ids(s)),
                "integrations": cells.count(len(i), _ids(i)),
            }
        out[attr] = table
    return out


def _by_month(facts: Iterable[Any], attr: str) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for f in facts:
        out.setdefault(month_of(getattr(f, attr)), []).append(f)
    return out


def unit_figures(
    level: str,
    key: tuple[str, ...],
    stock: Sequence[ClaimantFact],
    ints: Sequence[IntegrationFact],
    props: Sequence[ProposalFact],
    firsts: Sequence[FirstProposalFact],
    period: Period,
) -> dict[str, Any]:
    """One unit's figures: today's stock, one row per month and one for the whole period, the
    groups. The facts must already be the unit's (``stock``: every claimant of the register, active
    or not); those outside the period are left out here."""
    register, stock = stock, [c for c in stock if c.active]
    monthly = {m: [c for c in register if c.in_stock(*month_bounds(m))] for m in period.months}
    ints = [i for i in ints if period.holds(i.start)]
    props = [p for p in props if period.holds(p.proposed)]
    firsts = [f for f in firsts if period.holds(f.first_proposed)]
    ints_m, props_m, firsts_m = (
        _by_month(ints, "start"),
        _by_month(props, "proposed"),
        _by_month(firsts, "first_proposed"),
    )
    months = [
        {
            "month": m,
            **row(ints_m.get(m, []), props_m.get(m, []), firsts_m.get(m, []), [monthly[m]], period.as_of),
        }
        for m in period.months
    ]
    names = dict(zip(LEVELS, key, strict=False))
    return {
        "level": level,
        "jobcenter": names.get("jobcenter"),
        "team": names.get("team"),
        "case_manager": names.get("case_manager"),
        "stock": cells.count(len(stock), _ids(stock)),
        "stock_single_parents": cells.count(
            sum(c.single_parent for c in stock), _ids(c for c in stock if c.single_parent)
        ),
        "total": row(ints, props, firsts, list(monthly.values()), period.as_of),
        "months": months,
        "groups": groups(stock, ints),
    }


def by_key(facts: Iterable[Any], level: str) -> dict[tuple[str, ...], list[Any]]:
    """Facts grouped by their unit's key at ``level``, in their order."""
    out: dict[tuple[str, ...], list[Any]] = {}
    for f in facts:
        out.setdefault(key_of(f.unit, level), []).append(f)
    return out


def all_units(
    levels: Sequence[str],
    stock: Sequence[ClaimantFact],
    ints: Sequence[IntegrationFact],
    props: Sequence[ProposalFact],
    firsts: Sequence[FirstProposalFact],
    period: Period,
    keep: Any = None,
) -> list[dict[str, Any]]:
    """The figures of every unit at the given levels that any fact names, in order of level and
    key; ``keep(level, key)`` (optional) chooses which units to publish."""
    out = []
    for level in levels:
        groups_ = [by_key(fs, level) for fs in (stock, ints, props, firsts)]
        keys = sorted(set().union(*groups_))
        for key in keys:
            if keep is not None and not keep(level, key):
                continue
            s, i, p, f = (g.get(key, []) for g in groups_)
            out.append(unit_figures(level, key, s, i, p, f, period))
    return out
