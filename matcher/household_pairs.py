"""The household check for many (household, wage) pairs at once: ``assess_many``'s numbers, bit for bit.

A chunk of the nightly run scores ~200 vacancies for each of hundreds of claimants; assessing the
wages one household at a time costs ~30 numpy calls per claimant, most of the time on arrays of
~200. But the net pay depends on the household only through its tax situation (a parent or not, a
single parent with how many children: tax class and care-insurance rate), the §11b allowances only
through "has a child", and the benefit before the job is one number per household. So the wages are
grouped by tax situation (a handful per region), each group computed in one pass, and the
per-household numbers broadcast. Every step is an elementwise IEEE operation, whose result for an
element does not depend on the length of the array it is in: the same bits as ``assess_many``
(``tests/matcher/test_household_pairs.py`` checks it on random households and wages).

Measured (``python -m cProfile bench/nightly_bench.py --claimants 3000 --vacancies 3000``, AMD EPYC
with AVX-512, 2 cores, two other jobs running): the feature matrix's household columns took 4.1 s
of 7.0 s profiled in ``build_features`` with one assessment per claimant.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from matcher.domain import Household
from matcher.household import (
    HouseholdEffect,
    assess_many,
    countable_income,
    effect_records,
    kindergeld_counted,
    need,
    net_income,
    round_cents,
)
from matcher.settings import HouseholdSettings

F64 = npt.NDArray[np.float64]
IP = npt.NDArray[np.intp]


def tax_situation(h: Household) -> tuple[bool, int]:
    """What of a household the net pay depends on (``household._net``): parent or not, and the
    single parent's children (the Entlastungsbetrag); 0 for anyone else."""
    return h.children > 0, h.children if h.single_parent else 0


def _situations(homes: Sequence[Household]) -> tuple[list[tuple[bool, int]], IP]:
    """The distinct tax situations in first-seen order and each household's."""
    first: dict[tuple[bool, int], int] = {}
    which = [first.setdefault(tax_situation(h), len(first)) for h in homes]
    return list(first), np.array(which, dtype=np.intp)


def _homes(households: Sequence[Household]) -> tuple[list[Household], IP]:
    """The distinct household objects in first-seen order and each pair's.

    By identity, not equality: a claimant's pairs share one object, and hashing a record's fields
    for each of ~600,000 pairs would cost more than the assessment saves. Equal households held as
    separate objects are assessed separately, with the same result.
    """
    first: dict[int, int] = {}
    homes: list[Household] = []
    which: list[int] = []
    for h in households:
        k = first.get(id(h))
        if k is None:
            k = first[id(h)] = len(homes)
            homes.append(h)
        which.append(k)
    return homes, np.array(which, dtype=np.intp)


def assess_pairs(
    households: Sequence[Household], gross_monthly: npt.ArrayLike, s: HouseholdSettings
) -> dict[str, F64]:
    """``assess_many`` for aligned pairs: ``households[i]`` earning ``gross_monthly[i]``; same keys."""
    g = np.atleast_1d(np.asarray(gross_monthly, dtype=np.float64))
    if len(households) != len(g):
        raise ValueError(f"{len(households)} households for {len(g)} wages")
    homes, which = _homes(households)
    return _assess(homes, which, g, s)


def assess_grouped(homes: list[Household], which: IP, g: F64, s: HouseholdSettings) -> dict[str, F64]:
    """``assess_pairs`` once the pairs' distinct households are known: pair i is ``homes[which[i]]``
    earning ``g[i]`` (the nightly run knows them by claimant position, ``models.features``)."""
    return _assess(homes, which, np.atleast_1d(np.asarray(g, dtype=np.float64)), s)


def _assess(homes: list[Household], which: IP, g: F64, s: HouseholdSettings) -> dict[str, F64]:
    """``assess_pairs`` once the pairs' distinct households are known (``_homes``)."""
    if len(homes) == 1:  # a lookup: one claimant's candidates, no grouping to do
        return assess_many(homes[0], g, s)
    before_h = [need(h, s) - kindergeld_counted(h, s) for h in homes]
    before = np.array(before_h, dtype=np.float64)[which]
    # Python's max, as assess_many takes it (the sign of a zero included).
    cap = np.array([max(b, 0.0) for b in before_h], dtype=np.float64)[which]
    situations, home_situation = _situations(homes)
    situation = home_situation[which]
    net = np.empty_like(g)
    countable = np.empty_like(g)
    for k in range(len(situations)):
        at = np.flatnonzero(situation == k)
        home = homes[int(which[at[0]])]  # any household of the situation: its net pay is the same
        net[at] = net_income(g[at], s, home)
        countable[at] = countable_income(g[at], net[at], home.children > 0, s)
    remaining = round_cents(before - countable)
    return {
        "net": net,
        "countable": countable,
        "remaining_need": remaining,
        "ends_need": remaining <= 0,
        "reduction": np.minimum(countable, cap),
    }


def effects_of_pairs(
    households: Sequence[Household], gross_monthly: npt.ArrayLike, s: HouseholdSettings
) -> list[HouseholdEffect]:
    """``assess_effects`` for aligned pairs: one ``HouseholdEffect`` a pair."""
    g = np.atleast_1d(np.asarray(gross_monthly, dtype=np.float64))
    if len(households) != len(g):
        raise ValueError(f"{len(households)} households for {len(g)} wages")
    homes, which = _homes(households)  # once, for the assessment and the records
    r = _assess(homes, which, g, s)
    per_home = [(need(h, s), kindergeld_counted(h, s)) for h in homes]
    return effect_records(g, r, [per_home[k] for k in which.tolist()])


