"""What each connected account observed about LinkedIn members.

A check that accepts an earlier answer finds it by account and member id, or by account and slug:
each through its own index, newest first. The purge deletes by age.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05 00:00:00
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: Union[str, Sequence[str], None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# 64-bit ids; SQLite only autoincrements a column declared exactly INTEGER PRIMARY KEY.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "observations",
        sa.Column("id", ID, primary_key=True),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("identifier", sa.Text(), nullable=False),
        sa.Column("provider_id", sa.Text(), nullable=True),
        sa.Column("public_identifier", sa.Text(), nullable=True),
        sa.Column("slug_key", sa.Text(), nullable=True),
        sa.Column("network_distance", sa.Text(), nullable=True),
        sa.Column("is_relationship", sa.Boolean(), nullable=True),
        sa.Column("is_self", sa.Boolean(), nullable=True),
        sa.Column("invitation_type", sa.String(16), nullable=True),
        sa.Column("invitation_status", sa.String(16), nullable=True),
        sa.Column("observed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_observations_account_id_provider_id_observed_at",
        "observations",
        ["account_id", "provider_id", "observed_at"],
    )
    op.create_index(
        "ix_observations_account_id_slug_key_observed_at",
        "observations",
        ["account_id", "slug_key", "observed_at"],
    )
    op.create_index("ix_observations_observed_at", "observations", ["observed_at"])


def downgrade() -> None:
    op.drop_table("observations")
