"""GDPR Art. 15 Auskunft: everything passgenau holds about one claimant, gathered from the store.

The record and the Bedarfsgemeinschaft, the health restriction and the protected attributes (each
with the purpose it is held for), every list the claimant was shown in (date, model, index and
embedding versions, vacancies and ranks), every action on those lists and who took it, the
recorded placements and proposals, the nightly lists naming them, and the audit entries about them.

Who may ask: the roles that handle data-subject requests (``SUBJECT_ACCESS_ROLES``; the API's
``Right.SUBJECT_ACCESS``), for a claimant of their own Jobcenter; another Jobcenter's claimant
answers like a missing one. The read itself is audit-logged (``claimant.auskunft``) before the
entries are gathered, so the answer lists its own entry. The protected attributes, otherwise read
only by the fairness audit, are part of the answer: the claimant is owed them. The health
restriction is shown only to a role that reads health data (``api.health_roles``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from matcher.domain import Outcome, Proposal, ProtectedAttributes, Vacancy, to_dict
from matcher.errors import UnknownVacancy
from matcher.records import AuditEntry, NightlyRow, NightlyRun, ShownSuggestion, SuggestionAction
from matcher.usecases.access import audit, visible_claimant
from matcher.usecases.ports import AuditLog, Caller, ClaimantRepository

# The roles that answer data-subject requests (api.auth.Role values; the team lead is the
# Jobcenter's contact for them, and only roles bound to one Jobcenter that read health data fit).
SUBJECT_ACCESS_ROLES = ("team_lead",)

PURPOSE_RECORD = (
    "Vermittlung in Arbeit nach dem SGB II: Vorschläge passender Stellen für Ihre Fallmanagerin "
    "oder Ihren Fallmanager (§§ 14-16 SGB II)."
)
PURPOSE_HOUSEHOLD = (
    "Prüfung, ob der Lohn einer Stelle die Hilfebedürftigkeit der Bedarfsgemeinschaft beendet "
    "oder verringert; wird nur für diese Rechnung verwendet."
)
PURPOSE_HEALTH = (
    "Nur, damit keine Stelle vorgeschlagen wird, die Ihre gesundheitliche Belastungsgrenze "
    "überschreitet (harter Filter). Lesen dürfen sie nur Fallmanagement und Teamleitung."
)
PURPOSE_PROTECTED = (
    "Nur für die Fairness-Prüfung des Modells (ob es Gruppen ungleich behandelt). Diese Angaben sind "
    "nie Merkmale des Modells und fließen in keinen Vorschlag ein."
)


class SubjectRecords(ClaimantRepository, AuditLog, Protocol):
    """The store's reads an Auskunft gathers from (``matcher.store.Store`` implements them)."""

    def get_protected(self, ids: Iterable[str] | None = None) -> dict[str, ProtectedAttributes]: ...

    def get_vacancy(self, vacancy_id: str) -> Vacancy: ...

    def list_suggestions(
        self, claimant_id: str | None = None, vacancy_id: str | None = None
    ) -> list[ShownSuggestion]: ...

    def list_actions(
        self, claimant_id: str | None = None, suggestion_id: str | None = None
    ) -> list[SuggestionAction]: ...

    def list_outcomes(self) -> list[Outcome]: ...

    def list_proposals(self, claimant_id: str | None = None) -> list[Proposal]: ...

    def list_nightly_runs(self) -> list[NightlyRun]: ...

    def list_nightly(
        self, run_id: str, *, claimant_id: str | None = None, case_manager: str | None = None
    ) -> list[NightlyRow]: ...

    def list_audit(self, claimant_id: str | None = None, limit: int | None = None) -> list[AuditEntry]: ...


@dataclass(frozen=True)
class ShownList:
    """One list the claimant appeared in: a lookup of their suggestions, or a vacancy's candidates."""

    lookup_id: int
    kind: str  # "suggestions" (their own list) or "candidates" (a vacancy's list of claimants)
    shown_at: datetime
    model_version: str
    index_version: str
    embedder_id: str | None
    items: tuple[dict[str, Any], ...]  # rank, vacancy, title, scores, suggestion id


