"""The §48a SGB II key figures of a Jobcenter, its teams and case managers, as the caller may see them.

Reads the register, the outcomes and proposals, the shown suggestions with their actions and the
nightly runs from the store, turns them into plain facts (``matcher.kennzahlen.facts``) and lets
the pure core compute the figures. Who sees what:

- team leads: the teams they lead (``settings.kennzahlen.team_leads``, else the teams they hold a
  caseload in) of their own Jobcenter, with those teams' case managers;
- admin and the command line's operator (roles bound to no Jobcenter): the Jobcenter (one, or each),
  its teams and case managers;
- case managers: their own caseload only; asking for a team is refused (``NotPermitted``);
- any other role: refused.

Aggregates only: no output names a claimant, and every cell behind fewer than 5 claimants is "< 5".
The read is audit-logged (``kennzahlen.read``) with what was asked, never a claimant.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from matcher.domain import Claimant, Outcome, Proposal, ProtectedAttributes
from matcher.errors import PassgenauError, ValidationError
from matcher.kennzahlen.definitions import (
    DEFINITIONS,
    HIRE_WINDOW_DAYS,
    SUPPRESSION_NOTE,
    add_months,
    months_between,
)
from matcher.kennzahlen.facts import (
    CapacityFact,
    ClaimantFact,
    FirstProposalFact,
    ForecastFact,
    IntegrationFact,
    NightlyFact,
    ProposalFact,
    ShownFact,
    Unit,
)
from matcher.kennzahlen.figures import LEVELS, Period, all_units, by_key
from matcher.kennzahlen.forecast import forecast_figures
from matcher.kennzahlen.nightly import capacity_figures, nightly_figures
from matcher.kennzahlen.shown import shown_figures
from matcher.records import NightlyRow, NightlyRun, ShownSuggestion, SuggestionAction
from matcher.usecases.access import audit
from matcher.usecases.ports import AuditLog, Caller

TEAM_LEAD, CASE_MANAGER = "team_lead", "case_manager"
UNSCOPED_ROLES = ("admin", "operator")
YEARS = (1990, 2200)
MAX_MONTHS = 120


class NotPermitted(PassgenauError):
    """The caller may not see these figures (HTTP 403)."""


class KennzahlenRecords(AuditLog, Protocol):
    """The store's reads the figures come from (``matcher.store.Store`` implements them)."""

    def list_claimants(
        self, active_only: bool = True, jobcenter: str | None = None, *, with_health: bool = True
    ) -> list[Claimant]: ...

    def get_protected(self, ids: Iterable[str] | None = None) -> dict[str, ProtectedAttributes]: ...

    def list_outcomes(self) -> list[Outcome]: ...

    def list_proposals(self, claimant_id: str | None = None) -> list[Proposal]: ...

    def list_suggestions(
        self, claimant_id: str | None = None, vacancy_id: str | None = None
    ) -> list[ShownSuggestion]: ...

    def list_actions(
        self, claimant_id: str | None = None, suggestion_id: str | None = None
    ) -> list[SuggestionAction]: ...

    def list_nightly_runs(self) -> list[NightlyRun]: ...

    def list_nightly(
        self, run_id: str, *, claimant_id: str | None = None, case_manager: str | None = None
    ) -> list[NightlyRow]: ...


@dataclass(frozen=True)
class Request:
    first: date | None = None  # default: 12 months before ``last``
    last: date | None = None  # default: the as-of day
    team: str | None = None
    jobcenter: str | None = None


@dataclass(frozen=True)
class Facts:
    stock: list[ClaimantFact]
    integrations: list[IntegrationFact]
    proposals: list[ProposalFact]
    firsts: list[FirstProposalFact]
    forecasts: list[ForecastFact]
    nightly: list[NightlyFact]
    shown: list[ShownFact]
    unattributed: dict[str, int] = field(default_factory=dict)  # records no unit could be found for


