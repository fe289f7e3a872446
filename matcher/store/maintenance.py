"""Maintenance: rewriting the tables an erasure touches, so that erased text leaves the disk.

A DELETE (or the redaction's UPDATE) in PostgreSQL only marks the old row versions dead; their bytes
stay in the table's files, and a plain VACUUM makes the space reusable without clearing it. Only
``VACUUM FULL`` writes each table (with its TOAST table and indexes) into new files and removes the
old ones. It holds an exclusive lock on each table while it runs: an operator runs it in a
maintenance window after erasures (README.md, "Erasure on PostgreSQL"). SQLite already zeroes
deleted rows (``secure_delete``); its ``VACUUM`` rebuilds the file without free pages and the WAL is
truncated.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from matcher.store.base import StoreBase
from matcher.store.engine import guard
from matcher.store.tables import (
    audit_log,
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

log = logging.getLogger(__name__)

# Every table ``delete_claimant`` deletes from or (audit_log) redacts.
ERASED_TABLES: tuple[str, ...] = tuple(
    t.name
    for t in (
        claimants,
        claimant_health,
        claimant_protected,
        outcomes,
        proposals,
        suggestions,
        suggestion_actions,
        nightly_lists,
        wish_corrections,
        audit_log,
    )
)


@dataclass(frozen=True)
class VacuumReport:
    dialect: str
    statements: tuple[str, ...]


class MaintenanceMixin(StoreBase):
    def vacuum_erased(self) -> VacuumReport:
        """Rewrite the tables erasure touches (PostgreSQL: ``VACUUM FULL`` each; SQLite: ``VACUUM``
        and a WAL truncation). Runs outside any transaction, as both databases require."""
        if self.dialect == "postgresql":
            statements = tuple(f'VACUUM FULL "{name}"' for name in ERASED_TABLES)
        else:
            statements = ("VACUUM", "PRAGMA wal_checkpoint(TRUNCATE)")
        with guard(self._url):
            raw = self._engine.raw_connection()
            try:
                dbapi = raw.dbapi_connection
                if self.dialect == "postgresql":
                    dbapi.autocommit = True  # type: ignore[union-attr]
                cur = dbapi.cursor()  # type: ignore[union-attr]
                for statement in statements:
                    log.info("maintenance: %s", statement)
                    cur.execute(statement)
                cur.close()
                if self.dialect == "postgresql":
                    dbapi.autocommit = False  # type: ignore[union-attr]
            finally:
                raw.close()
        return VacuumReport(self.dialect, statements)
