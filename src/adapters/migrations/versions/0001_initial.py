"""Workspaces, their users, API keys, connected accounts and prospects.

Revision ID: 0001
Revises:
Create Date: 2025-01-01 00:00:00
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# 64-bit ids; SQLite only autoincrements a column declared exactly INTEGER PRIMARY KEY.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def created_at() -> sa.Column:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    )


def workspace_id() -> sa.Column:
    return sa.Column("workspace_id", ID, sa.ForeignKey("workspaces.id"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "workspaces",
        sa.Column("id", ID, primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        created_at(),
    )
    op.create_table(
        "users",
        sa.Column("id", ID, primary_key=True),
        workspace_id(),
        sa.Column("email", sa.Text(), nullable=False),
        created_at(),
        sa.UniqueConstraint("workspace_id", "email", name="uq_users_workspace_id_email"),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", ID, primary_key=True),
        workspace_id(),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("prefix", sa.String(32), nullable=False),
        sa.Column("secret_hash", sa.String(128), nullable=False),
        created_at(),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_api_keys_prefix", "api_keys", ["prefix"], unique=True)
    op.create_index("ix_api_keys_workspace_id", "api_keys", ["workspace_id"])
    op.create_table(
        "connected_accounts",
        sa.Column("id", ID, primary_key=True),
        workspace_id(),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("provider_account_id", sa.Text(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        created_at(),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )
    op.create_index("ix_connected_accounts_workspace_id", "connected_accounts", ["workspace_id"])
    op.create_index(
        "ix_connected_accounts_provider_account_id", "connected_accounts", ["provider_account_id"]
    )
    op.create_table(
        "prospects",
        sa.Column("id", ID, primary_key=True),
        workspace_id(),
        sa.Column("linkedin_profile_url", sa.Text(), nullable=True),
        created_at(),
    )
    op.create_index("ix_prospects_workspace_id", "prospects", ["workspace_id"])


def downgrade() -> None:
    op.drop_table("prospects")
    op.drop_table("connected_accounts")
    op.drop_table("api_keys")
    op.drop_table("users")
    op.drop_table("workspaces")
