"""The key figures against an independent count from the region's raw records.

The expected figures are computed here from what the fixture stored (the generator's claimants,
placements and proposals, and the shown suggestions it wrote), with this file's own loops and
calendar arithmetic, not through ``matcher.kennzahlen``; small cells must come out as "< 5".
"""

from __future__ import annotations

import json
import math
import statistics
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import pytest

from matcher.cli.governance import Operator
from matcher.usecases.kennzahlen import Kennzahlen, Request
from tests.matcher.kennzahlen.region import StoredRegion

FIRST, LAST = date(2023, 1, 1), date(2025, 10, 31)
S = "< 5"


def _plus_months(d: date, k: int) -> date:
    # Written apart from the code under test: step month by month, clamp the day.
    y, m = d.year, d.month
    for _ in range(k):
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    last_day = (date(y + (m == 12), m % 12 + 1, 1) - timedelta(days=1)).day
    return date(y, m, min(d.day, last_day))


def _count(value: Any, people: set[str]) -> Any:
    return value if len(people) >= 5 else S


def _share(num: set[str], den: set[str], n: int, d: int) -> Any:
    if d == 0:
        return None
    if len(num) < 5 or len(den) < 5:
        return S
    return n / d


def _sp(hh: dict[str, Any]) -> bool:
    return hh["adults"] == 1 and hh["children_0_5"] + hh["children_6_13"] + hh["children_14_17"] >= 1


def _is_sp(c: Any) -> bool:
    return (
        c.household.adults == 1
        and c.household.children_0_5 + c.household.children_6_13 + c.household.children_14_17 > 0
    )


def _expected_row(ints: list, props: list, firsts: list, stocks: list[list], as_of: date) -> dict[str, Any]:
    """ints: outcomes; props: (claimant, date, hired); firsts: (claimant, days); stocks: each
    month's claimants (one list for a month, every month's for the period)."""
    stock_ids = {c.id for s in stocks for c in s}
    sp_stock = {c.id for s in stocks for c in s if _is_sp(c)}
    avg = sum(len(s) for s in stocks) / len(stocks)
    sp_avg = sum(sum(_is_sp(c) for c in s) for s in stocks) / len(stocks)
    ids = {o.claimant_id for o in ints}
    m12 = [o for o in ints if _plus_months(o.start, 12) <= as_of]
    m6 = [o for o in ints if _plus_months(o.start, 6) <= as_of]
    e12 = [o for o in m12 if o.employed_12m]
    b12 = [o for o in m12 if o.benefits_12m]
    e6 = [o for o in m6 if o.end is None or o.end >= _plus_months(o.start, 6)]
    hires = [p for p in props if p[2]]
    sp_ints = [o for o in ints if _sp(o.claimant_snapshot["household"])]
    sp_m12 = [o for o in sp_ints if _plus_months(o.start, 12) <= as_of]
    sp_e12 = [o for o in sp_m12 if o.employed_12m]
    pid = {p[0] for p in props}
    hid = {p[0] for p in hires}
    fid = {f[0] for f in firsts}

    def people(xs: list) -> set[str]:
        return {o.claimant_id for o in xs}

    return {
        "stock": _count(avg, stock_ids),
        "stock_single_parents": _count(sp_avg, sp_stock),
        "integrations": _count(len(ints), ids),
        "integration_rate": _share(ids, stock_ids, len(ints), avg),
        "matured_12m": _count(len(m12), people(m12)),
        "employed_12m_share": _share(people(e12), people(m12), len(e12), len(m12)),
        "benefits_12m_share": _share(people(b12), people(m12), len(b12), len(m12)),
        "matured_6m": _count(len(m6), people(m6)),
        "employed_6m_share": _share(people(e6), people(m6), len(e6), len(m6)),
        "proposals": _count(len(props), pid),
        "hires": _count(len(hires), hid),
        "conversion": _share(hid, pid, len(hires), len(props)),
        "first_proposals": _count(len(firsts), fid),
        "days_to_first_proposal": None
        if not firsts
        else _count(statistics.median(f[1] for f in firsts), fid),
        "integrations_single_parents": _count(len(sp_ints), people(sp_ints)),
        "integration_rate_single_parents": _share(people(sp_ints), sp_stock, len(sp_ints), sp_avg),
        "employed_12m_share_single_parents": _share(people(sp_e12), people(sp_m12), len(sp_e12), len(sp_m12)),
    }


def _month(d: date) -> str:
    return d.strftime("%Y-%m")


@pytest.fixture(scope="module")
def report(kz_region: StoredRegion) -> dict[str, Any]:
    uc = Kennzahlen(kz_region.store, as_of=kz_region.as_of)
    return uc.report(Operator("cli:test", None), Request(first=FIRST, last=LAST)).to_json()


