"""The serving change log: ``serving_changes`` (issue 15, several server processes).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03

Every server process holds the vacancy index and the vacancy and claimant catalogs in memory. A
write through one process appends a row here (what changed: vacancy ids with the index version it
saved, a claimant id, an employer id, or the Jobcenter of an erased claimant); every process compares
the newest ``seq`` with the last it applied before it answers, and applies the rows it has not seen
(``api.runtime``). ``AUTOINCREMENT`` on SQLite: a sequence number is never given out twice, even
after the newest row was deleted (an erasure removes the rows naming the claimant).

Frozen like 0001: later changes get their own revision.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIGINT_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "serving_changes",
        sa.Column("seq", BIGINT_PK, autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("origin", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("ref", sa.Text(), nullable=False),
        sa.Column("index_version", sa.String(128), nullable=True),
        sa.PrimaryKeyConstraint("seq", name="pk_serving_changes"),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("serving_changes")
