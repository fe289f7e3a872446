"""The audit log: append, read, and the redaction that follows an erasure.

An entry's id is random (1 to 2^53 - 1: exact in JavaScript), not the next number: the API hands it
out (``audit_id``, suggestion ids ``<audit id>-<rank>``), and a counter would show every caller how
much the other Jobcenters do (issue 16, defect 10). Entries are ordered by time; ids of entries
written before this change stay as they were, so their replays and suggestion ids still resolve.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from matcher.records import AuditEntry
from matcher.store.base import StoreBase
from matcher.store.mappers import audit_from, utc
from matcher.store.tables import audit_log


def _scrub(value: Any, claimant_id: str) -> tuple[Any, int]:
    """``value`` without list items that name the claimant (and how many were dropped)."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        n = 0
        for k, v in value.items():
            out[k], m = _scrub(v, claimant_id)
            n += m
        return out, n
    if isinstance(value, list):
        kept: list[Any] = []
        n = 0
        for item in value:
            if item == claimant_id or (isinstance(item, dict) and claimant_id in item.values()):
                n += 1
                continue
            scrubbed, m = _scrub(item, claimant_id)
            kept.append(scrubbed)
            n += m
        return kept, n
    return value, 0


def redact_audit(conn: Connection, claimant_id: str) -> None:
    """After an erasure the audit log keeps who did what when, with which versions, but not whom:
    entries about the claimant lose their id and payload; lists naming them (a vacancy's candidates)
    lose those items. The erasure's own entry, written afterwards, is what remains of them."""
    conn.execute(
        sa.update(audit_log)
        .where(audit_log.c.claimant_id == claimant_id)
        .values(claimant_id=None, payload={"redacted": "erasure"})
    )
    naming = sa.cast(audit_log.c.payload, sa.Text).contains(f'"{claimant_id}"', autoescape=True)
    for r in conn.execute(sa.select(audit_log.c.id, audit_log.c.payload).where(naming)).all():
        payload, dropped = _scrub(r.payload, claimant_id)
        if dropped:
            payload["redacted_items"] = int(payload.get("redacted_items", 0)) + dropped
            conn.execute(sa.update(audit_log).where(audit_log.c.id == r.id).values(payload=payload))


ID_LIMIT = 2**53
ID_ATTEMPTS = 8  # a collision is about 1 in 10^9 even at ten million entries


def new_audit_id() -> int:
    return 1 + secrets.randbelow(ID_LIMIT - 1)


class AuditMixin(StoreBase):
    _audit_stmt: Any = None

    def _audit_insert(self) -> Any:
        """The entry's insert, built once per store (its dialect's ON CONFLICT): rebuilt per entry,
        it missed SQLAlchemy's compiled cache's fast path and cost more than its execution."""
        if self._audit_stmt is None:
            self._audit_stmt = (
                self._insert(audit_log)
                .on_conflict_do_nothing(index_elements=["id"])
                .returning(audit_log.c.id)
            )
        return self._audit_stmt

    def add_audit(
        self,
        *,
        who: str,
        action: str,
        claimant_id: str | None = None,
        model_version: str | None = None,
        index_version: str | None = None,
        payload: dict[str, Any] | None = None,
        at: datetime | None = None,
    ) -> int:
        """Append one audit entry and return its id. Pseudonymous ids only in ``payload``."""
        row = {
            "at": utc(at or datetime.now(UTC)),
            "who": who,
            "action": action,
            "claimant_id": claimant_id,
            "model_version": model_version,
            "index_version": index_version,
            "payload": payload or {},
        }
        # DO NOTHING, not an error: a PostgreSQL transaction survives it. One statement, the values
        # as parameters: building it with ``.values(...)`` per entry cost more than executing it.
        stmt = self._audit_insert()
        with self._write() as conn:
            for _ in range(ID_ATTEMPTS):
                new_id = conn.execute(stmt, {**row, "id": new_audit_id()}).scalar()
                if new_id is not None:
                    return int(new_id)
        raise RuntimeError("no free audit id after several random draws")

    def list_audit(self, claimant_id: str | None = None, limit: int | None = None) -> list[AuditEntry]:
        """Audit entries, oldest first (by time; the ids are random)."""
        stmt = sa.select(audit_log)
        if claimant_id is not None:
            stmt = stmt.where(audit_log.c.claimant_id == claimant_id)
        stmt = stmt.order_by(audit_log.c.at, audit_log.c.id)
        if limit is not None:
            stmt = stmt.limit(limit)
        with self._connect() as conn:
            return [audit_from(r) for r in conn.execute(stmt)]

    def get_audit(self, entry_id: int) -> AuditEntry | None:
        with self._connect() as conn:
            r = conn.execute(sa.select(audit_log).where(audit_log.c.id == entry_id)).first()
        return None if r is None else audit_from(r)
