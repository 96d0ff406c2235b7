"""One connected account per provider account id and workspace.

The hosted-auth callback creates accounts; a callback delivered twice at once must not create two.

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-02 00:00:00
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: Union[str, Sequence[str], None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

INDEX = "ix_connected_accounts_workspace_id_provider_account_id"


def upgrade() -> None:
    duplicates = op.get_bind().execute(
        sa.text(
            "SELECT workspace_id, provider_account_id FROM connected_accounts"
            " GROUP BY workspace_id, provider_account_id HAVING COUNT(*) > 1"
            " ORDER BY workspace_id, provider_account_id"
        )
    ).all()
    if duplicates:
        # Which row should survive is the operator's call, not the migration's.
        listed = ", ".join(f"workspace {row[0]} / {row[1]!r}" for row in duplicates[:20])
        raise RuntimeError(
            "connected_accounts holds the same provider account id more than once in a workspace "
            f"({listed}); keep one row of each before upgrading"
        )
    op.create_index(
        INDEX, "connected_accounts", ["workspace_id", "provider_account_id"], unique=True
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="connected_accounts")
