"""Placement outcomes (with the snapshots taken at placement) and the proposal history.

No foreign keys: outcomes and proposals are history; the vacancy of an old placement exists only as
the snapshot, and a claimant may have left the register.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa

from matcher.domain import Outcome, Proposal
from matcher.records import UpsertCounts
from matcher.store.base import StoreBase
from matcher.store.mappers import outcome_from, outcome_row, proposal_from, proposal_row
from matcher.store.tables import claimants, outcomes, proposals


class OutcomesMixin(StoreBase):
    def upsert_outcomes(self, items: Sequence[Outcome]) -> UpsertCounts:
        with self._write() as conn:
            return self._upsert(conn, outcomes, [outcome_row(o) for o in items])

    def list_outcomes(self) -> list[Outcome]:
        with self._connect() as conn:
            rows = conn.execute(sa.select(outcomes).order_by(outcomes.c.start, outcomes.c.id))
            return [outcome_from(r) for r in rows]

    def outcome_jobcenter(self, outcome_id: str) -> str | None:
        """The Jobcenter an outcome belongs to (its claimant's), or None if no such outcome is stored."""
        stmt = (
            sa.select(claimants.c.jobcenter, outcomes.c.claimant_snapshot)
            .select_from(outcomes.outerjoin(claimants, claimants.c.id == outcomes.c.claimant_id))
            .where(outcomes.c.id == outcome_id)
        )
        with self._connect() as conn:
            row = conn.execute(stmt).first()
        if row is None:
            return None
        if row[0] is not None:
            return str(row[0])
        # The claimant is no longer stored as a current record (a history placement): the snapshot
        # taken at placement names the Jobcenter.
        snapshot = row[1] if isinstance(row[1], dict) else json.loads(row[1] or "{}")
        return str(snapshot.get("jobcenter", ""))

    def upsert_proposals(self, items: Sequence[Proposal]) -> UpsertCounts:
        with self._write() as conn:
            return self._upsert(conn, proposals, [proposal_row(p) for p in items])

    def list_proposals(self, claimant_id: str | None = None) -> list[Proposal]:
        stmt = sa.select(proposals)
        if claimant_id is not None:
            stmt = stmt.where(proposals.c.claimant_id == claimant_id)
        with self._connect() as conn:
            return [
                proposal_from(r) for r in conn.execute(stmt.order_by(proposals.c.proposed, proposals.c.id))
            ]
