"""users: the operator interface language each person chose

Revision ID: 0005_h11
Revises: 0005_h12
Create Date: 2026-12-05 15:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_h11"
down_revision = "0005_h12"  # re-chained after h8 and h12 merged into main
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("language", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("language")
