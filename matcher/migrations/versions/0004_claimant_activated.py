"""The claimant's activation day: ``claimants.activated`` (nullable Date).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03

The day the Jobcenter activated the claimant (start of the current SGB II spell), which the key
figures need for each month's stock of claimants (Kennzahlen-Verordnung §5: the average stock) and
for the time from activation to the first proposal. Existing rows get NULL, "not recorded": any
date filled in here would be invented (the first proposal or the import day would make the time to
the first proposal zero), and the key figures treat an unknown activation as they treated every
claimant before (in the stock of every month while active; left out of the time to the first
proposal). An import or PUT with the column sets it.

Frozen like 0001: later changes get their own revision.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A nullable column without a default: a plain ADD COLUMN on SQLite and PostgreSQL alike.
    op.add_column("claimants", sa.Column("activated", sa.Date(), nullable=True))


def downgrade() -> None:
    # SQLite drops a column by rebuilding the table (batch mode); PostgreSQL alters it in place.
    with op.batch_alter_table("claimants") as batch:
        batch.drop_column("activated")
