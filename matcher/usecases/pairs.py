"""One claimant and one vacancy, for the vacancy page opened from a claimant's list and the printed
Vermittlungsvorschlag: the commute from the claimant and the filters the pair fails. A read of the
claimant, so audit-logged and owner-checked like the others."""

from __future__ import annotations

from matcher.domain import Vacancy
from matcher.errors import UnknownVacancy
from matcher.service import PairFacts
from matcher.usecases.access import audit, visible_claimant
from matcher.usecases.ports import AuditLog, Caller, ClaimantRepository, LiveMatching
from matcher.usecases.vacancies import NO_SUCH_VACANCY


class PairLookups:
    def __init__(self, claimants: ClaimantRepository, log: AuditLog, live: LiveMatching) -> None:
        self.claimants = claimants
        self.log = log
        self.live = live

    def facts(self, caller: Caller, claimant_id: str, vacancy_id: str) -> PairFacts:
        # Health restrictions take part in the filters even where the role may not read them.
        c = visible_claimant(self.claimants, caller, claimant_id, with_health=True, log=self.log)
        try:
            facts = self.live.service.pair_facts(c, vacancy_id, sees_health=caller.sees_health)
        except UnknownVacancy:
            raise UnknownVacancy(NO_SUCH_VACANCY) from None
        audit(self.log, caller, "claimant.pair", claimant_id=c.id, payload={"vacancy_id": vacancy_id})
        return facts

    def excluded(
        self, caller: Caller, claimant_id: str, name: str, *, limit: int, offset: int = 0
    ) -> tuple[int, list[tuple[Vacancy, PairFacts]]]:
        """The vacancies one hard filter excludes for the claimant (the list page's counts, expanded),
        ``limit`` from ``offset`` by vacancy id, each with every filter it fails in words."""
        c = visible_claimant(self.claimants, caller, claimant_id, with_health=True, log=self.log)
        total, rows = self.live.service.excluded_by(
            c, name, limit=limit, offset=offset, sees_health=caller.sees_health
        )
        payload = {"filter": name, "total": total, "vacancy_ids": [v.id for v, _ in rows]}
        audit(self.log, caller, "claimant.excluded", claimant_id=c.id, payload=payload)
        return total, rows

    def why_not(
        self, caller: Caller, claimant_id: str, q: str, *, limit: int
    ) -> tuple[int, list[tuple[Vacancy, PairFacts]]]:
        """ "Warum nicht diese Stelle?" for a vacancy number or a title: the open vacancies it finds,
        each with the filters it fails for this claimant (none: it only ranks further down)."""
        c = visible_claimant(self.claimants, caller, claimant_id, with_health=True, log=self.log)
        total, rows = self.live.service.find_for(c, q, limit=limit, sees_health=caller.sees_health)
        payload = {"q": q, "total": total, "vacancy_ids": [v.id for v, _ in rows]}
        audit(self.log, caller, "claimant.why_not", claimant_id=c.id, payload=payload)
        return total, rows
