"""The store: SQLAlchemy tables and the repository. The only module that speaks SQL.

Domain records go in and come out; no SQLAlchemy object leaves this module. The schema comes from the
Alembic migrations in ``matcher/migrations`` (run by ``Store.open`` / ``migrate``); the ``Table``
objects below mirror the migrations for queries and are checked against them by a test.

Two backends: SQLite (default, one file under the data dir, WAL and foreign keys on) and PostgreSQL.
Bulk upserts use the dialect's ``INSERT ... ON CONFLICT DO UPDATE`` in executemany chunks.

Data protection in the layout:
- ``claimant_protected`` (sex, nationality group, age band, severe disability) is a table of its own,
  read only through ``get_protected`` for the fairness audit; no claimant query joins it.
- ``claimant_health`` holds ``health_max_load`` in a table of its own (one row per claimant, NULL = no
  restriction), so that PostgreSQL grants can later deny it to roles that must not read health data,
  and ``get_claimant(..., with_health=False)`` reads a claimant without touching it.
- Erasure (``delete_claimant``) removes the claimant with every row that names them (protected, health,
  outcomes with their snapshots, proposals, feedback, nightly list rows); audit entries about them
  keep who did what and when, but no longer whom (see ``_redact_audit``).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, exc
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import StaticPool

from matcher.domain import (
    CEFR,
    AgeBand,
    Claimant,
    Contract,
    Employer,
    Feedback,
    FeedbackAction,
    Household,
    NationalityGroup,
    Outcome,
    PhysicalLoad,
    Proposal,
    ProtectedAttributes,
    Sex,
    Shifts,
    SizeBand,
    SkillLevel,
    Vacancy,
    WageUnit,
)
from matcher.errors import StoreUnavailable, UnknownClaimant, UnknownVacancy

log = logging.getLogger(__name__)


def _no_result_rows(record: logging.LogRecord) -> bool:
    """SQLAlchemy logs every result row at DEBUG: personal data. Drop those, keep the statements."""
    return record.msg != "Row %r"


logging.getLogger("sqlalchemy.engine.Engine").addFilter(_no_result_rows)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
HEAD_REVISION = "0002"
# Rows per executemany call (one plain executemany: the DBAPI reuses one prepared statement, which is
# faster here than SQLAlchemy's multi-row VALUES batching whose huge statements psycopg re-parses).
CHUNK_ROWS = 2000
PG_CONNECT_TIMEOUT = 5  # seconds to establish a PostgreSQL connection (libpq's minimum is 2)
IN_CHUNK = 5000  # ids per IN (...) list; SQLite allows 32,766 bound parameters, PostgreSQL 65,535

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = sa.MetaData(naming_convention=NAMING)

_ID = sa.String(64)
_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_BIGINT_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _col(name: str, type_: Any, *args: Any, null: bool = False, **kw: Any) -> sa.Column[Any]:
    return sa.Column(name, type_, *args, nullable=null, **kw)


employers = sa.Table(
    "employers",
    metadata,
    _col("id", _ID, primary_key=True),
    _col("name", sa.Text()),
    _col("size_band", sa.String(8)),
    _col("sector", sa.String(1)),
    _col("collective_agreement", sa.Boolean()),
    _col("temp_agency", sa.Boolean()),
    _col("offers_training", sa.Boolean()),
)

vacancies = sa.Table(
    "vacancies",
    metadata,
    _col("id", _ID, primary_key=True),
    _col("employer_id", _ID, sa.ForeignKey("employers.id"), index=True),
    _col("title", sa.Text()),
    _col("description", sa.Text()),
    _col("kldb", sa.String(5), null=True),
    _col("postcode", sa.String(5)),
    _col("municipality", sa.Text()),
    _col("lat", sa.Float(), null=True),
    _col("lon", sa.Float(), null=True),
    _col("hours_per_week", sa.Float()),
    _col("shifts", sa.String(16)),
    _col("contract", sa.String(16)),
    _col("contract_months", sa.Integer(), null=True),
    _col("wage", sa.Float()),
    _col("wage_unit", sa.String(8)),
    _col("skill_level", sa.SmallInteger()),
    _col("licences", _JSON),
    _col("german_level", sa.SmallInteger()),
    _col("physical_load", sa.SmallInteger()),
    _col("openings", sa.Integer()),
    _col("posted", sa.Date()),
    _col("expires", sa.Date(), null=True, index=True),
    _col("filled", sa.Boolean()),
    _col("source", sa.String(100)),
)

claimants = sa.Table(
    "claimants",
    metadata,
    _col("id", _ID, primary_key=True),
    _col("jobcenter", _ID),
    _col("team", sa.Text()),
    _col("case_manager", _ID),
    _col("postcode", sa.String(5)),
    _col("municipality", sa.Text()),
    _col("lat", sa.Float(), null=True),
    _col("lon", sa.Float(), null=True),
    _col("licences", _JSON),
    _col("has_car", sa.Boolean()),
    _col("max_commute_minutes", sa.Integer(), null=True),
    _col("desired_occupations", _JSON),
    _col("desired_kldb", _JSON),
    _col("profile_text", sa.Text()),
    _col("skill_level", sa.SmallInteger()),
    _col("german_level", sa.SmallInteger()),
    _col("available_hours", sa.Float()),
    _col("shifts_ok", sa.Boolean()),
    _col("months_unemployed", sa.Integer()),
    _col("short_spells", sa.Integer()),
    _col("experience", _JSON),
    _col("adults", sa.Integer()),
    _col("children_0_5", sa.Integer()),
    _col("children_6_13", sa.Integer()),
    _col("children_14_17", sa.Integer()),
    _col("rent", sa.Float()),
    _col("active", sa.Boolean()),
    sa.Index("ix_claimants_jobcenter_case_manager", "jobcenter", "case_manager"),
)

claimant_health = sa.Table(
    "claimant_health",
    metadata,
    _col("claimant_id", _ID, sa.ForeignKey("claimants.id", ondelete="CASCADE"), primary_key=True),
    _col("health_max_load", sa.SmallInteger(), null=True),
)

claimant_protected = sa.Table(
    "claimant_protected",
    metadata,
    _col("claimant_id", _ID, sa.ForeignKey("claimants.id", ondelete="CASCADE"), primary_key=True),
    _col("sex", sa.String(1)),
    _col("nationality_group", sa.String(8)),
    _col("age_band", sa.String(8)),
    _col("severe_disability", sa.Boolean()),
)

# No foreign keys: outcomes and proposals are history; the vacancy of an old placement exists only as
# the snapshot, and a claimant may have left the register.
outcomes = sa.Table(
    "outcomes",
    metadata,
    _col("id", _ID, primary_key=True),
    _col("claimant_id", _ID, index=True),
    _col("vacancy_id", _ID),
    _col("start", sa.Date(), index=True),
    _col("end", sa.Date(), null=True),
    _col("employed_12m", sa.Boolean()),
    _col("benefits_12m", sa.Boolean()),
    _col("claimant_snapshot", _JSON),
    _col("vacancy_snapshot", _JSON),
)

proposals = sa.Table(
    "proposals",
    metadata,
    _col("id", _ID, primary_key=True),
    _col("claimant_id", _ID, index=True),
    _col("vacancy_id", _ID, index=True),
    _col("proposed", sa.Date()),
    _col("hired", sa.Boolean()),
)

feedback = sa.Table(
    "feedback",
    metadata,
    _col("id", _ID, primary_key=True),
    _col("claimant_id", _ID, index=True),
    _col("vacancy_id", _ID),
    _col("action", sa.String(16)),
    _col("username", sa.String(128)),  # "user" is reserved in PostgreSQL
    _col("at", sa.DateTime(timezone=True)),
    _col("model_version", sa.String(128)),
    _col("reason_code", sa.String(64), null=True),
    _col("confirmed_by", sa.String(128), null=True),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    _col("id", _BIGINT_PK, primary_key=True, autoincrement=True),
    _col("at", sa.DateTime(timezone=True), index=True),
    _col("who", sa.String(128)),
    _col("action", sa.String(64)),
    _col("claimant_id", _ID, null=True, index=True),
    _col("model_version", sa.String(128), null=True),
    _col("index_version", sa.String(128), null=True),
    _col("payload", _JSON),
)

# API tokens: only a hash of the secret is stored; role and Jobcenter decide what the bearer may read.
api_tokens = sa.Table(
    "api_tokens",
    metadata,
    _col("id", _ID, primary_key=True),
    _col("name", sa.String(128)),
    _col("role", sa.String(16)),
    _col("jobcenter", _ID),
    _col("token_hash", sa.String(128), unique=True),
    _col("created", sa.DateTime(timezone=True)),
    _col("revoked", sa.DateTime(timezone=True), null=True),
)

# Nightly match lists: one row per run, one row per (run, claimant, rank). The lists of a run are
# written in one transaction when the run completes, so a run is either all there or not at all.
nightly_runs = sa.Table(
    "nightly_runs",
    metadata,
    _col("id", _ID, primary_key=True),
    _col("started", sa.DateTime(timezone=True)),
    _col("finished", sa.DateTime(timezone=True), null=True),
    _col("status", sa.String(16)),
    _col("manifest", _JSON),
)

nightly_lists = sa.Table(
    "nightly_lists",
    metadata,
    _col("run_id", _ID, sa.ForeignKey("nightly_runs.id", ondelete="CASCADE"), primary_key=True),
    _col("claimant_id", _ID, primary_key=True, index=True),
    _col("rank", sa.SmallInteger(), primary_key=True),
    _col("vacancy_id", _ID),
    _col("jobcenter", _ID),
    _col("case_manager", _ID),
    _col("score", sa.Float()),
    _col("payload", _JSON),
    sa.Index("ix_nightly_lists_run_id_case_manager", "run_id", "case_manager"),
)

_EMPLOYER_FIELDS = (
    "id",
    "name",
    "size_band",
    "sector",
    "collective_agreement",
    "temp_agency",
    "offers_training",
)
_VACANCY_FIELDS = (
    "id", "employer_id", "title", "description", "kldb", "postcode", "municipality", "lat", "lon",
    "hours_per_week", "shifts", "contract", "contract_months", "wage", "wage_unit", "skill_level",
    "licences", "german_level", "physical_load", "openings", "posted", "expires", "filled", "source",
)  # fmt: skip

TABLES: tuple[sa.Table, ...] = (
    employers,
    vacancies,
    claimants,
    claimant_health,
    claimant_protected,
    outcomes,
    proposals,
    feedback,
    audit_log,
    api_tokens,
    nightly_runs,
    nightly_lists,
)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One line of the audit log: who did what to whom, with which model and index."""

    id: int
    at: datetime
    who: str
    action: str
    claimant_id: str | None
    model_version: str | None
    index_version: str | None
    payload: dict[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True, slots=True)
