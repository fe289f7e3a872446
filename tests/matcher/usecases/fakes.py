"""In-memory fakes of the use cases' ports: the store's methods the use cases call and the live
matching state, with nothing else (no SQLite, no index, no model)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from matcher.domain import Claimant, Outcome, ProtectedAttributes, Vacancy
from matcher.errors import Conflict, UnknownClaimant, UnknownVacancy
from matcher.list_filters import ListFilter
from matcher.records import AuditEntry, ShownSuggestion, SuggestionAction
from matcher.service import Match, MatchList
from matcher.settings import CommuteSettings, RankingSettings


@dataclass
class Caller:
    name: str
    role_name: str
    scope: str | None
    sees_health: bool = True

    @property
    def reads_claimants(self) -> bool:
        return self.role_name != "batch"

    def may_see(self, jobcenter: str) -> bool:
        return self.scope is None or self.scope == jobcenter


class MemoryStore:
    """Records in dicts and lists, in the order written."""

    def __init__(self) -> None:
        self.claimants: dict[str, Claimant] = {}
        self.vacancies: dict[str, Vacancy] = {}
        self.outcomes: dict[str, Outcome] = {}
        self.audit: list[dict[str, Any]] = []
        self.suggestions: dict[str, ShownSuggestion] = {}
        self.actions: list[SuggestionAction] = []
        # (name, jobcenter, role) of the active users.
        self.users: list[tuple[str, str, str]] = [
            ("Frau Schulz", "JC-GOE", "case_manager"),
            ("Herr Meier", "JC-GOE", "team_lead"),
            ("Herr Kaya", "JC-OHA", "case_manager"),
            ("Frau Admin", "JC-GOE", "admin"),
        ]

    # -- audit -----------------------------------------------------------------------------------
    def add_audit(self, *, who: str, action: str, claimant_id: str | None = None,
                  model_version: str | None = None, index_version: str | None = None,
                  payload: dict[str, Any] | None = None) -> int:  # fmt: skip
        self.audit.append({"who": who, "action": action, "claimant_id": claimant_id,
                           "model_version": model_version, "index_version": index_version,
                           "payload": payload or {}})  # fmt: skip
        return len(self.audit)

    def get_audit(self, entry_id: int) -> AuditEntry | None:
        raise NotImplementedError

    def add_lookup(self, *, who: str, action: str, claimant_id: str | None, model_version: str | None,
                   index_version: str | None, payload: dict[str, Any],
                   shown: Sequence[ShownSuggestion]) -> tuple[int, list[ShownSuggestion]]:  # fmt: skip
        audit_id = self.add_audit(who=who, action=action, claimant_id=claimant_id, model_version=model_version,
                                  index_version=index_version, payload=payload)  # fmt: skip

        # One entry per kind, claimant, vacancy and model version, as the SQL store keeps them.
        def entry(s: ShownSuggestion) -> tuple[str, ...]:
            return (s.kind, s.claimant_id, s.vacancy_id, s.model_version)

        known = {entry(s): s for s in reversed(list(self.suggestions.values()))}
        stored = [known.get(entry(s)) or dataclasses.replace(s, id=f"{audit_id}-{s.rank}", lookup_id=audit_id)
                  for s in shown]  # fmt: skip
        self.suggestions.update((s.id, s) for s in stored)
        return audit_id, stored

    # -- claimants -------------------------------------------------------------------------------
    def get_claimant(self, claimant_id: str, *, with_health: bool = True) -> Claimant:
        try:
            c = self.claimants[claimant_id]
        except KeyError:
            raise UnknownClaimant(claimant_id) from None
        return c if with_health else dataclasses.replace(c, health_max_load=None)

    def insert_claimant(self, claimant: Claimant) -> None:
        if claimant.id in self.claimants:
            raise Conflict("this claimant id is already in use")
        self.claimants[claimant.id] = claimant

    def upsert_claimants(self, items: Sequence[tuple[Claimant, ProtectedAttributes | None]]) -> None:
        self.claimants.update((c.id, c) for c, _ in items)

    def search_claimants(
        self, jobcenter: str | None, q: str, limit: int, offset: int = 0
    ) -> tuple[int, list[dict[str, Any]]]:
        rows = [c for c in sorted(self.claimants.values(), key=lambda c: c.id)
                if (jobcenter is None or c.jobcenter == jobcenter) and c.id.startswith(q)]  # fmt: skip
        return len(rows), [{"id": c.id, "jobcenter": c.jobcenter} for c in rows[offset : offset + limit]]

    def delete_claimant(self, claimant_id: str) -> dict[str, int]:
        if claimant_id not in self.claimants:
            raise UnknownClaimant(claimant_id)
        del self.claimants[claimant_id]
        outcomes = [o for o in self.outcomes.values() if o.claimant_id == claimant_id]
        for o in outcomes:
            del self.outcomes[o.id]
        shown = [s for s in self.suggestions.values() if s.claimant_id == claimant_id]
        for s in shown:
            del self.suggestions[s.id]
        actions = [a for a in self.actions if a.claimant_id == claimant_id]
        self.actions = [a for a in self.actions if a.claimant_id != claimant_id]
        return {"claimants": 1, "outcomes": len(outcomes), "suggestions": len(shown),
                "suggestion_actions": len(actions)}  # fmt: skip

    # -- vacancies, outcomes ---------------------------------------------------------------------
    def get_vacancy(self, vacancy_id: str) -> Vacancy:
        try:
            return self.vacancies[vacancy_id]
        except KeyError:
            raise UnknownVacancy(vacancy_id) from None

    def upsert_vacancies(self, items: Sequence[Vacancy]) -> None:
        self.vacancies.update((v.id, v) for v in items)

    def insert_vacancy(self, v: Vacancy) -> None:
        if v.id in self.vacancies:
            raise Conflict("this vacancy id is already in use")
        self.vacancies[v.id] = v

    def delete_vacancy(self, vacancy_id: str) -> None:
        if self.vacancies.pop(vacancy_id, None) is None:
            raise UnknownVacancy(vacancy_id)

    def outcome_jobcenter(self, outcome_id: str) -> str | None:
        o = self.outcomes.get(outcome_id)
        return None if o is None else str(o.claimant_snapshot["jobcenter"])

    def upsert_outcomes(self, items: Sequence[Outcome]) -> None:
        self.outcomes.update((o.id, o) for o in items)

    # -- users -----------------------------------------------------------------------------------
    def known_user(self, name: str, jobcenter: str, roles: tuple[str, ...]) -> bool:
        return any(u == (name, jobcenter, r) for u in self.users for r in roles)

    # -- suggestions -----------------------------------------------------------------------------
    def get_suggestion(self, suggestion_id: str) -> ShownSuggestion | None:
        return self.suggestions.get(suggestion_id)

    def add_action(self, action: SuggestionAction) -> SuggestionAction:
        stored = dataclasses.replace(action, id=len(self.actions) + 1)
        self.actions.append(stored)
        return stored

    def list_actions(
        self, claimant_id: str | None = None, suggestion_id: str | None = None, *,
        vacancy_id: str | None = None, jobcenter: str | None = None,
    ) -> list[SuggestionAction]:  # fmt: skip
        return [a for a in self.actions if claimant_id in (None, a.claimant_id)
                and suggestion_id in (None, a.suggestion_id) and vacancy_id in (None, a.vacancy_id)
                and jobcenter in (None, self.suggestions[a.suggestion_id].jobcenter)]  # fmt: skip


@dataclass
class _Versioned:
    version: str = "idx-1"
    model_version: str = "model-1"


class FakeService:
    """A lookup service that lists the given vacancies in order for every claimant."""

    def __init__(self, vacancies: Sequence[Vacancy], claimants: Sequence[Claimant] = ()) -> None:
        self.vacancies = list(vacancies)
        self.claimants = list(claimants)
        self.today = date(2026, 11, 2)
        self.commute = CommuteSettings()
        self.ranking = RankingSettings()
        self.index = _Versioned()
        self.scorer = _Versioned()

    def _list(self, kind: str, subject: str, pairs: list[tuple[str, Vacancy]], k: int) -> MatchList:
        items = tuple(
            Match(
                rank=r,
                claimant_id=cid,
                vacancy_id=v.id,
                title=v.title,
                employer=v.employer.name,
                municipality=v.municipality,
                similarity=0.9 - r / 100,
                match_depth=5,
                commute_minutes=20.0,
                commute_limit=60.0,
                commute_mode="car",
                distance_km=12.0,
                hours_per_week=v.hours_per_week,
                p_match=0.5,
                p_sustain=0.6,
                score=round(0.3 - r / 1000, 4),
                filters_passed=(),
            )
            for r, (cid, v) in enumerate(pairs[:k], start=1)
        )
        return MatchList(kind=kind, subject_id=subject, items=items, considered=len(self.vacancies),
                         eligible=len(pairs), excluded={}, embedder_id="fake-emb", index_version="idx-1",
                         model_version="model-1")  # fmt: skip

    def suggest_for(self, c: Claimant, k: int, narrow: ListFilter | None = None) -> MatchList:
        self.narrowed_by = narrow  # what the use case passed on
        return self._list("suggestions", c.id, [(c.id, v) for v in self.vacancies], k)

    def candidates(self, vacancy_id: str, k: int) -> MatchList:
        v = next((v for v in self.vacancies if v.id == vacancy_id), None)
        if v is None:
            raise UnknownVacancy(vacancy_id)
        return self._list("candidates", vacancy_id, [(c.id, v) for c in self.claimants], k)


@dataclass
class FakeLive:
    service: Any
    by_jobcenter: dict[str, Any] = field(default_factory=dict)
    changed: list[tuple[str, bool]] = field(default_factory=list)
    vacancy_changes: list[tuple[list[str], list[str]]] = field(default_factory=list)
    forgotten: list[str] = field(default_factory=list)

    def transient_service(self) -> Any:
        return self.service

    def service_for(self, jobcenter: str) -> Any:
        return self.by_jobcenter.get(jobcenter, self.service)

    def claimant_changed(self, claimant: Claimant | None, claimant_id: str) -> None:
        self.changed.append((claimant_id, claimant is not None))

    def vacancies_changed(self, upserted: Sequence[Vacancy] = (), removed: Sequence[str] = ()) -> str:
        self.vacancy_changes.append(([v.id for v in upserted], list(removed)))
        return f"idx-{len(self.vacancy_changes) + 1}"

    def employer_changed(self, employer_id: str) -> str:
        self.vacancy_changes.append(([f"employer:{employer_id}"], []))
        return f"idx-{len(self.vacancy_changes) + 1}"

    def forget_profiles(self, claimants: Sequence[Claimant], keep: Sequence[Claimant] = ()) -> int:
        self.forgotten += [c.id for c in claimants]
        return len(claimants)
