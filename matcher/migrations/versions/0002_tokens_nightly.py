"""API tokens (hashed, with role and Jobcenter) and nightly match lists (runs and their list rows).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25

Frozen like 0001: later changes get their own revision.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.String(64)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("jobcenter", ID, nullable=False),
        sa.Column("token_hash", sa.String(128), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),
    )
    op.create_table(
        "nightly_runs",
        sa.Column("id", ID, nullable=False),
        sa.Column("started", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("manifest", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_nightly_runs"),
    )
    op.create_table(
        "nightly_lists",
        sa.Column("run_id", ID, nullable=False),
        sa.Column("claimant_id", ID, nullable=False),
        sa.Column("rank", sa.SmallInteger(), nullable=False),
        sa.Column("vacancy_id", ID, nullable=False),
        sa.Column("jobcenter", ID, nullable=False),
        sa.Column("case_manager", ID, nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["nightly_runs.id"], name="fk_nightly_lists_run_id_nightly_runs", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("run_id", "claimant_id", "rank", name="pk_nightly_lists"),
    )
    op.create_index("ix_nightly_lists_claimant_id", "nightly_lists", ["claimant_id"])
    op.create_index("ix_nightly_lists_run_id_case_manager", "nightly_lists", ["run_id", "case_manager"])


def downgrade() -> None:
    for table in ("nightly_lists", "nightly_runs", "api_tokens"):
        op.drop_table(table)
