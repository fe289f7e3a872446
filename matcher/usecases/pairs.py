"""One claimant and one vacancy, for the vacancy page opened from a claimant's list and the printed
Vermittlungsvorschlag: the commute from the claimant and the filters the pair fails. A read of the
claimant, so audit-logged and owner-checked like the others."""

from __future__ import annotations

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
            facts = self.live.service.pair_facts(c, vacancy_id)
        except UnknownVacancy:
            raise UnknownVacancy(NO_SUCH_VACANCY) from None
        audit(self.log, caller, "claimant.pair", claimant_id=c.id, payload={"vacancy_id": vacancy_id})
        return facts
