"""A case manager's caseload ("Meine Kunden") with the nightly lists, and the nightly runs as the
caller may read them.

Whose claimants: a case manager's own (the claimant's ``case_manager`` is the caller's name, in
the caller's Jobcenter); a team lead's teams (``settings.kennzahlen.team_leads``, else the teams
they hold a caseload in, the rule of the key figures), optionally one case manager of them; roles
bound to no Jobcenter or without the right to match see none (the routes require the right).
The current claimant record decides, not the Jobcenter or case manager a nightly row was written
for: a claimant handed to another case manager leaves the old caseload at once.

Per claimant: the latest complete run's list, which of its vacancies are new since the previous
complete run ("neu seit gestern"), and the open proposals (latest action on a vacancy "proposed"
or "applied": neither rejected nor hired yet). Every read names the claimants it showed in one
audit entry, as the search does (an erasure scrubs the id from it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from matcher.domain import Claimant, FeedbackAction
from matcher.errors import PassgenauError
from matcher.records import NightlyRow, NightlyRun, SuggestionAction
from matcher.usecases.access import audit
from matcher.usecases.history import latest_by_vacancy
from matcher.usecases.ports import AuditLog, Caller

CASE_MANAGER, TEAM_LEAD = "case_manager", "team_lead"
OPEN_ACTIONS = (FeedbackAction.PROPOSED, FeedbackAction.APPLIED)
NO_SUCH_RUN = "no such nightly run"


class NotPermitted(PassgenauError):
    """The caller may not see this caseload (HTTP 403)."""


class UnknownRun(PassgenauError):
    """No complete nightly run of this id (HTTP 404)."""


class CaseloadRecords(AuditLog, Protocol):
    def list_claimants(
        self, active_only: bool = True, jobcenter: str | None = None, *, with_health: bool = True
    ) -> list[Claimant]: ...

    def list_nightly_runs(self) -> list[NightlyRun]: ...

    def list_nightly(
        self, run_id: str, *, claimant_id: str | None = None, case_manager: str | None = None
    ) -> list[NightlyRow]: ...

    def list_actions(
        self,
        claimant_id: str | None = None,
        suggestion_id: str | None = None,
        *,
        vacancy_id: str | None = None,
        jobcenter: str | None = None,
    ) -> list[SuggestionAction]: ...


@dataclass(frozen=True)
class RunInfo:
    """A complete nightly run: its id, the day it judged vacancies on, when it ran, on which versions."""

    run_id: str
    day: date | None
    started: datetime
    finished: datetime | None
    versions: dict[str, str]

    @classmethod
    def of(cls, run: NightlyRun) -> RunInfo:
        today = run.manifest.get("today")
        versions = {str(k): str(v) for k, v in (run.manifest.get("versions") or {}).items()}
        return cls(run.id, date.fromisoformat(today) if today else None, run.started, run.finished, versions)


@dataclass(frozen=True)
class ListEntry:
    """One suggestion of a nightly list; ``new``: not in the previous run's list of this claimant."""

    row: NightlyRow
    new: bool


@dataclass(frozen=True)
class CaseloadClaimant:
    claimant: Claimant  # without health data
    entries: tuple[ListEntry, ...]  # the latest run's list, by rank
    open_proposals: tuple[SuggestionAction, ...]  # the latest action of each vacancy still open

    @property
    def new_count(self) -> int:
        return sum(e.new for e in self.entries)


@dataclass(frozen=True)
class Caseload:
    scope: str  # "case_manager" (own caseload) or "team"
    case_managers: tuple[str, ...]
    teams: tuple[str, ...]
    latest: RunInfo | None
    previous: RunInfo | None
    claimants: tuple[CaseloadClaimant, ...]


@dataclass(frozen=True)
class RunList:
    """One run's lists for the claimants the caller may see."""

    run: RunInfo
    case_managers: tuple[str, ...]
    rows: tuple[NightlyRow, ...]


def complete_runs(runs: Sequence[NightlyRun]) -> list[NightlyRun]:
    """The complete runs, newest first (by start, then id: a deterministic order for equal times)."""
    done = [r for r in runs if r.status == "complete"]
    return sorted(done, key=lambda r: (r.started, r.id), reverse=True)


def mark_new(latest: Sequence[NightlyRow], previous: Sequence[NightlyRow] | None) -> tuple[ListEntry, ...]:
    """The latest list with each entry marked new unless its vacancy was in the previous list; with
    no previous run at all everything is new."""
    before = {r.vacancy_id for r in previous} if previous is not None else set()
    return tuple(ListEntry(r, r.vacancy_id not in before) for r in latest)


def open_proposals(actions: Sequence[SuggestionAction]) -> tuple[SuggestionAction, ...]:
    """Each vacancy's latest action if it leaves the proposal open (proposed or applied)."""
    latest = latest_by_vacancy(actions)
    return tuple(a for a in latest.values() if a.action in OPEN_ACTIONS)