def _approx(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, int | float) and isinstance(b, int | float) and math.isclose(a, b, rel_tol=1e-12)
    return a == b


def _unit_key(level: str, jc: str, team: str, cm: str) -> tuple[str, ...]:
    return {"jobcenter": (jc,), "team": (jc, team), "case_manager": (jc, team, cm)}[level]


def _month_days(m: str) -> tuple[date, date]:
    y, mo = int(m[:4]), int(m[5:])
    nxt = date(y + 1, 1, 1) if mo == 12 else date(y, mo + 1, 1)
    return date(y, mo, 1), nxt - timedelta(days=1)


def test_every_figure_of_every_unit_and_month_equals_an_independent_count(
    kz_region: StoredRegion, report: dict[str, Any]
) -> None:
    r = kz_region.region
    as_of = kz_region.as_of
    register = [*r.claimants, *r.history_claimants]  # the history claimants are stored inactive
    active = {c.id for c in r.claimants}
    # A former claimant left on their last recorded day: a placement's start or a proposal.
    last: dict[str, date] = {}
    for cid, d in [(o.claimant_id, o.start) for o in r.outcomes] + [
        (p.claimant_id, p.proposed) for p in r.proposals
    ]:
        last[cid] = max(last.get(cid, d), d)
    months = [_month(date(y, m, 1)) for y in (2023, 2024, 2025) for m in range(1, 13)][:34]
    assert report["period"]["months"] == months

    def in_month(c: Any, m: str) -> bool:
        lo, hi = _month_days(m)
        if c.activated is not None and c.activated > hi:
            return False
        return c.id in active or (c.id in last and last[c.id] >= lo)

    by_unit: dict[tuple[str, tuple[str, ...]], dict[str, Any]] = defaultdict(
        lambda: {"stock": [], "register": [], "ints": [], "props": [], "firsts": []}
    )
    where = {c.id: (c.jobcenter, c.team, c.case_manager) for c in register}
    # Activation to the first proposal (the fixture's confirmed proposals fall on imported ones' days).
    first_day: dict[str, date] = {}
    for p in r.proposals:
        first_day[p.claimant_id] = min(first_day.get(p.claimant_id, p.proposed), p.proposed)
    for level in ("jobcenter", "team", "case_manager"):
        for c in register:
            unit = by_unit[(level, _unit_key(level, *where[c.id]))]
            unit["register"].append(c)
            if c.id in active:
                unit["stock"].append(c)
            d = first_day.get(c.id)
            if d is not None and c.activated is not None and c.activated <= d and FIRST <= d <= LAST:
                unit["firsts"].append((c.id, (d - c.activated).days, d))
        for o in r.outcomes:
            snap = o.claimant_snapshot
            if FIRST <= o.start <= LAST:
                key = _unit_key(level, snap["jobcenter"], snap["team"], snap["case_manager"])
                by_unit[(level, key)]["ints"].append(o)
        for p in r.proposals:
            if FIRST <= p.proposed <= LAST:
                by_unit[(level, _unit_key(level, *where[p.claimant_id]))]["props"].append(
                    (p.claimant_id, p.proposed, p.hired)
                )
    got = {(u["level"], tuple(x for x in (u["jobcenter"], u["team"], u["case_manager"]) if x)): u
           for u in report["units"]}  # fmt: skip
    assert set(got) == set(by_unit)
    suppressed_seen = 0
    firsts_seen = 0
    for key, raw in by_unit.items():
        u = got[key]
        stock = raw["stock"]
        assert u["stock"] == _count(len(stock), {c.id for c in stock}), key
        monthly = {m: [c for c in raw["register"] if in_month(c, m)] for m in months}
        want = _expected_row(raw["ints"], raw["props"], raw["firsts"], list(monthly.values()), as_of)
        assert all(_approx(u["total"][k], v) for k, v in want.items()), (key, u["total"], want)
        firsts_seen += len(raw["firsts"])
        for row in u["months"]:
            m = row["month"]
            want = _expected_row(
                [o for o in raw["ints"] if _month(o.start) == m],
                [p for p in raw["props"] if _month(p[1]) == m],
                [f for f in raw["firsts"] if _month(f[2]) == m],
                [monthly[m]],
                as_of,
            )
            got_row = {k: v for k, v in row.items() if k != "month"}
            assert set(got_row) == set(want)
            for k, v in want.items():
                assert _approx(got_row[k], v), (key, m, k, got_row[k], v)
                suppressed_seen += v == S
    # The region has small cells (a case manager's month): the check above covered suppression.
    assert suppressed_seen > 1000 and firsts_seen > 1000
    # The monthly stock moves (claimants come and go), and the rate stays a rate.
    jc = got[("jobcenter", ("JC-GOE",))]
    stocks = [row["stock"] for row in jc["months"]]
    assert len(set(stocks)) > 10 and all(isinstance(s, float) for s in stocks)
    rates = [row["integration_rate"] for row in jc["months"] if row["integration_rate"] != S]
    assert len(rates) >= 30 and all(0 < x < 0.2 for x in rates)


