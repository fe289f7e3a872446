"""Case managers' corrections of how a wish was read: ``wish_corrections`` (issue 22).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03

One row per claimant and wish text: the KldB code the case manager chose where the grounder misread
the wish ("водій вантажівки" read as something other than Berufskraftfahrer/in). Matching uses it in
place of the model's reading (``matcher.readings``). The claimant's foreign key deletes the rows with
the claimant; erasure also deletes them explicitly, like every table naming a claimant. Existing
databases get an empty table: nothing was corrected before.

Frozen like 0001: later changes get their own revision.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.String(64)


def upgrade() -> None:
    op.create_table(
        "wish_corrections",
        sa.Column("claimant_id", ID, nullable=False),
        sa.Column("wish", sa.Text(), nullable=False),
        sa.Column("kldb", sa.String(5), nullable=False),
        sa.Column("corrected_by", sa.String(128), nullable=False),
        sa.Column("corrected_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["claimant_id"],
            ["claimants.id"],
            name="fk_wish_corrections_claimant_id_claimants",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("claimant_id", "wish", name="pk_wish_corrections"),
    )


def downgrade() -> None:
    op.drop_table("wish_corrections")
