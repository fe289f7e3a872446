"""Employers: their own records with their own write.

A vacancy names its employer; writing a vacancy creates an employer it names for the first time and
never rewrites a known one (a feed's inline employer details are often defaults, e.g. the BA
Jobsuche import's size band, and one vacancy must not change what every other vacancy of the
employer says). A known employer changes only through ``upsert_employers``.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from matcher.domain import Employer
from matcher.errors import UnknownEmployer
from matcher.records import UpsertCounts
from matcher.store.base import CHUNK_ROWS, StoreBase, chunks, last_by_key
from matcher.store.mappers import employer_from, employer_row
from matcher.store.tables import EMPLOYER_FIELDS, employers


class EmployersMixin(StoreBase):
    def upsert_employers(self, items: Sequence[Employer]) -> UpsertCounts:
        """Insert or update employers by id (the last of a duplicated id wins)."""
        with self._write() as conn:
            return self._upsert(conn, employers, [employer_row(e) for e in items])

    def get_employer(self, employer_id: str) -> Employer:
        found = self.get_employers([employer_id])
        if employer_id not in found:
            raise UnknownEmployer(f"no employer {employer_id!r}")
        return found[employer_id]

    def get_employers(self, employer_ids: Sequence[str]) -> dict[str, Employer]:
        """The stored employers among ``employer_ids``, by id."""
        cols = [employers.c[n] for n in EMPLOYER_FIELDS]
        out: dict[str, Employer] = {}
        with self._connect() as conn:
            for part in chunks(list(dict.fromkeys(employer_ids)), CHUNK_ROWS):
                for r in conn.execute(sa.select(*cols).where(self._in(employers.c.id, part))):
                    out[r.id] = employer_from(r)
        return out

    def _add_missing_employers(self, conn: Connection, items: Sequence[Employer]) -> int:
        """Insert the employers not stored yet (the last of a duplicated id); known ones stay as they
        are. How many were new."""
        rows = last_by_key([employer_row(e) for e in items], "id")
        if not rows:
            return 0
        stmt = self._insert(employers).on_conflict_do_nothing(index_elements=["id"])
        existing: set[str] = set()
        for part in chunks(rows, CHUNK_ROWS):
            ids = [r["id"] for r in part]
            existing.update(
                conn.execute(sa.select(employers.c.id).where(self._in(employers.c.id, ids))).scalars()
            )
            conn.execute(stmt, list(part))
        return len(rows) - len(existing)