@dataclass(frozen=True)
class SubjectReport:
    claimant_id: str
    jobcenter: str
    generated_at: datetime
    generated_by: str
    audit_id: int  # the entry that logs this Auskunft
    record: dict[str, Any]
    household: dict[str, Any]
    health: dict[str, Any]
    protected: dict[str, Any] | None
    lists: tuple[ShownList, ...]
    actions: tuple[dict[str, Any], ...]
    outcomes: tuple[dict[str, Any], ...]
    proposals: tuple[dict[str, Any], ...]
    nightly: tuple[dict[str, Any], ...]
    audit: tuple[dict[str, Any], ...]
    purposes: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The report as one JSON-ready object (enums by value, times ISO)."""
        out: dict[str, Any] = to_dict(self)
        return out


def _action(a: SuggestionAction, titles: dict[str, str | None]) -> dict[str, Any]:
    return {
        "id": a.id,
        "at": a.at.isoformat(),
        "action": a.action.value,
        "user": a.user,
        "confirmed_by": a.confirmed_by,
        "reason_code": a.reason_code,
        "suggestion_id": a.suggestion_id,
        "vacancy_id": a.vacancy_id,
        "title": titles.get(a.vacancy_id),
        "model_version": a.model_version,
    }


def _lists(shown: list[ShownSuggestion], titles: dict[str, str | None]) -> tuple[ShownList, ...]:
    by_lookup: dict[int, list[ShownSuggestion]] = {}
    for s in shown:
        by_lookup.setdefault(s.lookup_id, []).append(s)
    out = []
    for lookup_id, items in by_lookup.items():
        first = items[0]
        out.append(
            ShownList(
                lookup_id=lookup_id,
                kind=first.kind,
                shown_at=first.shown_at,
                model_version=first.model_version,
                index_version=first.index_version,
                embedder_id=first.embedder_id,
                items=tuple(
                    {
                        "suggestion_id": s.id,
                        "rank": s.rank,
                        "vacancy_id": s.vacancy_id,
                        "title": titles.get(s.vacancy_id),
                        "score": s.score,
                        "p_match": s.p_match,
                        "p_sustain": s.p_sustain,
                    }
                    for s in sorted(items, key=lambda s: s.rank)
                ),
            )
        )
    return tuple(sorted(out, key=lambda x: (x.shown_at, x.lookup_id)))


def _audit_entry(e: AuditEntry) -> dict[str, Any]:
    return {
        "id": e.id,
        "at": e.at.isoformat(),
        "who": e.who,
        "action": e.action,
        "model_version": e.model_version,
        "index_version": e.index_version,
        "payload": e.payload,
    }


class Auskunft:
    def __init__(self, store: SubjectRecords) -> None:
        self.store = store

    def _titles(self, vacancy_ids: Iterable[str], snapshots: dict[str, str]) -> dict[str, str | None]:
        """Vacancy titles as stored now, else as at placement; None for a vacancy no longer held."""
        out: dict[str, str | None] = {}
        for vid in sorted(set(vacancy_ids)):
            try:
                out[vid] = self.store.get_vacancy(vid).title
            except UnknownVacancy:
                out[vid] = snapshots.get(vid)
        return out

    def report(self, caller: Caller, claimant_id: str) -> SubjectReport:
        """Everything held about the claimant, for the caller's own Jobcenter's claimant only."""
        s = self.store
        # Health data only for a role that may read it (api.health_roles): the answer then says that
        # it is held back, rather than that none is stored.
        c = visible_claimant(s, caller, claimant_id, with_health=caller.sees_health, log=s)
        audit_id = audit(s, caller, "claimant.auskunft", claimant_id=c.id)
        outcomes = [o for o in s.list_outcomes() if o.claimant_id == c.id]
        shown = s.list_suggestions(claimant_id=c.id)
        actions = s.list_actions(claimant_id=c.id)
        proposals = s.list_proposals(c.id)
        nightly: list[tuple[NightlyRun, NightlyRow]] = []
        for run in s.list_nightly_runs():
            nightly += [(run, row) for row in s.list_nightly(run.id, claimant_id=c.id)]
        snapshots = {o.vacancy_id: str(o.vacancy_snapshot.get("title")) for o in outcomes
                     if o.vacancy_snapshot.get("title")}  # fmt: skip
        titles = self._titles(
            [x.vacancy_id for x in shown]
            + [a.vacancy_id for a in actions]
            + [o.vacancy_id for o in outcomes]
            + [p.vacancy_id for p in proposals],
            snapshots,
        )
        record = to_dict(c)
        household = record.pop("household")
        health = record.pop("health_max_load")
        protected = s.get_protected([c.id]).get(c.id)
        return SubjectReport(
            claimant_id=c.id,
            jobcenter=c.jobcenter,
            generated_at=datetime.now(UTC),
            generated_by=caller.name,
            audit_id=audit_id,
            record=record,
            household=household,
            health={"health_max_load": health, "shown": caller.sees_health, "purpose": PURPOSE_HEALTH},
            protected=None
            if protected is None
            else {
                **{k: v for k, v in to_dict(protected).items() if k != "claimant_id"},
                "purpose": PURPOSE_PROTECTED,
            },
            lists=_lists(shown, titles),
            actions=tuple(_action(a, titles) for a in actions),
            outcomes=tuple({**to_dict(o), "title": titles.get(o.vacancy_id)} for o in outcomes),
            proposals=tuple({**to_dict(p), "title": titles.get(p.vacancy_id)} for p in proposals),
            nightly=tuple(
                {
                    "run_id": run.id,
                    "run_started": run.started.isoformat(),
                    "rank": row.rank,
                    "vacancy_id": row.vacancy_id,
                    "title": row.payload.get("title"),
                    "employer": row.payload.get("employer"),
                    "case_manager": row.case_manager,
                    "score": round(row.score, 4),
                    "model_version": row.payload.get("model_version"),
                }
                for run, row in nightly
            ),
            audit=tuple(_audit_entry(e) for e in s.list_audit(claimant_id=c.id)),
            purposes={
                "record": PURPOSE_RECORD,
                "household": PURPOSE_HOUSEHOLD,
                "health": PURPOSE_HEALTH,
                "protected": PURPOSE_PROTECTED,
            },
        )
