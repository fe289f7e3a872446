"""Vacancy records: read, create, replace, delete. Each change reaches the index at once (a new
index version) and is audit-logged with the versions it produced."""

from __future__ import annotations

from matcher.domain import Vacancy
from matcher.errors import Conflict, UnknownVacancy
from matcher.usecases.access import audit
from matcher.usecases.ports import AuditLog, Caller, LiveMatching, VacancyRepository

NO_SUCH_VACANCY = "no such vacancy"


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

    def create(self, caller: Caller, v: Vacancy) -> str:
        """Store a new vacancy (409 if the id is taken) and index it; the new index version."""
        try:
            self.vacancies.get_vacancy(v.id)
        except UnknownVacancy:
            pass
        else:
            raise Conflict("this vacancy id is already in use")
        return self._changed(caller, "vacancy.create", v)

    def replace(self, caller: Caller, v: Vacancy) -> str:
        """Replace a vacancy; a filled one leaves the index."""
        self.read(v.id)
        return self._changed(caller, "vacancy.update", v)

    def _changed(self, caller: Caller, action: str, v: Vacancy) -> str:
        self.vacancies.upsert_vacancies([v])
        version = self.live.vacancies_changed(upserted=[v])
        audit(self.log, caller, action, payload={"vacancy_id": v.id}, versions=self._versions())
        return version

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
