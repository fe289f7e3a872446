"""Nightly match lists: one row per run, one row per (run, claimant, rank). The lists of a run are
written in one transaction when the run completes, so a run is either all there or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from matcher.records import EncodedNightlyRow, NightlyRow, NightlyRun
from matcher.store.base import CHUNK_ROWS, StoreBase, chunks
from matcher.store.mappers import run_from, utc
from matcher.store.tables import nightly_lists, nightly_runs


class NightlyMixin(StoreBase):
    def save_nightly_run(
        self, run: NightlyRun, rows: Sequence[NightlyRow | EncodedNightlyRow] | None = None
    ) -> None:
        """Insert or update a run; with ``rows``, its lists are replaced by them in the same transaction.

        An ``EncodedNightlyRow``'s payload is written as the JSON text it carries, the same text the
        JSON column makes of a ``NightlyRow``'s payload dict (``json.dumps``).
        """
        run_row = {
            "id": run.id,
            "started": utc(run.started),
            "finished": utc(run.finished) if run.finished else None,
            "status": run.status,
            "manifest": run.manifest,
        }
        with self.transaction(), self._write() as conn:
            self._upsert(conn, nightly_runs, [run_row])
            if rows is None:
                return
            conn.execute(sa.delete(nightly_lists).where(nightly_lists.c.run_id == run.id))
            plain = [r for r in rows if isinstance(r, NightlyRow)]
            encoded = [r for r in rows if isinstance(r, EncodedNightlyRow)]
            for part in chunks([_columns(r) | {"payload": r.payload} for r in plain], CHUNK_ROWS):
                conn.execute(sa.insert(nightly_lists), list(part))
            if encoded:
                # The text as it is: a JSON column's bind would encode the string once more.
                text = sa.bindparam("payload_json", type_=sa.Text())
                payload = sa.cast(text, postgresql.JSONB) if self.dialect == "postgresql" else text
                stmt = sa.insert(nightly_lists).values(payload=payload)
                for part in chunks(encoded, CHUNK_ROWS):
                    conn.execute(stmt, [_columns(r) | {"payload_json": r.payload_json} for r in part])

    def get_nightly_run(self, run_id: str) -> NightlyRun | None:
        with self._connect() as conn:
            r = conn.execute(sa.select(nightly_runs).where(nightly_runs.c.id == run_id)).first()
        return None if r is None else run_from(r)

    def list_nightly_runs(self) -> list[NightlyRun]:
        """All runs, newest first."""
        with self._connect() as conn:
            rows = conn.execute(sa.select(nightly_runs).order_by(nightly_runs.c.started.desc()))
            return [run_from(r) for r in rows]

    def list_nightly(
        self, run_id: str, *, claimant_id: str | None = None, case_manager: str | None = None
    ) -> list[NightlyRow]:
        """A run's list rows, by claimant and rank."""
        stmt = sa.select(nightly_lists).where(nightly_lists.c.run_id == run_id)
        if claimant_id is not None:
            stmt = stmt.where(nightly_lists.c.claimant_id == claimant_id)
        if case_manager is not None:
            stmt = stmt.where(nightly_lists.c.case_manager == case_manager)
        stmt = stmt.order_by(nightly_lists.c.claimant_id, nightly_lists.c.rank)
        with self._connect() as conn:
            return [
                NightlyRow(
                    r.run_id,
                    r.claimant_id,
                    r.rank,
                    r.vacancy_id,
                    r.jobcenter,
                    r.case_manager,
                    r.score,
                    r.payload,
                )
                for r in conn.execute(stmt)
            ]


def _columns(r: NightlyRow | EncodedNightlyRow) -> dict[str, object]:
    return {
        "run_id": r.run_id,
        "claimant_id": r.claimant_id,
        "rank": r.rank,
        "vacancy_id": r.vacancy_id,
        "jobcenter": r.jobcenter,
        "case_manager": r.case_manager,
        "score": float(r.score),
    }
