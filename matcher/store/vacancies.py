"""Vacancies with their employers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa

from matcher.domain import Vacancy
from matcher.errors import Conflict, UnknownVacancy
from matcher.records import UpsertCounts
from matcher.store.employers import EmployersMixin
from matcher.store.mappers import vacancies_from, vacancy_row, vacancy_select
from matcher.store.tables import vacancies


class VacanciesMixin(EmployersMixin):
    def upsert_vacancies(self, items: Sequence[Vacancy]) -> UpsertCounts:
        """Insert or update vacancies by id. An employer named for the first time is created from the
        vacancy's employer details; a known employer is left as stored (see ``matcher.store.employers``),
        so ``get_vacancy`` answers with the stored employer, not necessarily the one written."""
        with self._write() as conn:
            self._add_missing_employers(conn, [v.employer for v in items])
            return self._upsert(conn, vacancies, [vacancy_row(v) for v in items])

    def insert_vacancy(self, v: Vacancy) -> None:
        """Store a new vacancy, or raise Conflict if the id is taken: one ``INSERT ... ON CONFLICT DO
        NOTHING`` decides, as for claimants (``insert_claimant``), so of simultaneous creates exactly
        one gets through and a loser writes nothing (not even a new employer)."""
        stmt = (
            self._insert(vacancies)
            .values(vacancy_row(v))
            .on_conflict_do_nothing(index_elements=["id"])
            .returning(vacancies.c.id)
        )
        with self._write() as conn:
            self._add_missing_employers(conn, [v.employer])
            if conn.execute(stmt).first() is None:
                raise Conflict("this vacancy id is already in use")

    def get_vacancy(self, vacancy_id: str) -> Vacancy:
        with self._connect() as conn:
            found = vacancies_from(conn.execute(vacancy_select().where(vacancies.c.id == vacancy_id)))
        if not found:
            raise UnknownVacancy(f"no vacancy {vacancy_id!r}")
        return found[0]

    def list_vacancies(self, open_on: date | None = None) -> list[Vacancy]:
        """All vacancies, or those open on a day (not filled, not expired before it), by id."""
        stmt = vacancy_select()
        if open_on is not None:
            stmt = stmt.where(
                vacancies.c.filled.is_(False),
                sa.or_(vacancies.c.expires.is_(None), vacancies.c.expires >= open_on),
            )
        with self._connect() as conn:
            return vacancies_from(conn.execute(stmt.order_by(vacancies.c.id)).all())

    def delete_vacancy(self, vacancy_id: str) -> None:
        """Remove a vacancy (its employer stays); history rows name it without a foreign key."""
        with self._write() as conn:
            n = conn.execute(sa.delete(vacancies).where(vacancies.c.id == vacancy_id)).rowcount
        if not n:
            raise UnknownVacancy(f"no vacancy {vacancy_id!r}")
