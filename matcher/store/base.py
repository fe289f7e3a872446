"""The repository's core: one engine, a connection (or the open transaction) per thread, the bulk
upsert, and the helpers every aggregate's methods share. The aggregates are mixins over this class.

Bulk upserts use the dialect's ``INSERT ... ON CONFLICT DO UPDATE`` in executemany chunks.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Self

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from matcher.records import UpsertCounts
from matcher.store.engine import WRITE_OPTION, create_engine, guard
from matcher.store.engine import upgrade as upgrade_schema
from matcher.store.tables import TABLES

log = logging.getLogger(__name__)

# Rows per executemany call (one plain executemany: the DBAPI reuses one prepared statement, which is
# faster here than SQLAlchemy's multi-row VALUES batching whose huge statements psycopg re-parses).
CHUNK_ROWS = 2000
IN_CHUNK = 5000  # ids per IN (...) list; SQLite allows 32,766 bound parameters, PostgreSQL 65,535


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def last_by_key(rows: Iterable[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """Rows with unique keys, the last one of each key winning (as a later upsert would)."""
    return list({r[key]: r for r in rows}.values())


class StoreBase:
    """Repository over one database. Thread-safe: each thread gets its own connection / transaction."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._url = engine.url
        self._local = threading.local()
        name = engine.dialect.name
        self._insert: Callable[[sa.Table], Any] = postgresql.insert if name == "postgresql" else sqlite.insert

    @classmethod
    def open(cls, url: str, *, upgrade: bool = True) -> Self:
        """Open the database at ``url``, bringing its schema to the newest migration first."""
        engine = create_engine(url)
        try:
            with guard(url):
                if upgrade:
                    upgrade_schema(engine)
                else:
                    with engine.connect():
                        pass
        except BaseException:
            engine.dispose()
            raise
        return cls(engine)

    @property
    def dialect(self) -> str:
        return str(self._engine.dialect.name)

    @property
    def sqlite_file(self) -> Path | None:
        """The database file of a SQLite store (None: PostgreSQL or in memory)."""
        db = self._engine.url.database
        if self.dialect != "sqlite" or db in (None, "", ":memory:"):
            return None
        return Path(db)

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- transactions ----------------------------------------------------------------------------

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[None]:
        """Everything the repository does inside this block commits together or not at all.

        Nested blocks join the outer transaction. A write transaction (the default) holds SQLite's
        write lock from its start (``BEGIN IMMEDIATE``), so its reads and writes see one state.
        """
        if getattr(self._local, "conn", None) is not None:
            yield
            return
        with self._begin(write) as conn:
            self._local.conn = conn
            try:
                yield
            finally:
                self._local.conn = None

    def reading(self) -> AbstractContextManager[None]:
        """A read transaction for several reads (``transaction(write=False)``): on SQLite a deferred
        ``BEGIN``, so it takes no write lock and does not wait for writers (WAL)."""
        return self.transaction(write=False)

    @contextmanager
    def _begin(self, write: bool) -> Iterator[Connection]:
        with guard(self._url), self._engine.connect() as conn:
            if write:
                conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                yield conn

    @contextmanager
    def _connect(self, *, write: bool = False) -> Iterator[Connection]:
        """The open transaction's connection, or a new transaction for this call (``write``: one
        that writes; see ``transaction``)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            with guard(self._url):
                yield conn
            return
        with self._begin(write) as new:
            yield new

    def _write(self) -> AbstractContextManager[Connection]:
        """``_connect`` for a call that writes."""
        return self._connect(write=True)

    def _in_transaction(self) -> bool:
        return getattr(self._local, "conn", None) is not None

    # -- shared helpers --------------------------------------------------------------------------

    def _in(self, key: sa.Column[Any], ids: Sequence[str]) -> sa.ColumnElement[bool]:
        """``key IN ids``. PostgreSQL gets one array parameter: a prepared statement with thousands of
        scalar parameters gets a generic plan that scans the table and compares every row with every id.
        """
        if self.dialect == "postgresql":
            return key == sa.any_(sa.bindparam(None, list(ids), type_=postgresql.ARRAY(sa.String)))
        return key.in_(ids)

    def _upsert(self, conn: Connection, table: sa.Table, rows: list[dict[str, Any]]) -> UpsertCounts:
        if not rows:
            return UpsertCounts()
        (key,) = table.primary_key.columns
        rows = last_by_key(rows, key.name)
        stmt = self._insert(table)
        stmt = stmt.on_conflict_do_update(
            index_elements=[key.name],
            set_={c.name: stmt.excluded[c.name] for c in table.columns if c.name != key.name},
        )
        existing: set[str] = set()
        for part in chunks(rows, CHUNK_ROWS):
            ids = [r[key.name] for r in part]
            existing.update(conn.execute(sa.select(key).where(self._in(key, ids))).scalars())
            conn.execute(stmt, list(part))
        return UpsertCounts(inserted=len(rows) - len(existing), updated=len(existing))

    def _flush_wal(self) -> None:
        """SQLite: copy the WAL into the database and truncate it, so that the pages of an erased
        claimant (old frames of the WAL) do not stay on disk. Inside an outer transaction the caller's
        commit comes later; the next erasure or SQLite's own checkpoints flush it then."""
        if self.dialect != "sqlite":
            return
        with guard(self._url), self._engine.connect() as conn:
            busy, *_ = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
        if busy:
            log.warning("erasure: the WAL could not be checkpointed now (readers); old frames remain for now")

    # -- health and statistics -------------------------------------------------------------------

    def ping(self) -> None:
        """Raises StoreUnavailable when the database cannot be reached."""
        with self._connect() as conn:
            conn.exec_driver_sql("SELECT 1")

    def counts(self) -> dict[str, int]:
        """Rows per table (for ``passgenau stats``)."""
        with self._connect() as conn:
            return {
                t.name: int(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one())
                for t in TABLES
            }
