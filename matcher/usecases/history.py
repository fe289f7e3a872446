"""The proposal history: what case managers did with the suggestions of one claimant or one vacancy.

The history is the append-only list of actions (``SuggestionAction``), oldest first: a second action
on the same suggestion is a second line, nothing is replaced. A claimant's history answers like the
claimant (another Jobcenter's is a missing one, and the attempt is audited); a vacancy's history
holds only the actions on the caller's own Jobcenter's claimants. Every read is audit-logged like
the other reads of claimant data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from matcher.errors import UnknownClaimant, UnknownVacancy
from matcher.records import SuggestionAction
from matcher.usecases.access import audit, visible_claimant
from matcher.usecases.ports import (
    AuditLog,
    Caller,
    ClaimantRepository,
    SuggestionRepository,
    VacancyRepository,
)
from matcher.usecases.vacancies import NO_SUCH_VACANCY


@dataclass(frozen=True)
class HistoryLine:
    action: SuggestionAction
    vacancy_title: str | None  # None: the vacancy is no longer stored


def latest_by_vacancy(actions: Sequence[SuggestionAction]) -> dict[str, SuggestionAction]:
    """Each vacancy's latest action (actions come in the order recorded)."""
    return {a.vacancy_id: a for a in actions}


class ProposalHistory:
    def __init__(
        self,
        suggestions: SuggestionRepository,
        claimants: ClaimantRepository,
        vacancies: VacancyRepository,
        log: AuditLog,
    ) -> None:
        self.suggestions = suggestions
        self.claimants = claimants
        self.vacancies = vacancies
        self.log = log

    def _lines(self, actions: Sequence[SuggestionAction]) -> list[HistoryLine]:
        titles: dict[str, str | None] = {}
        for a in actions:
            if a.vacancy_id not in titles:
                try:
                    titles[a.vacancy_id] = self.vacancies.get_vacancy(a.vacancy_id).title
                except UnknownVacancy:
                    titles[a.vacancy_id] = None
        return [HistoryLine(a, titles[a.vacancy_id]) for a in actions]

    def of_claimant(self, caller: Caller, claimant_id: str) -> list[HistoryLine]:
        c = visible_claimant(self.claimants, caller, claimant_id, with_health=False, log=self.log)
        actions = self.suggestions.list_actions(c.id)
        audit(self.log, caller, "claimant.proposals", claimant_id=c.id, payload={"actions": len(actions)})
        return self._lines(actions)

    def of_vacancy(self, caller: Caller, vacancy_id: str) -> list[HistoryLine]:
        try:
            self.vacancies.get_vacancy(vacancy_id)
        except UnknownVacancy:
            raise UnknownVacancy(NO_SUCH_VACANCY) from None
        actions = [
            a
            for a in self.suggestions.list_actions(vacancy_id=vacancy_id, jobcenter=caller.scope)
            if self._visible(caller, a.claimant_id)
        ]
        claimant_ids = sorted({a.claimant_id for a in actions})
        payload = {"vacancy_id": vacancy_id, "claimant_ids": claimant_ids}
        audit(self.log, caller, "vacancy.proposals", payload=payload)
        return self._lines(actions)

    def _visible(self, caller: Caller, claimant_id: str) -> bool:
        """Whether the claimant is stored and the caller's now (the suggestion row keeps the
        Jobcenter the claimant had when shown; the record decides)."""
        try:
            c = self.claimants.get_claimant(claimant_id, with_health=False)
        except UnknownClaimant:
            return False
        return caller.may_see(c.jobcenter)