@dataclass(frozen=True)
class KennzahlenReport:
    generated_at: datetime
    generated_by: str
    as_of: date
    period: Period
    scope: dict[str, Any]
    units: list[dict[str, Any]]
    nightly_runs: list[dict[str, Any]]
    definitions: list[dict[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "generated_at": self.generated_at.isoformat(),
            "generated_by": self.generated_by,
            "as_of": self.as_of.isoformat(),
            "period": {
                "from": self.period.first.isoformat(),
                "to": self.period.last.isoformat(),
                "months": self.period.months,
            },
            "scope": self.scope,
            "suppression": SUPPRESSION_NOTE,
            "units": self.units,
            "nightly_runs": self.nightly_runs,
            "definitions": self.definitions,
        }


def single_parent(household: Mapping[str, Any]) -> bool:
    """Bedarfsgemeinschaft of one adult with at least one child."""
    children = sum(int(household.get(k) or 0) for k in ("children_0_5", "children_6_13", "children_14_17"))
    return int(household.get("adults") or 0) == 1 and children > 0


def _groups(p: ProtectedAttributes | None) -> tuple[tuple[str, str], ...]:
    if p is None:
        return ()
    return (
        ("sex", p.sex.value),
        ("nationality_group", p.nationality_group.value),
        ("age_band", p.age_band.value),
        ("severe_disability", "ja" if p.severe_disability else "nein"),
    )


def _snapshot_unit(snapshot: Mapping[str, Any]) -> Unit | None:
    if not all(snapshot.get(k) for k in ("jobcenter", "team", "case_manager")):
        return None
    return Unit(str(snapshot["jobcenter"]), str(snapshot["team"]), str(snapshot["case_manager"]))


def _capacity(by_unit: Any) -> tuple[CapacityFact, ...] | None:
    """The manifest's per-unit lists without and with the capacity constraint (runs before it was
    recorded have none: None)."""
    if not isinstance(by_unit, list):
        return None
    return tuple(
        CapacityFact(
            Unit(str(u["jobcenter"]), str(u["team"]), str(u["case_manager"])),
            int(u["claimants"]),
            float(u["without"]["expected_hires"]),
            float(u["without"]["expected_lasting"]),
            float(u["with"]["expected_hires"]),
            float(u["with"]["expected_lasting"]),
        )
        for u in by_unit
    )


def gather(store: KennzahlenRecords) -> Facts:
    """Every fact the figures need, from the store (all Jobcenters: the caller's view is chosen later)."""
    register = {c.id: c for c in store.list_claimants(active_only=False, with_health=False)}
    protected = store.get_protected()
    outcomes = store.list_outcomes()
    unit_of: dict[str, Unit] = {cid: Unit(c.jobcenter, c.team, c.case_manager) for cid, c in register.items()}
    # A claimant no longer in the register (a history placement) is placed where the snapshot at
    # placement says.
    for o in outcomes:
        u = _snapshot_unit(o.claimant_snapshot)
        if u is not None and o.claimant_id not in register:
            unit_of[o.claimant_id] = u
    integrations = []
    unattributed = {"integrations": 0, "proposals": 0}
    for o in outcomes:
        u = _snapshot_unit(o.claimant_snapshot) or unit_of.get(o.claimant_id)
        if u is None:
            unattributed["integrations"] += 1
            continue
        hh = o.claimant_snapshot.get("household")
        if isinstance(hh, Mapping):
            sp = single_parent(hh)
        else:
            sp = o.claimant_id in register and single_parent(asdict(register[o.claimant_id].household))
        integrations.append(
            IntegrationFact(
                o.claimant_id,
                u,
                o.start,
                o.end,
                o.employed_12m,
                o.benefits_12m,
                sp,
                _groups(protected.get(o.claimant_id)),
            )
        )
    placed: dict[tuple[str, str], list[Outcome]] = {}
    for o in outcomes:
        placed.setdefault((o.claimant_id, o.vacancy_id), []).append(o)

    def placement(claimant_id: str, vacancy_id: str, day: date) -> Outcome | None:
        """The placement that followed a proposal on ``day`` within the hire window."""
        end = day + timedelta(days=HIRE_WINDOW_DAYS)
        hits = [o for o in placed.get((claimant_id, vacancy_id), []) if day <= o.start <= end]
        return min(hits, key=lambda o: o.start) if hits else None

    proposals: dict[tuple[str, str, date], ProposalFact] = {}
    for p in store.list_proposals():
        if p.claimant_id not in unit_of:
            # A former claimant neither in the register nor ever placed: no team to count it for.
            unattributed["proposals"] += 1
            continue
        proposals[(p.claimant_id, p.vacancy_id, p.proposed)] = ProposalFact(
            p.claimant_id, unit_of[p.claimant_id], p.proposed, p.hired
        )
    shown = {s.id: s for s in store.list_suggestions()}
    shown_facts = []
    for s in shown.values():
        d = s.shown_at.date()
        if s.p_match is not None and s.p_sustain is not None and s.claimant_id in unit_of:
            shown_facts.append(
                ShownFact(s.claimant_id, unit_of[s.claimant_id], s.lookup_id, d, s.p_match, s.p_sustain)
            )
    proposed_at: dict[str, date] = {}
    hired_ids: set[str] = set()
    for a in store.list_actions():
        if a.action.value == "proposed" and a.suggestion_id not in proposed_at:
            proposed_at[a.suggestion_id] = a.at.date()
        elif a.action.value == "hired":
            hired_ids.add(a.suggestion_id)
    forecasts = []
    first_proposed: dict[str, date] = {}
    for sid, day in proposed_at.items():
        item = shown.get(sid)
        if item is None or item.claimant_id not in unit_of:
            continue
        s, u = item, unit_of[item.claimant_id]
        hit = placement(s.claimant_id, s.vacancy_id, day)
        hired = sid in hired_ids or hit is not None
        proposals.setdefault((s.claimant_id, s.vacancy_id, day), ProposalFact(s.claimant_id, u, day, hired))
        first_proposed[s.claimant_id] = min(day, first_proposed.get(s.claimant_id, day))
        if s.p_match is not None and s.p_sustain is not None:
            lasting = hit is not None and hit.employed_12m
            forecasts.append(ForecastFact(s.claimant_id, u, day, s.p_match, s.p_sustain, hired, lasting))
    for pf in proposals.values():  # the imported ones too: the first may predate passgenau's lists
        first_proposed[pf.claimant_id] = min(pf.proposed, first_proposed.get(pf.claimant_id, pf.proposed))
    activated = {cid: c.activated for cid, c in register.items() if c.activated is not None}
    firsts = [
        FirstProposalFact(cid, unit_of[cid], activated[cid], d)
        for cid, d in first_proposed.items()
        if cid in activated and activated[cid] <= d
    ]
    # The register holds no day an inactive claimant left: their last recorded day stands for it.
    last_day: dict[str, date] = {}
    for cid, d in [(o.claimant_id, o.start) for o in outcomes] + [
        (pf.claimant_id, pf.proposed) for pf in proposals.values()
    ]:
        last_day[cid] = max(d, last_day.get(cid, d))
    stock = [
        ClaimantFact(
            c.id,
            unit_of[c.id],
            single_parent(asdict(c.household)),
            _groups(protected.get(c.id)),
            active=c.active,
            activated=c.activated,
            left=None if c.active else last_day.get(c.id),
        )
        for c in register.values()
    ]
    nightly = []
    for run in store.list_nightly_runs():
        if run.finished is None:  # still running, or killed: its lists are not written
            continue
        cong = run.manifest.get("congestion") or {}
        sums: dict[str, tuple[float, float]] = {}
        for r in store.list_nightly(run.id):
            n_hires, n_lasting = sums.get(r.claimant_id, (0.0, 0.0))
            sums[r.claimant_id] = (n_hires + float(r.payload.get("p_match") or 0.0), n_lasting + r.score)
        lists = tuple((cid, unit_of[cid], h, t) for cid, (h, t) in sorted(sums.items()) if cid in unit_of)
        nightly.append(
            NightlyFact(
                run.id,
                run.started.date(),
                dict(cong.get("before") or {}),
                dict(cong.get("after") or {}),
                lists,
                _capacity(run.manifest.get("by_unit")),
            )
        )
    return Facts(
        stock, integrations, list(proposals.values()), firsts, forecasts, nightly, shown_facts, unattributed
    )


class Kennzahlen:
    def __init__(
        self,
        store: KennzahlenRecords,
        *,
        as_of: date,
        team_leads: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.store = store
        self.as_of = as_of
        self.team_leads = dict(team_leads or {})

    def _period(self, req: Request) -> Period:
        for name, d in (("from", req.first), ("to", req.last)):
            if d is not None and not YEARS[0] <= d.year <= YEARS[1]:
                raise ValidationError(name, f"must lie in the years {YEARS[0]}-{YEARS[1]}")
        last = req.last or self.as_of
        first = req.first or add_months(date(last.year, last.month, 1), -11)
        if first > last:
            raise ValidationError("from", "must not be after 'to'")
        # A row per month and unit: bounded, so that a request cannot ask for centuries of rows.
        if len(months_between(first, last)) > MAX_MONTHS:
            raise ValidationError("from", f"the period may span at most {MAX_MONTHS} months")
        return Period(first, last, self.as_of)

    def _lead_teams(self, caller: Caller, jobcenter: str, facts: Facts) -> set[str]:
        if caller.name in self.team_leads:
            return set(self.team_leads[caller.name])
        return {
            f.unit.team
            for f in facts.stock
            if f.active and f.unit.jobcenter == jobcenter and f.unit.case_manager == caller.name
        }

    def report(self, caller: Caller, req: Request) -> KennzahlenReport:
        """The figures the caller may see; NotPermitted for anything beyond that."""
        period = self._period(req)
        role = caller.role_name
        if caller.scope is not None and req.jobcenter not in (None, caller.scope):
            raise NotPermitted("you may only see figures of your own Jobcenter")
        if role not in (TEAM_LEAD, CASE_MANAGER, *UNSCOPED_ROLES):
            raise NotPermitted(f"role {role} may not see key figures")
        if role == CASE_MANAGER and req.team is not None:
            raise NotPermitted("case managers see their own caseload only, not a team's figures")
        facts = gather(self.store)
        jobcenter = caller.scope or req.jobcenter
        levels: tuple[str, ...]
        if role == CASE_MANAGER:
            levels, teams = ("case_manager",), None
        elif role == TEAM_LEAD:
            mine = self._lead_teams(caller, str(jobcenter), facts)
            if req.team is not None and req.team not in mine:
                raise NotPermitted("you may only see the figures of the teams you lead")
            teams = {req.team} if req.team else mine
            if not teams:
                raise NotPermitted("no team is assigned to you (settings: kennzahlen.team_leads)")
            levels = ("team", "case_manager")
        else:
            teams = {req.team} if req.team else None
            levels = ("team", "case_manager") if req.team else LEVELS

        def keep(level: str, key: tuple[str, ...]) -> bool:
            if jobcenter is not None and key[0] != jobcenter:
                return False
            if role == CASE_MANAGER:
                return key[2] == caller.name
            return teams is None or level == "jobcenter" or key[1] in teams

        f = facts
        units = all_units(levels, f.stock, f.integrations, f.proposals, f.firsts, period, keep)
        forecasts = {level: by_key(facts.forecasts, level) for level in LEVELS}
        for u in units:
            if u["level"] == "case_manager":
                continue
            key = tuple(u[k] for k in LEVELS[: LEVELS.index(u["level"]) + 1])
            u["forecast"] = forecast_figures(forecasts[u["level"]].get(key, []), period)
        shown = {level: by_key(facts.shown, level) for level in LEVELS}
        for u in units:
            key = tuple(u[k] for k in LEVELS[: LEVELS.index(u["level"]) + 1])
            u["nightly"] = nightly_figures(facts.nightly, u["level"], key, period)
            u["capacity"] = capacity_figures(facts.nightly, u["level"], key, period)
            u["shown_lists"] = shown_figures(shown[u["level"]].get(key, []), period.months)
        runs = [
            {"run_id": n.run_id, "day": n.day.isoformat(), "before": n.before, "after": n.after}
            for n in facts.nightly
            if period.holds(n.day)
        ]
        scope = {
            "role": role,
            "jobcenter": jobcenter,
            # Records of no known Jobcenter: counted for the roles that see every Jobcenter only.
            "unattributed": facts.unattributed if caller.scope is None else None,
            "teams": sorted(teams) if teams else None,
            "case_manager": caller.name if role == CASE_MANAGER else None,
        }
        audit(
            self.store,
            caller,
            "kennzahlen.read",
            payload={
                "from": period.first.isoformat(),
                "to": period.last.isoformat(),
                "team": req.team,
                "jobcenter": jobcenter,
                "units": len(units),
            },
        )
        return KennzahlenReport(
            generated_at=datetime.now(UTC),
            generated_by=caller.name,
            as_of=self.as_of,
            period=period,
            scope=scope,
            units=units,
            nightly_runs=runs,
            definitions=[vars(d) for d in DEFINITIONS],
        )


__all__ = ["Kennzahlen", "KennzahlenReport", "NotPermitted", "Request", "gather"]
