"""The serving change log (``serving_changes``): how several server processes keep the catalogs they
hold in memory in step (issue 15; the reader is ``api.runtime``).

A row says what changed, not the new state: the reader re-reads the records from the store (and the
index version the writer saved from disk). Rows are pruned to the newest ``KEEP``; a reader whose
last applied row is older than the oldest kept one rebuilds everything.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from matcher.records import ServingChange
from matcher.store.base import StoreBase, chunks
from matcher.store.tables import claimants, serving_changes

KEEP = 10_000  # rows kept: hours of writes at one a second; a live reader is never that far behind


def log_change(conn: Connection, origin: str, kind: str, ref: str, index_version: str | None = None) -> int:
    """Append one change in the caller's transaction; its sequence number."""
    t = serving_changes.c
    seq = int(
        conn.execute(
            sa.insert(serving_changes)
            .values(at=datetime.now(UTC), origin=origin, kind=kind, ref=ref, index_version=index_version)
            .returning(t.seq)
        ).scalar_one()
    )
    if seq % 100 == 0:  # prune now and then, not on every write
        conn.execute(sa.delete(serving_changes).where(t.seq <= seq - KEEP))
    return seq


# Built once: every request asks, and building the select and its cache key per call cost about as
# much as running it (issue 15).
LAST_CHANGE = sa.select(sa.func.coalesce(sa.func.max(serving_changes.c.seq), 0))


class ChangesMixin(StoreBase):
    def add_change(self, origin: str, kind: str, ref: str, index_version: str | None = None) -> int:
        """Append one change; its sequence number."""
        with self._write() as conn:
            return log_change(conn, origin, kind, ref, index_version)

    def last_change(self) -> int:
        """The newest sequence number (0: none yet). One indexed read: every request asks."""
        with self._connect() as conn:
            return int(conn.execute(LAST_CHANGE).scalar_one())

    def changes_since(self, seq: int) -> tuple[int, list[ServingChange]]:
        """The oldest kept sequence number (0: none kept) and the changes after ``seq``, oldest first."""
        t = serving_changes.c
        with self._connect() as conn:
            oldest = int(conn.execute(sa.select(sa.func.coalesce(sa.func.min(t.seq), 0))).scalar_one())
            rows = conn.execute(
                sa.select(t.seq, t.origin, t.kind, t.ref, t.index_version).where(t.seq > seq).order_by(t.seq)
            ).all()
        return oldest, [ServingChange(int(r.seq), r.origin, r.kind, r.ref, r.index_version) for r in rows]

    def forget_changes_of(self, ref: str) -> int:
        """Delete the changes naming ``ref`` (an erased claimant's id); how many."""
        t = serving_changes.c
        with self._write() as conn:
            return int(
                conn.execute(sa.delete(serving_changes).where(t.kind == "claimant", t.ref == ref)).rowcount
            )

    def existing_claimants(self, ids: list[str]) -> set[str]:
        """Which of these claimant ids are stored (an erased one is not)."""
        found: set[str] = set()
        with self._connect() as conn:
            for part in chunks(ids, 500):
                found.update(
                    conn.execute(
                        sa.select(claimants.c.id).where(self._in(claimants.c.id, list(part)))
                    ).scalars()
                )
        return found
