"""Claimants: the record, its health row, its protected attributes, and erasure.

Data protection in the layout:
- ``claimant_protected`` (sex, nationality group, age band, severe disability) is a table of its own,
  read only through ``get_protected`` for the fairness audit; no claimant query joins it.
- ``claimant_health`` holds ``health_max_load`` in a table of its own (one row per claimant, NULL = no
  restriction), so that PostgreSQL grants can later deny it to roles that must not read health data,
  and ``get_claimant(..., with_health=False)`` reads a claimant without touching it.
- Erasure (``delete_claimant``) removes the claimant with every row that names them (protected, health,
  outcomes with their snapshots, proposals, suggestions shown and the actions on them, nightly list
  rows); audit entries about them keep who did what and when, but no longer whom (see
  ``redact_audit``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sqlalchemy as sa

from matcher.domain import Claimant, ProtectedAttributes
from matcher.errors import Conflict, UnknownClaimant
from matcher.records import UpsertCounts
from matcher.store.audit import redact_audit
from matcher.store.base import IN_CHUNK, StoreBase, chunks
from matcher.store.mappers import (
    claimant_from,
    claimant_row,
    claimant_select,
    protected_from,
    protected_row,
)
from matcher.store.tables import (
    claimant_health,
    claimant_protected,
    claimants,
    nightly_lists,
    outcomes,
    proposals,
    suggestion_actions,
    suggestions,
    wish_corrections,
)

# Built once, the id a parameter: a lookup reads its claimant, and building the select and its
# cache key per call cost about as much as running it (issue 15).
CLAIMANT_BY_ID = {
    with_health: claimant_select(with_health).where(claimants.c.id == sa.bindparam("claimant_id"))
    for with_health in (True, False)
}


class ClaimantsMixin(StoreBase):
    def upsert_claimants(self, items: Sequence[tuple[Claimant, ProtectedAttributes | None]]) -> UpsertCounts:
        """Insert or update claimants by id, with their health row.

        Protected attributes given as None leave the stored ones as they are (an import without the
        audit columns does not erase them).
        """
        claimant_rows = [claimant_row(c) for c, _ in items]
        health_rows = [
            {
                "claimant_id": c.id,
                "health_max_load": None if c.health_max_load is None else int(c.health_max_load),
            }
            for c, _ in items
        ]
        protected_rows = [protected_row(p) for _, p in items if p is not None]
        with self._write() as conn:
            counts = self._upsert(conn, claimants, claimant_rows)
            self._upsert(conn, claimant_health, health_rows)
            self._upsert(conn, claimant_protected, protected_rows)
        return counts

    def insert_claimant(self, c: Claimant) -> None:
        """Store a new claimant with their health row, or raise Conflict if the id is taken.

        One ``INSERT ... ON CONFLICT DO NOTHING`` decides: the database's primary key lets exactly one
        of any number of simultaneous creates through, and a loser writes nothing (no read-then-write
        window, and PostgreSQL's transaction is not aborted by a constraint error).
        """
        health = {
            "claimant_id": c.id,
            "health_max_load": None if c.health_max_load is None else int(c.health_max_load),
        }
        stmt = (
            self._insert(claimants)
            .values(claimant_row(c))
            .on_conflict_do_nothing(index_elements=["id"])
            .returning(claimants.c.id)  # rowcount is not reliable here (psycopg answers -1)
        )
        with self._write() as conn:
            if conn.execute(stmt).first() is None:
                raise Conflict("this claimant id is already in use")
            self._upsert(conn, claimant_health, [health])

    def get_claimant(self, claimant_id: str, *, with_health: bool = True) -> Claimant:
        """The claimant; ``with_health=False`` does not read the health table (health_max_load None)."""
        with self._connect() as conn:
            r = conn.execute(CLAIMANT_BY_ID[with_health], {"claimant_id": claimant_id}).first()
        if r is None:
            raise UnknownClaimant(f"no claimant {claimant_id!r}")
        return claimant_from(r)

    def list_claimants(
        self, active_only: bool = True, jobcenter: str | None = None, *, with_health: bool = True
    ) -> list[Claimant]:
        stmt = claimant_select(with_health)
        if active_only:
            stmt = stmt.where(claimants.c.active.is_(True))
        if jobcenter is not None:
            stmt = stmt.where(claimants.c.jobcenter == jobcenter)
        with self._connect() as conn:
            return [claimant_from(r) for r in conn.execute(stmt.order_by(claimants.c.id))]

    def get_protected(self, ids: Iterable[str] | None = None) -> dict[str, ProtectedAttributes]:
        """Protected attributes by claimant id, for the fairness audit only (all of them if ids is None)."""
        out: dict[str, ProtectedAttributes] = {}
        key = claimant_protected.c.claimant_id
        with self._connect() as conn:
            if ids is None:
                out.update(
                    (r.claimant_id, protected_from(r)) for r in conn.execute(sa.select(claimant_protected))
                )
                return out
            for part in chunks(sorted(set(ids)), IN_CHUNK):
                rows = conn.execute(sa.select(claimant_protected).where(self._in(key, part)))
                out.update((r.claimant_id, protected_from(r)) for r in rows)
        return out

    def delete_claimant(self, claimant_id: str) -> dict[str, int]:
        """Erase a claimant and every row naming them; audit entries about them are redacted (who
        did what when stays, whom goes; see ``redact_audit``). Rows deleted per table.

        Raises UnknownClaimant if nothing at all was stored for the id.
        """
        deleted: dict[str, int] = {}
        shown = sa.select(suggestions.c.id).where(suggestions.c.claimant_id == claimant_id)
        with self._write() as conn:
            for table, where in (
                (claimant_health, claimant_health.c.claimant_id == claimant_id),
                (claimant_protected, claimant_protected.c.claimant_id == claimant_id),
                (outcomes, outcomes.c.claimant_id == claimant_id),
                (proposals, proposals.c.claimant_id == claimant_id),
                # Actions before the suggestions they refer to (foreign key).
                (
                    suggestion_actions,
                    sa.or_(
                        suggestion_actions.c.claimant_id == claimant_id,
                        suggestion_actions.c.suggestion_id.in_(shown),
                    ),
                ),
                (suggestions, suggestions.c.claimant_id == claimant_id),
                (nightly_lists, nightly_lists.c.claimant_id == claimant_id),
                (wish_corrections, wish_corrections.c.claimant_id == claimant_id),
                (claimants, claimants.c.id == claimant_id),
            ):
                deleted[table.name] = conn.execute(sa.delete(table).where(where)).rowcount
            if any(deleted.values()):
                redact_audit(conn, claimant_id)
        if not any(deleted.values()):
            raise UnknownClaimant(f"no claimant {claimant_id!r}")
        if not self._in_transaction():
            self._flush_wal()
        return deleted