def test_small_cells_show_as_less_than_five_and_never_their_value(
    kz_region: StoredRegion, report: dict[str, Any]
) -> None:
    r = kz_region.region
    cms = defaultdict(set)
    for c in r.claimants:
        cms[(c.jobcenter, c.team, c.case_manager)].add(c.id)
    small = {k for k, ids in cms.items() if 0 < len(ids) < 5}
    assert small, "the region should hold a case manager with fewer than 5 active claimants"
    for u in report["units"]:
        if u["level"] == "case_manager":
            key = (u["jobcenter"], u["team"], u["case_manager"])
            assert (u["stock"] == S) == (key in small or len(cms.get(key, ())) == 0)
            if key in small:
                # A rate over a stock under 5 is suppressed whatever its numerator.
                assert all(row["integration_rate"] in (S, None) for row in u["months"])


def test_groups_count_stock_and_integrations_by_protected_attribute(
    kz_region: StoredRegion, report: dict[str, Any]
) -> None:
    r = kz_region.region
    prot = {p.claimant_id: p for p in [*r.protected, *r.history_protected]}
    jc = next(u for u in report["units"] if u["level"] == "jobcenter" and u["jobcenter"] == "JC-GOE")
    stock = [c.id for c in r.claimants if c.jobcenter == "JC-GOE"]
    ints = [o.claimant_id for o in r.outcomes
            if o.claimant_snapshot["jobcenter"] == "JC-GOE" and FIRST <= o.start <= LAST]  # fmt: skip
    for value in {p.sex.value for p in prot.values()}:
        s = [c for c in stock if prot[c].sex.value == value]
        i = [c for c in ints if prot[c].sex.value == value]
        assert jc["groups"]["sex"][value] == {
            "claimants": _count(len(s), set(s)),
            "integrations": _count(len(i), set(i)),
        }
    dis = [c for c in ints if prot[c].severe_disability]
    assert jc["groups"]["severe_disability"]["ja"]["integrations"] == _count(len(dis), set(dis))


def test_forecast_against_realised_lies_in_the_95_percent_interval_per_jobcenter(
    kz_region: StoredRegion, report: dict[str, Any]
) -> None:
    r = kz_region.region
    by_cv = {(o.claimant_id, o.vacancy_id): o for o in r.outcomes}
    first_day = {}
    for p in r.proposals:
        first_day.setdefault(p.claimant_id, p.proposed)
    jc_of = {c.id: c.jobcenter for c in r.history_claimants}
    for jc in ("JC-GOE", "JC-OHA"):
        ps, lasting = [], 0
        for s in kz_region.shown:
            d = first_day[s.claimant_id]
            if jc_of[s.claimant_id] != jc or not (FIRST <= d <= LAST):
                continue
            if _plus_months(d + timedelta(days=92), 12) > kz_region.as_of:
                continue  # outcome not known yet
            ps.append(s.p_match * s.p_sustain)
            o = by_cv.get((s.claimant_id, s.vacancy_id))
            lasting += o is not None and o.employed_12m
        n, mean = len(ps), sum(ps)
        sd = math.sqrt(sum(p * (1 - p) for p in ps))
        f = next(u for u in report["units"] if u["level"] == "jobcenter" and u["jobcenter"] == jc)["forecast"]
        t = f["total"]
        assert t["proposals"] == n and t["lasting"] == lasting
        assert t["expected_lasting"] == pytest.approx(mean, rel=1e-9)
        assert t["interval_low"] == pytest.approx((mean - 1.959964 * sd) / n, rel=1e-6)
        assert t["interval_high"] == pytest.approx((mean + 1.959964 * sd) / n, rel=1e-6)
        assert t["realised_share"] == pytest.approx(lasting / n)
        # The generator's truth is the forecast here: the realised share must lie in its interval.
        assert t["within_interval"] is True
        assert t["interval_low"] <= t["realised_share"] <= t["interval_high"]
        # Calibration bins partition the proposals.
        assert sum(b["proposals"] for b in f["calibration"] if b["proposals"] != S) <= n
    teams = [u for u in report["units"] if u["level"] == "team"]
    assert teams and all("forecast" in u and "within_interval" in u["forecast"]["total"] for u in teams)


def test_no_claimant_is_named_anywhere_in_the_report(kz_region: StoredRegion, report: dict[str, Any]) -> None:
    text = json.dumps(report, ensure_ascii=False)
    ids = [c.id for c in kz_region.region.claimants] + [c.id for c in kz_region.region.history_claimants]
    assert not [i for i in ids if f'"{i}"' in text or i in text]


