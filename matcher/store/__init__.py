"""The store: SQLAlchemy tables and the repository. The only package that speaks SQL.

Domain records (``matcher.domain``) and plain records (``matcher.records``) go in and come out; no
SQLAlchemy object leaves this package. The schema comes from the Alembic migrations in
``matcher/migrations`` (run by ``Store.open`` / ``migrate``); the ``Table`` objects in ``tables``
mirror the migrations for queries and are checked against them by a test.

One module per aggregate (claimants, employers, vacancies, outcomes and proposals, suggestions and their
actions, audit, tokens, nightly lists, search), each a mixin over ``StoreBase``; ``Store`` composes
them. See ``claimants`` for the data-protection layout and erasure. The ``Table`` objects are in
``tables`` (``matcher.store.claimants`` and the like name the aggregates' modules); only ``audit_log``
is re-exported, because callers query it directly.
"""

from __future__ import annotations

from matcher.records import (
    ApiToken,
    AuditEntry,
    EncodedNightlyRow,
    NightlyRow,
    NightlyRun,
    ShownSuggestion,
    SuggestionAction,
    UpsertCounts,
)
from matcher.store.audit import AuditMixin
from matcher.store.base import CHUNK_ROWS, IN_CHUNK, StoreBase
from matcher.store.changes import ChangesMixin
from matcher.store.claimants import ClaimantsMixin
from matcher.store.employers import EmployersMixin
from matcher.store.engine import (
    HEAD_REVISION,
    MIGRATIONS_DIR,
    PG_CONNECT_TIMEOUT,
    create_engine,
    current_revision,
    downgrade,
    migrate,
)
from matcher.store.maintenance import ERASED_TABLES, MaintenanceMixin, VacuumReport
from matcher.store.nightly import NightlyMixin
from matcher.store.outcomes import OutcomesMixin
from matcher.store.readings import ReadingsMixin
from matcher.store.search import SearchMixin
from matcher.store.suggestions import SuggestionsMixin
from matcher.store.tables import NAMING, TABLES, audit_log, metadata
from matcher.store.tokens import TokensMixin
from matcher.store.vacancies import VacanciesMixin


class Store(
    ClaimantsMixin,
    VacanciesMixin,
    EmployersMixin,
    OutcomesMixin,
    SuggestionsMixin,
    AuditMixin,
    TokensMixin,
    NightlyMixin,
    ReadingsMixin,
    SearchMixin,
    MaintenanceMixin,
    ChangesMixin,
    StoreBase,
):
    """Repository over one database. Thread-safe: each thread gets its own connection / transaction."""


__all__ = [
    "CHUNK_ROWS",
    "ERASED_TABLES",
    "HEAD_REVISION",
    "IN_CHUNK",
    "MIGRATIONS_DIR",
    "NAMING",
    "PG_CONNECT_TIMEOUT",
    "TABLES",
    "ApiToken",
    "AuditEntry",
    "EncodedNightlyRow",
    "NightlyRow",
    "NightlyRun",
    "ShownSuggestion",
    "Store",
    "SuggestionAction",
    "UpsertCounts",
    "VacuumReport",
    "audit_log",
    "create_engine",
    "current_revision",
    "downgrade",
    "metadata",
    "migrate",
]
