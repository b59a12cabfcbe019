"""incidents: one event is one incident (cool-down, peak, persistence, escalation)

Revision ID: 0005_h6
Revises: 0005_h5
Create Date: 2026-12-05 15:10:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

import cityops.store.types

revision = "0005_h6"
down_revision = "0005_h5"  # re-chained after h5 merged into main
branch_labels = None
depends_on = None


def _time(name: str) -> sa.Column[Any]:
    return sa.Column(name, cityops.store.types.UTCDateTime(timezone=True), nullable=True)


COLUMNS = (
    lambda: sa.Column("peak_value", sa.Float(), nullable=True),
    lambda: _time("peak_at"),
    lambda: _time("cleared_at"),
    lambda: sa.Column("oscillations", sa.Integer(), nullable=False, server_default="0"),
    lambda: sa.Column("readings", sa.Integer(), nullable=False, server_default="0"),
    lambda: _time("persisted_at"),
    lambda: _time("escalated_at"),
)


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        for make in COLUMNS:
            batch.add_column(make())


def downgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        for name in (
            "escalated_at",
            "persisted_at",
            "readings",
            "oscillations",
            "cleared_at",
            "peak_at",
            "peak_value",
        ):
            batch.drop_column(name)
