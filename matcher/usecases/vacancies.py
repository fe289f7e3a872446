"""Vacancy records: read, create, replace, delete. Each change reaches the index at once (a new
index version) and is audit-logged with the versions it produced.

A vacancy names its employer: an employer named for the first time is created from the vacancy's
employer details (a feed such as the BA Jobsuche names employers only inline), a known one is not
rewritten by a vacancy write (``EmployerRecords.put`` changes it). A write answers with the vacancy
as stored, with the stored employer."""

from __future__ import annotations

from dataclasses import dataclass

from matcher.domain import Vacancy
from matcher.errors import UnknownVacancy
from matcher.usecases.access import audit
from matcher.usecases.ports import AuditLog, Caller, LiveMatching, VacancyRepository

NO_SUCH_VACANCY = "no such vacancy"


@dataclass(frozen=True)
class VacancyWrite:
    vacancy: Vacancy  # as stored: with the stored employer
    index_version: str


class VacancyRecords:
    def __init__(self, vacancies: VacancyRepository, log: AuditLog, live: LiveMatching) -> None:
        self.vacancies = vacancies
        self.log = log
        self.live = live

    def read(self, vacancy_id: str) -> Vacancy:
        try:
            return self.vacancies.get_vacancy(vacancy_id)
        except UnknownVacancy:
            raise UnknownVacancy(NO_SUCH_VACANCY) from None

    def _versions(self) -> tuple[str, str]:
        svc = self.live.service
        return svc.scorer.model_version, svc.index.version

    def create(self, caller: Caller, v: Vacancy) -> VacancyWrite:
        """Store a new vacancy (Conflict, 409, if the id is taken: one atomic insert decides between
        simultaneous creates) and index it; the new index version."""
        self.vacancies.insert_vacancy(v)
        return self._indexed(caller, "vacancy.create", v)

    def replace(self, caller: Caller, v: Vacancy) -> VacancyWrite:
        """Replace a vacancy; a filled one leaves the index."""
        self.read(v.id)
        return self._changed(caller, "vacancy.update", v)

    def _changed(self, caller: Caller, action: str, v: Vacancy) -> VacancyWrite:
        self.vacancies.upsert_vacancies([v])
        return self._indexed(caller, action, v)

    def _indexed(self, caller: Caller, action: str, v: Vacancy) -> VacancyWrite:
        stored = self.vacancies.get_vacancy(v.id)
        version = self.live.vacancies_changed(upserted=[stored])
        audit(self.log, caller, action, payload={"vacancy_id": v.id}, versions=self._versions())
        return VacancyWrite(stored, version)

    def delete(self, caller: Caller, vacancy_id: str) -> str:
        try:
            self.vacancies.delete_vacancy(vacancy_id)
        except UnknownVacancy:
            raise UnknownVacancy(NO_SUCH_VACANCY) from None
        version = self.live.vacancies_changed(removed=[vacancy_id])
        audit(
            self.log, caller, "vacancy.delete", payload={"vacancy_id": vacancy_id}, versions=self._versions()
        )
        return version