class WageTable:
    """Net pay and countable income of a fixed list of gross wages (a vacancy catalog's), per tax
    situation, each computed once: a lookup's ~200 candidates then gather theirs instead of running
    the ~30 numpy steps of the payroll and §11b rules on every call (~0.3 ms a lookup at any size).
    Elementwise, as ``_assess``: the same bits. A situation's arrays cost 16 bytes a wage; a region
    has a handful of situations."""

    def __init__(self, gross: F64) -> None:
        g = np.asarray(gross, dtype=np.float64)
        self.gross = g
        # The rules refuse an invalid wage (``ValidationError``); such a wage is left to them.
        self.valid = np.isfinite(g) & (g >= 0)
        self.all_valid = bool(self.valid.all())
        self._by: dict[tuple[bool, int], tuple[HouseholdSettings, F64, F64]] = {}

    def __len__(self) -> int:
        return len(self.gross)

    def income(self, home: Household, s: HouseholdSettings) -> tuple[F64, F64]:
        """(net pay, countable income) of every wage for a household of ``home``'s tax situation."""
        key = tax_situation(home)
        hit = self._by.get(key)
        if hit is None or hit[0] is not s:
            net = np.full_like(self.gross, np.nan)
            countable = np.full_like(self.gross, np.nan)
            g = self.gross[self.valid]
            net[self.valid] = net_income(g, s, home)
            countable[self.valid] = countable_income(g, net[self.valid], home.children > 0, s)
            hit = self._by[key] = (s, net, countable)
        return hit[1], hit[2]

    def covers(self, pos: IP) -> bool:
        return self.all_valid or bool(self.valid[pos].all())


def assess_gathered(
    homes: list[Household], which: IP, pos: IP, table: WageTable, s: HouseholdSettings
) -> dict[str, npt.NDArray[Any]]:
    """``assess_grouped`` of the wages ``table.gross[pos]``, their net pay and countable income
    gathered from ``table``; the keys the feature matrix reads (``remaining_need``, ``countable``,
    ``ends_need``)."""
    if not table.covers(pos):
        return assess_grouped(homes, which, table.gross[pos], s)
    if len(homes) == 1:
        _, countable_all = table.income(homes[0], s)
        countable = countable_all[pos]
        before: float | F64 = need(homes[0], s) - kindergeld_counted(homes[0], s)
    else:
        before = np.array([need(h, s) - kindergeld_counted(h, s) for h in homes], dtype=np.float64)[which]
        situations, home_situation = _situations(homes)
        situation = home_situation[which]
        countable = np.empty(len(pos), dtype=np.float64)
        for k in range(len(situations)):
            at = np.flatnonzero(situation == k)
            if len(at) == 0:  # a household given but in no pair
                continue
            countable[at] = table.income(homes[int(which[at[0]])], s)[1][pos[at]]
    remaining = round_cents(before - countable)
    return {"countable": countable, "remaining_need": remaining, "ends_need": remaining <= 0}


# Wages and tax situations whose incomes ``effects_of_few`` keeps, per settings object, before it
# starts over (a few hundred distinct wages a region; the bound only keeps a long run in check).
MEMO_LIMIT = 50_000
_memo: dict[
    int, tuple[HouseholdSettings, dict[tuple[tuple[bool, int], float, float], tuple[float, float]]]
] = {}


def _incomes(s: HouseholdSettings) -> dict[tuple[tuple[bool, int], float, float], tuple[float, float]]:
    hit = _memo.get(id(s))
    if hit is None or hit[0] is not s:
        hit = _memo[id(s)] = (s, {})
    if len(hit[1]) > MEMO_LIMIT:
        hit[1].clear()
    return hit[1]


def effects_of_few(
    households: Sequence[Household], gross_monthly: npt.ArrayLike, s: HouseholdSettings
) -> list[HouseholdEffect]:
    """``effects_of_pairs`` for the few pairs a list shows (ten of a lookup): each (tax situation,
    wage)'s net pay and countable income computed once per process and then looked up, since the
    ~30 numpy steps of the rules cost the same for ten wages as for a thousand (~0.4 ms a lookup).
    The incomes are the rules' elementwise results: the same bits."""
    g = np.atleast_1d(np.asarray(gross_monthly, dtype=np.float64))
    if len(households) != len(g):
        raise ValueError(f"{len(households)} households for {len(g)} wages")
    homes, which = _homes(households)
    memo = _incomes(s)
    situation = [tax_situation(h) for h in homes]
    wages = g.tolist()
    keys = [(situation[k], w, math.copysign(1.0, w)) for k, w in zip(which.tolist(), wages, strict=True)]
    missing: dict[tuple[bool, int], list[int]] = {}
    for i, key in enumerate(keys):
        if key not in memo:
            missing.setdefault(key[0], []).append(i)
    for sit, at in missing.items():
        home = homes[situation.index(sit)]
        net = net_income(g[at], s, home)
        countable = countable_income(g[at], net, home.children > 0, s)
        for i, n, c in zip(at, net.tolist(), countable.tolist(), strict=True):
            memo[keys[i]] = (n, c)
    found = [memo[key] for key in keys]
    net_all = np.array([n for n, _ in found], dtype=np.float64)
    countable_all = np.array([c for _, c in found], dtype=np.float64)
    before_h = [need(h, s) - kindergeld_counted(h, s) for h in homes]
    before = np.array(before_h, dtype=np.float64)[which]
    cap = np.array([max(b, 0.0) for b in before_h], dtype=np.float64)[which]
    remaining = round_cents(before - countable_all)
    r = {
        "net": net_all,
        "countable": countable_all,
        "remaining_need": remaining,
        "ends_need": remaining <= 0,
        "reduction": np.minimum(countable_all, cap),
    }
    per_home = [(need(h, s), kindergeld_counted(h, s)) for h in homes]
    return effect_records(g, r, [per_home[k] for k in which.tolist()])