class ApiToken:
    """A stored API token: never the secret, only its hash."""

    id: str
    name: str
    role: str
    jobcenter: str
    token_hash: str
    created: datetime
    revoked: datetime | None = None


@dataclass(frozen=True, slots=True)
class NightlyRun:
    id: str
    started: datetime
    finished: datetime | None
    status: str
    manifest: dict[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True, slots=True)
class NightlyRow:
    """One entry of a claimant's nightly list."""

    run_id: str
    claimant_id: str
    rank: int
    vacancy_id: str
    jobcenter: str
    case_manager: str
    score: float
    payload: dict[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True, slots=True)
class UpsertCounts:
    inserted: int = 0
    updated: int = 0

    def __add__(self, other: UpsertCounts) -> UpsertCounts:
        return UpsertCounts(self.inserted + other.inserted, self.updated + other.updated)


# --------------------------------------------------------------------------------------------------
# Engine, migrations


def _safe_url(url: str | sa.URL) -> str:
    return sa.make_url(url).render_as_string(hide_password=True)


def _reason(err: BaseException) -> str:
    orig = getattr(err, "orig", None) or err
    text = str(orig).strip().splitlines()
    return text[0] if text else type(orig).__name__


def create_engine(url: str) -> Engine:
    """An engine for a supported URL (sqlite, postgresql); SQLite gets WAL, foreign keys, real BEGIN."""
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
    engine = (
        sa.create_engine(u, poolclass=StaticPool, hide_parameters=True)
        if memory
        else sa.create_engine(u, hide_parameters=True)
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
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN")

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


def _upgrade(engine: Engine, revision: str = "head") -> None:
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
        with _guard(url):
            _upgrade(engine, revision)
    finally:
        engine.dispose()


def downgrade(url: str, revision: str = "base") -> None:
    """Undo migrations down to ``revision`` (for tests and operators; ``base`` drops every table)."""
    from alembic import command

    engine = create_engine(url)
    try:
        with _guard(url), engine.begin() as conn:
            command.downgrade(_alembic_config(conn), revision)
    finally:
        engine.dispose()


def current_revision(url: str) -> str | None:
    """The revision the database is at (None for an empty database)."""
    from alembic.runtime.migration import MigrationContext

    engine = create_engine(url)
    try:
        with _guard(url), engine.connect() as conn:
            rev: str | None = MigrationContext.configure(conn).get_current_revision()
            return rev
    finally:
        engine.dispose()


@contextmanager
def _guard(url: str | sa.URL) -> Iterator[None]:
    """Translate 'cannot reach / cannot use the database' into StoreUnavailable with a reason."""
    try:
        yield
    except (exc.OperationalError, exc.InterfaceError) as err:
        raise StoreUnavailable(f"database {_safe_url(url)} is unavailable: {_reason(err)}") from err


# --------------------------------------------------------------------------------------------------
# Record <-> row


def _utc(value: datetime) -> datetime:
    """Aware UTC; a naive datetime is taken to be UTC already (SQLite hands them back naive)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _employer_row(e: Employer) -> dict[str, Any]:
    return {
        "id": e.id,
        "name": e.name,
        "size_band": e.size_band.value,
        "sector": e.sector,
        "collective_agreement": e.collective_agreement,
        "temp_agency": e.temp_agency,
        "offers_training": e.offers_training,
    }


def _vacancy_row(v: Vacancy) -> dict[str, Any]:
    return {
        "id": v.id,
        "employer_id": v.employer.id,
        "title": v.title,
        "description": v.description,
        "kldb": v.kldb,
        "postcode": v.postcode,
        "municipality": v.municipality,
        "lat": v.lat,
        "lon": v.lon,
        "hours_per_week": v.hours_per_week,
        "shifts": v.shifts.value,
        "contract": v.contract.value,
        "contract_months": v.contract_months,
        "wage": v.wage,
        "wage_unit": v.wage_unit.value,
        "skill_level": int(v.skill_level),
        "licences": sorted(v.licences),
        "german_level": int(v.german_level),
        "physical_load": int(v.physical_load),
        "openings": v.openings,
        "posted": v.posted,
        "expires": v.expires,
        "filled": v.filled,
        "source": v.source,
    }


def _by_value(kind: Any) -> dict[Any, Any]:
    """value -> member: a dict lookup is several times faster than calling the enum on 100k rows."""
    return {m.value: m for m in kind}


_SIZE, _SHIFTS, _CONTRACT, _WAGE_UNIT = (
    _by_value(SizeBand),
    _by_value(Shifts),
    _by_value(Contract),
    _by_value(WageUnit),
)
_SKILL, _CEFR, _LOAD = _by_value(SkillLevel), _by_value(CEFR), _by_value(PhysicalLoad)

# Explicit column order: rows are unpacked by position (name lookups on 100k rows cost seconds).
# Licences come as JSON text and are decoded once per distinct value: vacancies share a handful of sets.
_VACANCY_SELECT_COLS = [
    *(sa.cast(vacancies.c[n], sa.Text) if n == "licences" else vacancies.c[n] for n in _VACANCY_FIELDS),
    *(employers.c[n] for n in _EMPLOYER_FIELDS if n != "id"),
]


def _vacancy_select() -> sa.Select[Any]:
    return sa.select(*_VACANCY_SELECT_COLS).join(employers, employers.c.id == vacancies.c.employer_id)


def _vacancies_from(rows: Iterable[Sequence[Any]]) -> list[Vacancy]:
    employer_cache: dict[str, Employer] = {}
    licence_cache: dict[str, frozenset[str]] = {}
    out = []
    for (
        vid, eid, title, description, kldb, postcode, municipality, lat, lon, hours, shifts, contract,
        contract_months, wage, wage_unit, skill, licences, german, load, openings, posted, expires,
        filled, source, e_name, e_size, e_sector, e_collective, e_temp, e_training,
    ) in rows:  # fmt: skip
        employer = employer_cache.get(eid)
        if employer is None:
            employer = employer_cache[eid] = Employer(
                id=eid,
                name=e_name,
                size_band=_SIZE[e_size],
                sector=e_sector,
                collective_agreement=e_collective,
                temp_agency=e_temp,
                offers_training=e_training,
            )
        out.append(
            Vacancy(
                id=vid,
                employer=employer,
                title=title,
                description=description,
                kldb=kldb,
                postcode=postcode,
                municipality=municipality,
                lat=lat,
                lon=lon,
                hours_per_week=hours,
                shifts=_SHIFTS[shifts],
                contract=_CONTRACT[contract],
                contract_months=contract_months,
                wage=wage,
                wage_unit=_WAGE_UNIT[wage_unit],
                skill_level=_SKILL[skill],
                licences=licence_cache.get(licences)
                or licence_cache.setdefault(licences, frozenset(json.loads(licences))),
                german_level=_CEFR[german],
                physical_load=_LOAD[load],
                openings=openings,
                posted=posted,
                expires=expires,
                filled=filled,
                source=source,
            )
        )
    return out


def _claimant_row(c: Claimant) -> dict[str, Any]:
    h = c.household
    return {
        "id": c.id,
        "jobcenter": c.jobcenter,
        "team": c.team,
        "case_manager": c.case_manager,
        "postcode": c.postcode,
        "municipality": c.municipality,
        "lat": c.lat,
        "lon": c.lon,
        "licences": sorted(c.licences),
        "has_car": c.has_car,
        "max_commute_minutes": c.max_commute_minutes,
        "desired_occupations": list(c.desired_occupations),
        "desired_kldb": list(c.desired_kldb),
        "profile_text": c.profile_text,
        "skill_level": int(c.skill_level),
        "german_level": int(c.german_level),
        "available_hours": c.available_hours,
        "shifts_ok": c.shifts_ok,
        "months_unemployed": c.months_unemployed,
        "short_spells": c.short_spells,
        "experience": [[code, months] for code, months in c.experience],
        "adults": h.adults,
        "children_0_5": h.children_0_5,
        "children_6_13": h.children_6_13,
        "children_14_17": h.children_14_17,
        "rent": h.rent,
        "active": c.active,
    }


def _claimant_select(with_health: bool) -> sa.Select[Any]:
    if not with_health:
        return sa.select(claimants, sa.null().label("health_max_load"))
    return sa.select(claimants, claimant_health.c.health_max_load).outerjoin(
        claimant_health, claimant_health.c.claimant_id == claimants.c.id
    )


def _claimant_from(r: Any) -> Claimant:
    return Claimant(
        id=r.id,
        jobcenter=r.jobcenter,
        team=r.team,
        case_manager=r.case_manager,
        postcode=r.postcode,
        municipality=r.municipality,
        lat=r.lat,
        lon=r.lon,
        licences=frozenset(r.licences),
        has_car=r.has_car,
        max_commute_minutes=r.max_commute_minutes,
        desired_occupations=tuple(r.desired_occupations),
        desired_kldb=tuple(r.desired_kldb),
        profile_text=r.profile_text,
        skill_level=SkillLevel(r.skill_level),
        german_level=CEFR(r.german_level),
        available_hours=r.available_hours,
        shifts_ok=r.shifts_ok,
        health_max_load=None if r.health_max_load is None else PhysicalLoad(r.health_max_load),
        months_unemployed=r.months_unemployed,
        short_spells=r.short_spells,
        experience=tuple((code, months) for code, months in r.experience),
        household=Household(
            adults=r.adults,
            children_0_5=r.children_0_5,
            children_6_13=r.children_6_13,
            children_14_17=r.children_14_17,
            rent=r.rent,
        ),
        active=r.active,
    )


def _protected_row(p: ProtectedAttributes) -> dict[str, Any]:
    return {
        "claimant_id": p.claimant_id,
        "sex": p.sex.value,
        "nationality_group": p.nationality_group.value,
        "age_band": p.age_band.value,
        "severe_disability": p.severe_disability,
    }


def _protected_from(r: Any) -> ProtectedAttributes:
    return ProtectedAttributes(
        claimant_id=r.claimant_id,
        sex=Sex(r.sex),
        nationality_group=NationalityGroup(r.nationality_group),
        age_band=AgeBand(r.age_band),
        severe_disability=r.severe_disability,
    )


def _outcome_row(o: Outcome) -> dict[str, Any]:
    return {
        "id": o.id,
        "claimant_id": o.claimant_id,
        "vacancy_id": o.vacancy_id,
        "start": o.start,
        "end": o.end,
        "employed_12m": o.employed_12m,
        "benefits_12m": o.benefits_12m,
        "claimant_snapshot": o.claimant_snapshot,
        "vacancy_snapshot": o.vacancy_snapshot,
    }


def _outcome_from(r: Any) -> Outcome:
    return Outcome(
        id=r.id,
        claimant_id=r.claimant_id,
        vacancy_id=r.vacancy_id,
        start=r.start,
        end=r.end,
        employed_12m=r.employed_12m,
        benefits_12m=r.benefits_12m,
        claimant_snapshot=r.claimant_snapshot,
        vacancy_snapshot=r.vacancy_snapshot,
    )


def _proposal_row(p: Proposal) -> dict[str, Any]:
    return {
        "id": p.id,
        "claimant_id": p.claimant_id,
        "vacancy_id": p.vacancy_id,
        "proposed": p.proposed,
        "hired": p.hired,
    }


def _proposal_from(r: Any) -> Proposal:
    return Proposal(
        id=r.id, claimant_id=r.claimant_id, vacancy_id=r.vacancy_id, proposed=r.proposed, hired=r.hired
    )


def _feedback_row(f: Feedback) -> dict[str, Any]:
    return {
        "id": f.id,
        "claimant_id": f.claimant_id,
        "vacancy_id": f.vacancy_id,
        "action": f.action.value,
        "username": f.user,
        "at": _utc(f.at),
        "model_version": f.model_version,
        "reason_code": f.reason_code,
        "confirmed_by": f.confirmed_by,
    }


def _feedback_from(r: Any) -> Feedback:
    return Feedback(
        id=r.id,
        claimant_id=r.claimant_id,
        vacancy_id=r.vacancy_id,
        action=FeedbackAction(r.action),
        user=r.username,
        at=_utc(r.at),
        model_version=r.model_version,
        reason_code=r.reason_code,
        confirmed_by=r.confirmed_by,
    )


def _audit_from(r: Any) -> AuditEntry:
    return AuditEntry(
        id=r.id,
        at=_utc(r.at),
        who=r.who,
        action=r.action,
        claimant_id=r.claimant_id,
        model_version=r.model_version,
        index_version=r.index_version,
        payload=r.payload,
    )


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


def _redact_audit(conn: Connection, claimant_id: str) -> None:
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


def _token_from(r: Any) -> ApiToken:
    revoked = _utc(r.revoked) if r.revoked is not None else None
    return ApiToken(r.id, r.name, r.role, r.jobcenter, r.token_hash, _utc(r.created), revoked)


def _run_from(r: Any) -> NightlyRun:
    finished = _utc(r.finished) if r.finished is not None else None
    return NightlyRun(r.id, _utc(r.started), finished, r.status, r.manifest)


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _last_by_key(rows: Iterable[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """Rows with unique keys, the last one of each key winning (as a later upsert would)."""
    return list({r[key]: r for r in rows}.values())


# --------------------------------------------------------------------------------------------------
# Repository


class Store:
    """Repository over one database. Thread-safe: each thread gets its own connection / transaction."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._url = engine.url
        self._local = threading.local()
        name = engine.dialect.name
        self._insert: Callable[[sa.Table], Any] = postgresql.insert if name == "postgresql" else sqlite.insert

    @classmethod
    def open(cls, url: str, *, upgrade: bool = True) -> Store:
        """Open the database at ``url``, bringing its schema to the newest migration first."""
        engine = create_engine(url)
        try:
            with _guard(url):
                if upgrade:
                    _upgrade(engine)
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

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- transactions ----------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything the repository does inside this block commits together or not at all.

        Nested blocks join the outer transaction.
        """
        if getattr(self._local, "conn", None) is not None:
            yield
            return
        with _guard(self._url), self._engine.begin() as conn:
            self._local.conn = conn
            try:
                yield
            finally:
                self._local.conn = None

    @contextmanager
    def _connect(self) -> Iterator[Connection]:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            with _guard(self._url):
                yield conn
            return
        with _guard(self._url), self._engine.begin() as new:
            yield new

    # -- writing ---------------------------------------------------------------------------------

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
        rows = _last_by_key(rows, key.name)
        stmt = self._insert(table)
        stmt = stmt.on_conflict_do_update(
            index_elements=[key.name],
            set_={c.name: stmt.excluded[c.name] for c in table.columns if c.name != key.name},
        )
        existing: set[str] = set()
        for part in _chunks(rows, CHUNK_ROWS):
            ids = [r[key.name] for r in part]
            existing.update(conn.execute(sa.select(key).where(self._in(key, ids))).scalars())
            conn.execute(stmt, list(part))
        return UpsertCounts(inserted=len(rows) - len(existing), updated=len(existing))

    def upsert_claimants(self, items: Sequence[tuple[Claimant, ProtectedAttributes | None]]) -> UpsertCounts:
        """Insert or update claimants by id, with their health row.

        Protected attributes given as None leave the stored ones as they are (an import without the
        audit columns does not erase them).
        """
        claimant_rows = [_claimant_row(c) for c, _ in items]
        health_rows = [
            {
                "claimant_id": c.id,
                "health_max_load": None if c.health_max_load is None else int(c.health_max_load),
            }
            for c, _ in items
        ]
        protected_rows = [_protected_row(p) for _, p in items if p is not None]
        with self._connect() as conn:
            counts = self._upsert(conn, claimants, claimant_rows)
            self._upsert(conn, claimant_health, health_rows)
            self._upsert(conn, claimant_protected, protected_rows)
        return counts

    def upsert_vacancies(self, items: Sequence[Vacancy]) -> UpsertCounts:
        """Insert or update vacancies by id; their employers are upserted first (last one wins)."""
        with self._connect() as conn:
            self._upsert(conn, employers, [_employer_row(v.employer) for v in items])
            return self._upsert(conn, vacancies, [_vacancy_row(v) for v in items])

    def upsert_outcomes(self, items: Sequence[Outcome]) -> UpsertCounts:
        with self._connect() as conn:
            return self._upsert(conn, outcomes, [_outcome_row(o) for o in items])

    def upsert_proposals(self, items: Sequence[Proposal]) -> UpsertCounts:
        with self._connect() as conn:
            return self._upsert(conn, proposals, [_proposal_row(p) for p in items])

    def add_feedback(self, item: Feedback) -> None:
        """Record a case manager's action; the same feedback id again replaces the earlier record."""
        with self._connect() as conn:
            self._upsert(conn, feedback, [_feedback_row(item)])

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
            "at": _utc(at or datetime.now(UTC)),
            "who": who,
            "action": action,
            "claimant_id": claimant_id,
            "model_version": model_version,
            "index_version": index_version,
            "payload": payload or {},
        }
        with self._connect() as conn:
            new_id = conn.execute(sa.insert(audit_log).values(row).returning(audit_log.c.id)).scalar_one()
        return int(new_id)

    def delete_claimant(self, claimant_id: str) -> dict[str, int]:
        """Erase a claimant and every row naming them; audit entries about them are redacted (who
        did what when stays, whom goes; see ``_redact_audit``). Rows deleted per table.

        Raises UnknownClaimant if nothing at all was stored for the id.
        """
        deleted: dict[str, int] = {}
        with self._connect() as conn:
            for table, key in (
                (claimant_health, claimant_health.c.claimant_id),
                (claimant_protected, claimant_protected.c.claimant_id),
                (outcomes, outcomes.c.claimant_id),
                (proposals, proposals.c.claimant_id),
                (feedback, feedback.c.claimant_id),
                (nightly_lists, nightly_lists.c.claimant_id),
                (claimants, claimants.c.id),
            ):
                deleted[table.name] = conn.execute(sa.delete(table).where(key == claimant_id)).rowcount
            if any(deleted.values()):
                _redact_audit(conn, claimant_id)
        if not any(deleted.values()):
            raise UnknownClaimant(f"no claimant {claimant_id!r}")
        if getattr(self._local, "conn", None) is None:
            self._flush_wal()
        return deleted

    def _flush_wal(self) -> None:
        """SQLite: copy the WAL into the database and truncate it, so that the pages of an erased
        claimant (old frames of the WAL) do not stay on disk. Inside an outer transaction the caller's
        commit comes later; the next erasure or SQLite's own checkpoints flush it then."""
        if self.dialect != "sqlite":
            return
        with _guard(self._url), self._engine.connect() as conn:
            busy, *_ = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
        if busy:
            log.warning("erasure: the WAL could not be checkpointed now (readers); old frames remain for now")

    def delete_vacancy(self, vacancy_id: str) -> None:
        """Remove a vacancy (its employer stays); history rows name it without a foreign key."""
        with self._connect() as conn:
            n = conn.execute(sa.delete(vacancies).where(vacancies.c.id == vacancy_id)).rowcount
        if not n:
            raise UnknownVacancy(f"no vacancy {vacancy_id!r}")

    # -- API tokens ------------------------------------------------------------------------------

    def add_token(self, token: ApiToken) -> None:
        row = {
            "id": token.id,
            "name": token.name,
            "role": token.role,
            "jobcenter": token.jobcenter,
            "token_hash": token.token_hash,
            "created": _utc(token.created),
            "revoked": _utc(token.revoked) if token.revoked else None,
        }
        with self._connect() as conn:
            conn.execute(sa.insert(api_tokens).values(row))

    def token_by_hash(self, token_hash: str) -> ApiToken | None:
        """The token with this hash, revoked or not (the caller decides), or None."""
        with self._connect() as conn:
            r = conn.execute(sa.select(api_tokens).where(api_tokens.c.token_hash == token_hash)).first()
        return None if r is None else _token_from(r)

    def list_tokens(self) -> list[ApiToken]:
        with self._connect() as conn:
            rows = conn.execute(sa.select(api_tokens).order_by(api_tokens.c.created, api_tokens.c.id))
            return [_token_from(r) for r in rows]

    def revoke_token(self, token_id: str, at: datetime | None = None) -> bool:
        """Mark a token revoked; False if there is no such (unrevoked) token."""
        with self._connect() as conn:
            n = conn.execute(
                sa.update(api_tokens)
                .where(api_tokens.c.id == token_id, api_tokens.c.revoked.is_(None))
                .values(revoked=_utc(at or datetime.now(UTC)))
            ).rowcount
        return bool(n)

    # -- nightly lists ---------------------------------------------------------------------------

    def save_nightly_run(self, run: NightlyRun, rows: Sequence[NightlyRow] | None = None) -> None:
        """Insert or update a run; with ``rows``, its lists are replaced by them in the same transaction."""
        run_row = {
            "id": run.id,
            "started": _utc(run.started),
            "finished": _utc(run.finished) if run.finished else None,
            "status": run.status,
            "manifest": run.manifest,
        }
        with self.transaction(), self._connect() as conn:
            self._upsert(conn, nightly_runs, [run_row])
            if rows is None:
                return
            conn.execute(sa.delete(nightly_lists).where(nightly_lists.c.run_id == run.id))
            dicts = [
                {
                    "run_id": r.run_id,
                    "claimant_id": r.claimant_id,
                    "rank": r.rank,
                    "vacancy_id": r.vacancy_id,
                    "jobcenter": r.jobcenter,
                    "case_manager": r.case_manager,
                    "score": float(r.score),
                    "payload": r.payload,
                }
                for r in rows
            ]
            for part in _chunks(dicts, CHUNK_ROWS):
                conn.execute(sa.insert(nightly_lists), list(part))

    def get_nightly_run(self, run_id: str) -> NightlyRun | None:
        with self._connect() as conn:
            r = conn.execute(sa.select(nightly_runs).where(nightly_runs.c.id == run_id)).first()
        return None if r is None else _run_from(r)

    def list_nightly_runs(self) -> list[NightlyRun]:
        """All runs, newest first."""
        with self._connect() as conn:
            rows = conn.execute(sa.select(nightly_runs).order_by(nightly_runs.c.started.desc()))
            return [_run_from(r) for r in rows]

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

    # -- reading ---------------------------------------------------------------------------------

    def get_claimant(self, claimant_id: str, *, with_health: bool = True) -> Claimant:
        """The claimant; ``with_health=False`` does not read the health table (health_max_load None)."""
        with self._connect() as conn:
            r = conn.execute(_claimant_select(with_health).where(claimants.c.id == claimant_id)).first()
        if r is None:
            raise UnknownClaimant(f"no claimant {claimant_id!r}")
        return _claimant_from(r)

    def list_claimants(
        self, active_only: bool = True, jobcenter: str | None = None, *, with_health: bool = True
    ) -> list[Claimant]:
        stmt = _claimant_select(with_health)
        if active_only:
            stmt = stmt.where(claimants.c.active.is_(True))
        if jobcenter is not None:
            stmt = stmt.where(claimants.c.jobcenter == jobcenter)
        with self._connect() as conn:
            return [_claimant_from(r) for r in conn.execute(stmt.order_by(claimants.c.id))]

    def get_vacancy(self, vacancy_id: str) -> Vacancy:
        with self._connect() as conn:
            found = _vacancies_from(conn.execute(_vacancy_select().where(vacancies.c.id == vacancy_id)))
        if not found:
            raise UnknownVacancy(f"no vacancy {vacancy_id!r}")
        return found[0]

    def list_vacancies(self, open_on: date | None = None) -> list[Vacancy]:
        """All vacancies, or those open on a day (not filled, not expired before it), by id."""
        stmt = _vacancy_select()
        if open_on is not None:
            stmt = stmt.where(
                vacancies.c.filled.is_(False),
                sa.or_(vacancies.c.expires.is_(None), vacancies.c.expires >= open_on),
            )
        with self._connect() as conn:
            return _vacancies_from(conn.execute(stmt.order_by(vacancies.c.id)).all())

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

    def list_outcomes(self) -> list[Outcome]:
        with self._connect() as conn:
            rows = conn.execute(sa.select(outcomes).order_by(outcomes.c.start, outcomes.c.id))
            return [_outcome_from(r) for r in rows]

    def list_proposals(self, claimant_id: str | None = None) -> list[Proposal]:
        stmt = sa.select(proposals)
        if claimant_id is not None:
            stmt = stmt.where(proposals.c.claimant_id == claimant_id)
        with self._connect() as conn:
            return [
                _proposal_from(r) for r in conn.execute(stmt.order_by(proposals.c.proposed, proposals.c.id))
            ]

    def list_feedback(self, claimant_id: str | None = None) -> list[Feedback]:
        stmt = sa.select(feedback)
        if claimant_id is not None:
            stmt = stmt.where(feedback.c.claimant_id == claimant_id)
        with self._connect() as conn:
            return [_feedback_from(r) for r in conn.execute(stmt.order_by(feedback.c.at, feedback.c.id))]

    def list_audit(self, claimant_id: str | None = None, limit: int | None = None) -> list[AuditEntry]:
        """Audit entries, oldest first."""
        stmt = sa.select(audit_log)
        if claimant_id is not None:
            stmt = stmt.where(audit_log.c.claimant_id == claimant_id)
        stmt = stmt.order_by(audit_log.c.id)
        if limit is not None:
            stmt = stmt.limit(limit)
        with self._connect() as conn:
            return [_audit_from(r) for r in conn.execute(stmt)]

    def ping(self) -> None:
        """Raises StoreUnavailable when the database cannot be reached."""
        with self._connect() as conn:
            conn.exec_driver_sql("SELECT 1")

    def get_audit(self, entry_id: int) -> AuditEntry | None:
        with self._connect() as conn:
            r = conn.execute(sa.select(audit_log).where(audit_log.c.id == entry_id)).first()
        return None if r is None else _audit_from(r)

    def search_claimants(self, jobcenter: str | None, q: str, limit: int) -> list[dict[str, Any]]:
        """Claimant summaries (no health, no profile text) whose id starts with ``q`` or one of whose
        desired occupations contains it (case-insensitive); current (active) cases first, then by id
        (a search must not fill its limit with closed history cases). Matched in Python: the JSON column
        holds escaped non-ASCII text on SQLite, which SQL ``LIKE`` cannot compare with umlauts.
        """
        cols = (
            claimants.c.id, claimants.c.case_manager, claimants.c.team, claimants.c.municipality,
            claimants.c.postcode, claimants.c.desired_occupations, claimants.c.active,
        )  # fmt: skip
        stmt = sa.select(*cols).order_by(claimants.c.active.desc(), claimants.c.id)
        if jobcenter is not None:
            stmt = stmt.where(claimants.c.jobcenter == jobcenter)
        needle = q.casefold()
        out: list[dict[str, Any]] = []
        with self._connect() as conn:
            for r in conn.execute(stmt):
                occupations = list(r.desired_occupations)
                if needle and not (
                    r.id.casefold().startswith(needle) or any(needle in o.casefold() for o in occupations)
                ):
                    continue
                out.append(
                    {
                        "id": r.id,
                        "case_manager": r.case_manager,
                        "team": r.team,
                        "municipality": r.municipality,
                        "postcode": r.postcode,
                        "desired_occupations": occupations,
                        "active": r.active,
                    }
                )
                if len(out) >= limit:
                    break
        return out

    def get_protected(self, ids: Iterable[str] | None = None) -> dict[str, ProtectedAttributes]:
        """Protected attributes by claimant id, for the fairness audit only (all of them if ids is None)."""
        out: dict[str, ProtectedAttributes] = {}
        key = claimant_protected.c.claimant_id
        with self._connect() as conn:
            if ids is None:
                out.update(
                    (r.claimant_id, _protected_from(r)) for r in conn.execute(sa.select(claimant_protected))
                )
                return out
            for part in _chunks(sorted(set(ids)), IN_CHUNK):
                rows = conn.execute(sa.select(claimant_protected).where(self._in(key, part)))
                out.update((r.claimant_id, _protected_from(r)) for r in rows)
        return out

    def counts(self) -> dict[str, int]:
        """Rows per table (for ``passgenau stats``)."""
        with self._connect() as conn:
            return {
                t.name: int(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one())
                for t in TABLES
            }
