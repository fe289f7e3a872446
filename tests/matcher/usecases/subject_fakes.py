"""The in-memory store with the reads an Auskunft and a notice gather (protected attributes,
shown lists, outcomes, proposals, nightly lists, the audit log), on top of ``MemoryStore``."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from matcher.domain import Outcome, Proposal, ProtectedAttributes
from matcher.records import AuditEntry, NightlyRow, NightlyRun, ShownSuggestion
from tests.matcher.usecases.fakes import MemoryStore

T0 = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


class SubjectStore(MemoryStore):
    def __init__(self) -> None:
        super().__init__()
        self.protected: dict[str, ProtectedAttributes] = {}
        self.proposals: list[Proposal] = []
        self.runs: list[NightlyRun] = []
        self.nightly: list[NightlyRow] = []

    def get_protected(self, ids: Iterable[str] | None = None) -> dict[str, ProtectedAttributes]:
        wanted = set(self.protected) if ids is None else set(ids)
        return {k: v for k, v in self.protected.items() if k in wanted}

    def list_suggestions(
        self, claimant_id: str | None = None, vacancy_id: str | None = None
    ) -> list[ShownSuggestion]:
        return [s for s in self.suggestions.values() if claimant_id in (None, s.claimant_id)
                and vacancy_id in (None, s.vacancy_id)]  # fmt: skip

    def list_outcomes(self) -> list[Outcome]:
        return list(self.outcomes.values())

    def list_proposals(self, claimant_id: str | None = None) -> list[Proposal]:
        return [p for p in self.proposals if claimant_id in (None, p.claimant_id)]

    def list_nightly_runs(self) -> list[NightlyRun]:
        return list(self.runs)

    def list_nightly(
        self, run_id: str, *, claimant_id: str | None = None, case_manager: str | None = None
    ) -> list[NightlyRow]:
        return [r for r in self.nightly if r.run_id == run_id and claimant_id in (None, r.claimant_id)
                and case_manager in (None, r.case_manager)]  # fmt: skip

    def list_audit(self, claimant_id: str | None = None, limit: int | None = None) -> list[AuditEntry]:
        entries = [
            AuditEntry(i, T0, e["who"], e["action"], e["claimant_id"], e["model_version"],
                       e["index_version"], e["payload"])
            for i, e in enumerate(self.audit, start=1)
            if claimant_id in (None, e["claimant_id"])
        ]  # fmt: skip
        return entries[:limit] if limit is not None else entries
