"""Employer records: read and write. Employers are shared like the vacancies that name them (one
regional market, not a Jobcenter's record); admin and batch write them. A change reaches the
vacancies the running service holds at once: the scorer reads the employer's size band, collective
agreement, temp agency and training offer."""

from __future__ import annotations

from dataclasses import dataclass

from matcher.domain import Employer
from matcher.errors import UnknownEmployer
from matcher.usecases.access import audit
from matcher.usecases.ports import AuditLog, Caller, EmployerRepository, LiveMatching

NO_SUCH_EMPLOYER = "no such employer"


@dataclass(frozen=True)
class EmployerWrite:
    employer: Employer
    created: bool
    index_version: str


class EmployerRecords:
    def __init__(self, employers: EmployerRepository, log: AuditLog, live: LiveMatching) -> None:
        self.employers = employers
        self.log = log
        self.live = live

    def read(self, employer_id: str) -> Employer:
        try:
            return self.employers.get_employer(employer_id)
        except UnknownEmployer:
            raise UnknownEmployer(NO_SUCH_EMPLOYER) from None

    def put(self, caller: Caller, e: Employer) -> EmployerWrite:
        """Create or replace an employer; the vacancies naming it follow."""
        try:
            self.employers.get_employer(e.id)
            created = False
        except UnknownEmployer:
            created = True
        self.employers.upsert_employers([e])
        version = self.live.employer_changed(e.id)
        svc = self.live.service
        audit(
            self.log,
            caller,
            "employer.create" if created else "employer.update",
            payload={"employer_id": e.id},
            versions=(svc.scorer.model_version, version),
        )
        return EmployerWrite(self.employers.get_employer(e.id), created, version)