class CaseloadReads:
    def __init__(
        self, store: CaseloadRecords, *, team_leads: Mapping[str, Sequence[str]] | None = None
    ) -> None:
        self.store = store
        self.team_leads = {k: tuple(v) for k, v in (team_leads or {}).items()}

    # -- whose claimants -------------------------------------------------------------------------
    def _mine(self, caller: Caller, case_manager: str | None) -> tuple[str, tuple[str, ...], list[Claimant]]:
        """The scope, the teams and the claimants (active, by id) the caller asks for and may see."""
        role = caller.role_name
        if caller.scope is None or role not in (CASE_MANAGER, TEAM_LEAD):
            raise NotPermitted(f"role {role} has no caseload")
        register = [
            c
            for c in self.store.list_claimants(active_only=True, jobcenter=caller.scope, with_health=False)
            if caller.may_see(c.jobcenter)
        ]
        if role == CASE_MANAGER:
            if case_manager not in (None, caller.name):
                raise NotPermitted("case managers see their own caseload only")
            own = [c for c in register if c.case_manager == caller.name]
            return CASE_MANAGER, tuple(sorted({c.team for c in own})), sorted(own, key=lambda c: c.id)
        teams = self.team_leads.get(caller.name) or tuple(
            {c.team for c in register if c.case_manager == caller.name}
        )
        team_set = set(teams)
        chosen = [c for c in register if c.team in team_set and case_manager in (None, c.case_manager)]
        return "team", tuple(sorted(team_set)), sorted(chosen, key=lambda c: c.id)

    def _lists(self, run_id: str, claimants: Sequence[Claimant]) -> dict[str, list[NightlyRow]]:
        """The run's rows of these claimants, read per case manager (the indexed column)."""
        wanted = {c.id for c in claimants}
        out: dict[str, list[NightlyRow]] = {cid: [] for cid in wanted}
        for cm in sorted({c.case_manager for c in claimants}):
            for r in self.store.list_nightly(run_id, case_manager=cm):
                if r.claimant_id in wanted:
                    out[r.claimant_id].append(r)
        # A claimant whose case manager changed since the run: their rows under the old name.
        for cid in sorted(cid for cid, rows in out.items() if not rows):
            out[cid] = self.store.list_nightly(run_id, claimant_id=cid)
        return out

    # -- reads -----------------------------------------------------------------------------------
    def caseload(self, caller: Caller, case_manager: str | None = None) -> Caseload:
        """The caller's claimants with the latest nightly list and their open proposals."""
        scope, teams, claimants = self._mine(caller, case_manager)
        runs = complete_runs(self.store.list_nightly_runs())
        latest = runs[0] if runs else None
        previous = runs[1] if len(runs) > 1 else None
        now = self._lists(latest.id, claimants) if latest else {}
        before = self._lists(previous.id, claimants) if previous else {}
        out = []
        for c in claimants:
            entries = mark_new(now.get(c.id, []), before.get(c.id) if previous else None)
            out.append(CaseloadClaimant(c, entries, open_proposals(self.store.list_actions(c.id))))
        audit(
            self.store,
            caller,
            "caseload.read",
            payload={
                "case_manager": case_manager,
                "run_id": latest.id if latest else None,
                "claimant_ids": [c.id for c in claimants],
            },
        )
        return Caseload(
            scope=scope,
            case_managers=tuple(sorted({c.case_manager for c in claimants})),
            teams=teams,
            latest=RunInfo.of(latest) if latest else None,
            previous=RunInfo.of(previous) if previous else None,
            claimants=tuple(out),
        )

    def runs(self, caller: Caller) -> list[tuple[RunInfo, int]]:
        """The complete runs, newest first, each with how many list entries it holds for the
        caller's caseload (a run says nothing of other caseloads)."""
        _, _, claimants = self._mine(caller, None)
        out = []
        for run in complete_runs(self.store.list_nightly_runs()):
            rows = self._lists(run.id, claimants)
            out.append((RunInfo.of(run), sum(len(v) for v in rows.values())))
        audit(self.store, caller, "nightly.runs", payload={"runs": len(out)})
        return out

    def run_list(self, caller: Caller, run_id: str, case_manager: str | None = None) -> RunList:
        """One complete run's lists of the caller's caseload (a team lead: of one case manager if
        given); UnknownRun for a run that does not exist or is not complete."""
        _, _, claimants = self._mine(caller, case_manager)
        run = next((r for r in complete_runs(self.store.list_nightly_runs()) if r.id == run_id), None)
        if run is None:
            raise UnknownRun(NO_SUCH_RUN)
        rows = self._lists(run.id, claimants)
        flat = tuple(r for c in claimants for r in sorted(rows[c.id], key=lambda r: r.rank))
        shown = sorted({r.claimant_id for r in flat})
        payload: dict[str, Any] = {"run_id": run.id, "case_manager": case_manager, "claimant_ids": shown}
        audit(self.store, caller, "nightly.list", payload=payload, versions=_versions(run))
        return RunList(RunInfo.of(run), tuple(sorted({c.case_manager for c in claimants})), flat)


def _versions(run: NightlyRun) -> tuple[str, str]:
    v = run.manifest.get("versions") or {}
    return str(v.get("model", "")), str(v.get("index", ""))


__all__ = ["Caseload", "CaseloadReads", "NotPermitted", "RunInfo", "RunList", "UnknownRun"]
