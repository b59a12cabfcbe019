"""server-side sessions, login attempts per account and address, forced password change,
MQTT broker clients of devices

Revision ID: 0005_h5
Revises: 0004
Create Date: 2026-12-05 14:50:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

import cityops.store.types

revision = "0005_h5"
down_revision = "0004"
branch_labels = None
depends_on = None


def _time(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, cityops.store.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("must_change_password", sa.Boolean(), server_default="0", nullable=False)
        )
    op.create_table(
        "sessions",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        _time("created_at"),
        _time("expires_at"),
        sa.Column("remote_addr", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], ondelete="CASCADE", name=op.f("fk_sessions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_sessions")),
    )
    op.create_index("ix_sessions_user_id", "sessions", ["user_id"])
    op.create_index("ix_sessions_expires_at", "sessions", ["expires_at"])
    op.create_table(
        "login_attempts",
        sa.Column("username", sa.String(length=128), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), server_default="0", nullable=False),
        _time("window_start"),
        _time("locked_until", nullable=True),
        _time("last_success", nullable=True),
        sa.PrimaryKeyConstraint("username", "address", name=op.f("pk_login_attempts")),
    )
    op.create_index("ix_login_attempts_window_start", "login_attempts", ["window_start"])
    op.create_table(
        "mqtt_clients",
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("thing_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        _time("created_at"),
        _time("revoked_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["thing_id"],
            ["things.id"],
            ondelete="CASCADE",
            name=op.f("fk_mqtt_clients_thing_id_things"),
        ),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_mqtt_clients")),
    )
    op.create_index("ix_mqtt_clients_thing_id", "mqtt_clients", ["thing_id"])


def downgrade() -> None:
    op.drop_index("ix_mqtt_clients_thing_id", table_name="mqtt_clients")
    op.drop_table("mqtt_clients")
    op.drop_index("ix_login_attempts_window_start", table_name="login_attempts")
    op.drop_table("login_attempts")
    op.drop_index("ix_sessions_expires_at", table_name="sessions")
    op.drop_index("ix_sessions_user_id", table_name="sessions")
    op.drop_table("sessions")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("must_change_password")
