"""The tables, as SQLAlchemy ``Table`` objects that mirror the Alembic migrations (a test compares them).

The migrations in ``matcher/migrations`` build the schema; these objects only serve the queries.
Constraint names follow ``NAMING`` so that batch ALTERs on SQLite find them.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

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
    _col("activated", sa.Date(), null=True),
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

# One row per suggestion shown (a claimant's suggestions or a vacancy's candidates), written with the
# lookup's audit entry; the id is the one the API hands out, f"{lookup_id}-{rank}". No foreign keys to
# claimants or vacancies: history (erasure deletes a claimant's rows explicitly).
suggestions = sa.Table(
    "suggestions",
    metadata,
    _col("id", _ID, primary_key=True),
    _col("lookup_id", _BIGINT_PK),
    _col("kind", sa.String(16)),
    _col("claimant_id", _ID, index=True),
    _col("vacancy_id", _ID, index=True),
    _col("jobcenter", _ID),
    _col("rank", sa.SmallInteger()),
    # NULL for lists logged before suggestions were records: the audit entry kept only the score.
    _col("similarity", sa.Float(), null=True),
    _col("p_match", sa.Float(), null=True),
    _col("p_sustain", sa.Float(), null=True),
    _col("score", sa.Float()),
    _col("model_version", sa.String(128)),
    _col("index_version", sa.String(128)),
    _col("embedder_id", sa.String(256), null=True),
    _col("shown_at", sa.DateTime(timezone=True)),
)

# What became of a suggestion. Append-only: a later action is a new row, never an update.
suggestion_actions = sa.Table(
    "suggestion_actions",
    metadata,
    _col("id", _BIGINT_PK, primary_key=True, autoincrement=True),
    _col("suggestion_id", _ID, sa.ForeignKey("suggestions.id"), index=True),
    _col("claimant_id", _ID, index=True),
    _col("vacancy_id", _ID),
    _col("action", sa.String(16)),
    _col("username", sa.String(128)),  # "user" is reserved in PostgreSQL
    _col("at", sa.DateTime(timezone=True)),
    _col("model_version", sa.String(128)),
    _col("reason_code", sa.String(64), null=True),
    _col("confirmed_by", sa.String(128), null=True),
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

# The serving change log (migration 0006): what a server process changed in the catalogs every
# process holds in memory, so that the others apply it too (api.runtime). Pruned to the newest rows.
serving_changes = sa.Table(
    "serving_changes",
    metadata,
    _col("seq", _BIGINT_PK, primary_key=True, autoincrement=True),
    _col("at", sa.DateTime(timezone=True)),
    _col("origin", sa.String(64)),
    _col("kind", sa.String(16)),
    _col("ref", sa.Text()),
    _col("index_version", sa.String(128), null=True),
    sqlite_autoincrement=True,
)

EMPLOYER_FIELDS = (
    "id",
    "name",
    "size_band",
    "sector",
    "collective_agreement",
    "temp_agency",
    "offers_training",
)
VACANCY_FIELDS = (
    "id", "employer_id", "title", "description", "kldb", "postcode", "municipality", "lat", "lon",
    "hours_per_week", "shifts", "contract", "contract_months", "wage", "wage_unit", "skill_level",
    "licences", "german_level", "physical_load", "openings", "posted", "expires", "filled", "source",
)  # fmt: skip

# A case manager's correction of how a wish was read (``matcher.readings``), one row per claimant
# and wish text (as stored in ``claimants.desired_occupations``, stripped). Erasure deletes the rows
# explicitly; the foreign key also takes them with the claimant.
wish_corrections = sa.Table(
    "wish_corrections",
    metadata,
    _col("claimant_id", _ID, sa.ForeignKey("claimants.id", ondelete="CASCADE"), primary_key=True),
    _col("wish", sa.Text(), primary_key=True),
    _col("kldb", sa.String(5)),
    _col("corrected_by", sa.String(128)),
    _col("corrected_at", sa.DateTime(timezone=True)),
)

TABLES: tuple[sa.Table, ...] = (
    employers,
    vacancies,
    claimants,
    claimant_health,
    claimant_protected,
    outcomes,
    proposals,
    suggestions,
    suggestion_actions,
    audit_log,
    api_tokens,
    nightly_runs,
    nightly_lists,
    wish_corrections,
    serving_changes,
)
