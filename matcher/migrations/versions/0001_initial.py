"""Initial schema: employers, vacancies, claimants (+ protected, + health), outcomes, proposals,
feedback, audit log.

Revision ID: 0001
Revises:
Create Date: 2026-01-15

Written by hand and frozen: later schema changes get their own revision, never an edit here.
Constraint names follow ``matcher.store.NAMING`` so that later batch ALTERs on SQLite find them.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.String(64)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BIGINT_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "employers",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("size_band", sa.String(8), nullable=False),
        sa.Column("sector", sa.String(1), nullable=False),
        sa.Column("collective_agreement", sa.Boolean(), nullable=False),
        sa.Column("temp_agency", sa.Boolean(), nullable=False),
        sa.Column("offers_training", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_employers"),
    )
    op.create_table(
        "vacancies",
        sa.Column("id", ID, nullable=False),
        sa.Column("employer_id", ID, nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("kldb", sa.String(5), nullable=True),
        sa.Column("postcode", sa.String(5), nullable=False),
        sa.Column("municipality", sa.Text(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("hours_per_week", sa.Float(), nullable=False),
        sa.Column("shifts", sa.String(16), nullable=False),
        sa.Column("contract", sa.String(16), nullable=False),
        sa.Column("contract_months", sa.Integer(), nullable=True),
        sa.Column("wage", sa.Float(), nullable=False),
        sa.Column("wage_unit", sa.String(8), nullable=False),
        sa.Column("skill_level", sa.SmallInteger(), nullable=False),
        sa.Column("licences", JSON, nullable=False),
        sa.Column("german_level", sa.SmallInteger(), nullable=False),
        sa.Column("physical_load", sa.SmallInteger(), nullable=False),
        sa.Column("openings", sa.Integer(), nullable=False),
        sa.Column("posted", sa.Date(), nullable=False),
        sa.Column("expires", sa.Date(), nullable=True),
        sa.Column("filled", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(100), nullable=False),
        sa.ForeignKeyConstraint(["employer_id"], ["employers.id"], name="fk_vacancies_employer_id_employers"),
        sa.PrimaryKeyConstraint("id", name="pk_vacancies"),
    )
    op.create_index("ix_vacancies_employer_id", "vacancies", ["employer_id"])
    op.create_index("ix_vacancies_expires", "vacancies", ["expires"])

    op.create_table(
        "claimants",
        sa.Column("id", ID, nullable=False),
        sa.Column("jobcenter", ID, nullable=False),
        sa.Column("team", sa.Text(), nullable=False),
        sa.Column("case_manager", ID, nullable=False),
        sa.Column("postcode", sa.String(5), nullable=False),
        sa.Column("municipality", sa.Text(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("licences", JSON, nullable=False),
        sa.Column("has_car", sa.Boolean(), nullable=False),
        sa.Column("max_commute_minutes", sa.Integer(), nullable=True),
        sa.Column("desired_occupations", JSON, nullable=False),
        sa.Column("desired_kldb", JSON, nullable=False),
        sa.Column("profile_text", sa.Text(), nullable=False),
        sa.Column("skill_level", sa.SmallInteger(), nullable=False),
        sa.Column("german_level", sa.SmallInteger(), nullable=False),
        sa.Column("available_hours", sa.Float(), nullable=False),
        sa.Column("shifts_ok", sa.Boolean(), nullable=False),
        sa.Column("months_unemployed", sa.Integer(), nullable=False),
        sa.Column("short_spells", sa.Integer(), nullable=False),
        sa.Column("experience", JSON, nullable=False),
        sa.Column("adults", sa.Integer(), nullable=False),
        sa.Column("children_0_5", sa.Integer(), nullable=False),
        sa.Column("children_6_13", sa.Integer(), nullable=False),
        sa.Column("children_14_17", sa.Integer(), nullable=False),
        sa.Column("rent", sa.Float(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_claimants"),
    )
    op.create_index("ix_claimants_jobcenter_case_manager", "claimants", ["jobcenter", "case_manager"])

    op.create_table(
        "claimant_health",
        sa.Column("claimant_id", ID, nullable=False),
        sa.Column("health_max_load", sa.SmallInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["claimant_id"],
            ["claimants.id"],
            name="fk_claimant_health_claimant_id_claimants",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("claimant_id", name="pk_claimant_health"),
    )
    op.create_table(
        "claimant_protected",
        sa.Column("claimant_id", ID, nullable=False),
        sa.Column("sex", sa.String(1), nullable=False),
        sa.Column("nationality_group", sa.String(8), nullable=False),
        sa.Column("age_band", sa.String(8), nullable=False),
        sa.Column("severe_disability", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["claimant_id"],
            ["claimants.id"],
            name="fk_claimant_protected_claimant_id_claimants",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("claimant_id", name="pk_claimant_protected"),
    )

    op.create_table(
        "outcomes",
        sa.Column("id", ID, nullable=False),
        sa.Column("claimant_id", ID, nullable=False),
        sa.Column("vacancy_id", ID, nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=True),
        sa.Column("employed_12m", sa.Boolean(), nullable=False),
        sa.Column("benefits_12m", sa.Boolean(), nullable=False),
        sa.Column("claimant_snapshot", JSON, nullable=False),
        sa.Column("vacancy_snapshot", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_outcomes"),
    )
    op.create_index("ix_outcomes_start", "outcomes", ["start"])
    op.create_index("ix_outcomes_claimant_id", "outcomes", ["claimant_id"])

    op.create_table(
        "proposals",
        sa.Column("id", ID, nullable=False),
        sa.Column("claimant_id", ID, nullable=False),
        sa.Column("vacancy_id", ID, nullable=False),
        sa.Column("proposed", sa.Date(), nullable=False),
        sa.Column("hired", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_proposals"),
    )
    op.create_index("ix_proposals_claimant_id", "proposals", ["claimant_id"])
    op.create_index("ix_proposals_vacancy_id", "proposals", ["vacancy_id"])

    op.create_table(
        "feedback",
        sa.Column("id", ID, nullable=False),
        sa.Column("claimant_id", ID, nullable=False),
        sa.Column("vacancy_id", ID, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("username", sa.String(128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("model_version", sa.String(128), nullable=False),
        sa.Column("reason_code", sa.String(64), nullable=True),
        sa.Column("confirmed_by", sa.String(128), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_feedback"),
    )
    op.create_index("ix_feedback_claimant_id", "feedback", ["claimant_id"])

    op.create_table(
        "audit_log",
        sa.Column("id", BIGINT_PK, autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("who", sa.String(128), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("claimant_id", ID, nullable=True),
        sa.Column("model_version", sa.String(128), nullable=True),
        sa.Column("index_version", sa.String(128), nullable=True),
        sa.Column("payload", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_claimant_id", "audit_log", ["claimant_id"])
    op.create_index("ix_audit_log_at", "audit_log", ["at"])


def downgrade() -> None:
    for table in (
        "audit_log",
        "feedback",
        "proposals",
        "outcomes",
        "claimant_protected",
        "claimant_health",
        "claimants",
        "vacancies",
        "employers",
    ):
        op.drop_table(table)
