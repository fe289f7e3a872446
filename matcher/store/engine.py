"""Engines and migrations: the supported backends, Alembic upgrade and downgrade, and the guard that
turns "cannot reach the database" into ``StoreUnavailable``.

Two backends: SQLite (default, one file under the data dir, WAL and foreign keys on) and PostgreSQL.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, exc
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import StaticPool

from matcher.errors import StoreUnavailable


def _no_result_rows(record: logging.LogRecord) -> bool:
    """SQLAlchemy logs every result row at DEBUG: personal data. Drop those, keep the statements."""
    return record.msg != "Row %r"


logging.getLogger("sqlalchemy.engine.Engine").addFilter(_no_result_rows)

# The migrations stay beside the package (matcher/migrations), where the package data points.
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
HEAD_REVISION = "0006"
PG_CONNECT_TIMEOUT = 5  # seconds to establish a PostgreSQL connection (libpq's minimum is 2)
# SQLite: how long a writer waits for another connection's (or process's) write lock before it
# gives up with "database is locked". An import or the nightly run holds the lock for seconds; the
# API's writes wait for it rather than answer 503.
SQLITE_BUSY_TIMEOUT = 30.0
# The connection execution option that marks a write transaction (SQLite: BEGIN IMMEDIATE).
WRITE_OPTION = "passgenau_write"


def _safe_url(url: str | sa.URL) -> str:
    return sa.make_url(url).render_as_string(hide_password=True)


def _reason(err: BaseException) -> str:
    orig = getattr(err, "orig", None) or err
    text = str(orig).strip().splitlines()
    return text[0] if text else type(orig).__name__


def create_engine(url: str) -> Engine:
    """An engine for a supported URL (sqlite, postgresql); SQLite gets WAL, foreign keys, real BEGIN
    (IMMEDIATE for a connection with the ``WRITE_OPTION``) and a busy timeout."""
    u = sa.make_url(url)
    backend = u.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise StoreUnavailable(f"unsupported database {_safe_url(u)}: use sqlite or postgresql")
    # Statement parameters are personal data: never in logs (SQLAlchemy logs them at INFO) nor in the
    # text of an error that may reach a log or an HTTP answer.
    if backend == "postgresql":
        # A database host that stops answering (network partition, host gone) must fail a request in
        # seconds (503), not hold it forever: libpq waits without limit unless told. The URL's own
        # ?connect_timeout= wins.
        connect_args = {} if "connect_timeout" in u.query else {"connect_timeout": PG_CONNECT_TIMEOUT}
        return sa.create_engine(u, pool_pre_ping=True, hide_parameters=True, connect_args=connect_args)
    memory = u.database in (None, "", ":memory:")
    if not memory and u.database is not None:
        Path(u.database).parent.mkdir(parents=True, exist_ok=True)
    busy = {"timeout": SQLITE_BUSY_TIMEOUT}
    engine = (
        sa.create_engine(u, poolclass=StaticPool, hide_parameters=True, connect_args=busy)
        if memory
        else sa.create_engine(u, hide_parameters=True, connect_args=busy)
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # pysqlite's own transaction handling skips BEGIN before SELECT and DDL; take it over so a
        # transaction (and a migration) is really atomic. See SQLAlchemy's "Serializable isolation".
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        # Deleted rows are overwritten with zeros, not left in free pages (erasure, GDPR Art. 17).
        cur.execute("PRAGMA secure_delete=ON")
        if not memory:
            cur.execute("PRAGMA journal_mode=WAL")
            # A commit appends its pages to the WAL with write() before it returns, and fsyncs only
            # at a checkpoint (NORMAL) instead of at every commit (FULL, the default). What a lookup
            # acknowledged (its audit entry and shown suggestions) is then in the operating system's
            # page cache before the answer leaves: a killed or crashed process loses nothing, the
            # next one reads it from the WAL (tests/matcher/test_audit_durability.py kills a writer).
            # An operating-system crash or power loss can lose the commits since the last checkpoint;
            # the database stays consistent (WAL frames carry checksums). The fsync cost 4.5 ms at the
            # median and 20 ms at p99 on this project's disk, more than the whole lookup is allowed.
            cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A write transaction takes the write lock at once: a deferred one that read first and then
        # writes cannot wait for the lock once another connection has committed (SQLITE_BUSY at
        # once, the busy timeout never applies), so it would fail with "database is locked".
        write = conn.get_execution_options().get(WRITE_OPTION, False)
        statement = "BEGIN IMMEDIATE" if write else "BEGIN"
        # On the driver's connection: through ``exec_driver_sql`` (a statement execution with its
        # context, cursor and result) it cost more than the BEGIN itself, three times a lookup
        # (bench/README.md, issue 15). A failure is wrapped as SQLAlchemy wraps it (``guard``
        # turns "database is locked" into StoreUnavailable as before).
        dbapi = conn.connection.dbapi_connection
        if dbapi is None:  # not checked out from the pool (never here): SQLAlchemy's way
            conn.exec_driver_sql(statement)
            return
        try:
            cursor = dbapi.cursor()
            try:
                cursor.execute(statement)
            finally:
                cursor.close()
        except sqlite3.Error as err:
            raise exc.DBAPIError.instance(statement, None, err, sqlite3.Error) from err

    return engine


def _alembic_config(connection: Connection | None = None, url: str | None = None) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run the migrations up to ``revision`` on an open engine, in one transaction."""
    from alembic import command

    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Two processes opening a fresh database at once must not both create the tables.
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7301190001)")
        command.upgrade(_alembic_config(conn), revision)


def migrate(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` (default: the newest)."""
    engine = create_engine(url)
    try:
        with guard(url):
            upgrade(engine, revision)
    finally:
        engine.dispose()


def downgrade(url: str, revision: str = "base") -> None:
    """Undo migrations down to ``revision`` (for tests and operators; ``base`` drops every table)."""
    from alembic import command

    engine = create_engine(url)
    try:
        with guard(url), engine.begin() as conn:
            command.downgrade(_alembic_config(conn), revision)
    finally:
        engine.dispose()


def current_revision(url: str) -> str | None:
    """The revision the database is at (None for an empty database)."""
    from alembic.runtime.migration import MigrationContext

    engine = create_engine(url)
    try:
        with guard(url), engine.connect() as conn:
            rev: str | None = MigrationContext.configure(conn).get_current_revision()
            return rev
    finally:
        engine.dispose()


@contextmanager
def guard(url: str | sa.URL) -> Iterator[None]:
    """Translate 'cannot reach / cannot use the database' into StoreUnavailable with a reason."""
    try:
        yield
    except (exc.OperationalError, exc.InterfaceError) as err:
        raise StoreUnavailable(f"database {_safe_url(url)} is unavailable: {_reason(err)}") from err
