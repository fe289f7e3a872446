"""Placement outcomes: what became of a placement, with snapshots of both records as they are now
(the training set of the sustainability model)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from matcher.domain import Outcome, to_dict
from matcher.errors import Conflict, UnknownVacancy
from matcher.usecases.access import audit, denied, visible_claimant
from matcher.usecases.ports import AuditLog, Caller, ClaimantRepository, OutcomeRepository, VacancyRepository


@dataclass(frozen=True)
class OutcomeReport:
    id: str
    claimant_id: str
    vacancy_id: str
    start: date
    end: date | None
    employed_12m: bool
    benefits_12m: bool


class Outcomes:
    def __init__(
        self,
        outcomes: OutcomeRepository,
        claimants: ClaimantRepository,
        vacancies: VacancyRepository,
        log: AuditLog,
    ) -> None:
        self.outcomes = outcomes
        self.claimants = claimants
        self.vacancies = vacancies
        self.log = log

    def record(self, caller: Caller, report: OutcomeReport) -> Outcome:
        """An id already used for an outcome of the caller's Jobcenter replaces it; another
        Jobcenter's outcome is never replaced, nor an outcome handed to another Jobcenter's claimant by an
        unscoped role (409: the id is not free)."""
        c = visible_claimant(self.claimants, caller, report.claimant_id, with_health=True, log=self.log)
        owner = self.outcomes.outcome_jobcenter(report.id)
        if owner is not None and not caller.may_see(owner):
            denied(self.log, caller, "outcome", outcome_id=report.id)
            raise Conflict("this outcome id is already in use")
        if owner is not None and owner != c.jobcenter:
            # An unscoped role (batch, admin) re-using the id for another Jobcenter's claimant.
            raise Conflict("this outcome id is already in use")
        try:
            v = self.vacancies.get_vacancy(report.vacancy_id)
        except UnknownVacancy:
            raise UnknownVacancy("no such vacancy") from None
        o = Outcome(
            id=report.id,
            claimant_id=c.id,
            vacancy_id=v.id,
            start=report.start,
            end=report.end,
            employed_12m=report.employed_12m,
            benefits_12m=report.benefits_12m,
            claimant_snapshot=to_dict(c),
            vacancy_snapshot=to_dict(v),
        )
        self.outcomes.upsert_outcomes([o])
        audit(self.log, caller, "outcome", claimant_id=c.id, payload={"outcome_id": o.id, "vacancy_id": v.id})
        return o