def test_nightly_lists_per_unit_and_the_runs_congestion(kz_region: StoredRegion) -> None:
    # The default period (12 months up to the as-of day) holds the fixture's run.
    rep = (
        Kennzahlen(kz_region.store, as_of=kz_region.as_of)
        .report(Operator("cli:t", None), Request())
        .to_json()
    )
    assert rep["period"]["from"] == "2025-12-01" and rep["period"]["to"] == "2026-11-01"
    rows = kz_region.nightly_rows
    team_of = {c.id: (c.jobcenter, c.team) for c in kz_region.region.claimants}
    teams = [u for u in rep["units"] if u["level"] == "team"]
    assert teams
    for u in teams:
        mine = [x for x in rows if team_of[x.claimant_id] == (u["jobcenter"], u["team"])]
        ids = {x.claimant_id for x in mine}
        (got,) = u["nightly"]
        assert got["run_id"] == "run-1" and got["day"] == "2026-10-29"
        assert got["claimants_listed"] == _count(len(ids), ids)
        total = sum(x.score for x in mine)
        assert got["expected_lasting"] == (S if len(ids) < 5 else pytest.approx(total))
        hires = sum(x.payload["p_match"] for x in mine)
        assert got["expected_hires"] == (S if len(ids) < 5 else pytest.approx(hires))
        _check_capacity(kz_region, u, rep["period"]["months"])
    for u in rep["units"]:
        if u["level"] == "case_manager":
            _check_capacity(kz_region, u, rep["period"]["months"])
    (run,) = rep["nightly_runs"]
    assert run["before"]["expected_lasting"] == 88.5 and run["after"]["expected_lasting"] == 84.25
    assert run["after"]["max_exposure"] == 9


def _check_capacity(kz_region: StoredRegion, u: dict[str, Any], months: list[str]) -> None:
    """The unit's lists without and with the capacity constraint, from the run's raw ``by_unit``."""
    names = ("jobcenter", "team", "case_manager")
    key = tuple(u[k] for k in names if u[k] is not None)
    mine = [x for x in kz_region.nightly.manifest["by_unit"] if tuple(x[k] for k in names)[: len(key)] == key]
    people = sum(x["claimants"] for x in mine)
    without = sum(x["without"]["expected_lasting"] for x in mine)
    with_ = sum(x["with"]["expected_lasting"] for x in mine)

    def c(v: float) -> Any:
        return v if people >= 5 else S

    want = {
        "claimants": c(people),
        "expected_hires_without": c(sum(x["without"]["expected_hires"] for x in mine)),
        "expected_hires_with": c(sum(x["with"]["expected_hires"] for x in mine)),
        "expected_lasting_without": c(without),
        "expected_lasting_with": c(with_),
        "lasting_cost": c(without - with_),
        "lasting_cost_share": c((without - with_) / without),
    }
    (night,) = u["nightly"]
    assert set(night["capacity"]) == set(want)
    assert all(_close(night["capacity"][k], v) for k, v in want.items()), (key, night["capacity"], want)
    cap = u["capacity"]
    assert _close_all(cap["total"], {"runs": 1, **want}), key
    for row in cap["months"]:
        if row["month"] == "2026-10":  # the run's month
            assert _close_all(row, {"month": "2026-10", "runs": 1, **want}), key
        else:
            assert row == {"month": row["month"], "runs": 0}
    assert [r["month"] for r in cap["months"]] == months


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, int | float) and isinstance(b, int | float) and math.isclose(a, b, abs_tol=1e-9)
    return a == b


def _close_all(got: dict[str, Any], want: dict[str, Any]) -> bool:
    return set(got) == set(want) and all(_close(got[k], v) for k, v in want.items())


def test_shown_lists_expected_hires_and_lasting_if_followed(
    kz_region: StoredRegion, report: dict[str, Any]
) -> None:
    team_of = {c.id: (c.jobcenter, c.team) for c in kz_region.region.history_claimants}
    for u in report["units"]:
        if u["level"] != "team":
            continue
        mine = [s for s in kz_region.shown if team_of[s.claimant_id] == (u["jobcenter"], u["team"])]
        for row in u["shown_lists"]["months"]:
            m = [s for s in mine if _month(s.shown_at.date()) == row["month"]]
            ids = {s.claimant_id for s in m}
            assert row["suggestions"] == _count(len(m), ids)
            assert row["lists"] == _count(len({s.lookup_id for s in m}), ids)
            assert _approx(row["expected_hires"], _count(sum(s.p_match for s in m), ids))
            assert _approx(row["expected_lasting"], _count(sum(s.p_match * s.p_sustain for s in m), ids))
        inside = [s for s in mine if FIRST <= s.shown_at.date() <= LAST]
        assert u["shown_lists"]["total"]["suggestions"] == _count(
            len(inside), {s.claimant_id for s in inside}
        )
