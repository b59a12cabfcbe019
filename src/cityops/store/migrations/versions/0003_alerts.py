"""public warnings: alerts, areas, subscriptions, deliveries, external alerts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 14:34:31.287610
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import cityops.store.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "external_alerts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("entry_id", sa.Text(), nullable=False),
        sa.Column("identifier", sa.Text(), nullable=True),
        sa.Column("sender", sa.Text(), nullable=True),
        sa.Column("sent", cityops.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires", cityops.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("msg_type", sa.String(length=16), nullable=True),
        sa.Column("event", sa.Text(), nullable=True),
        sa.Column("severity", sa.String(length=16), nullable=True),
        sa.Column("headline", sa.Text(), nullable=True),
        sa.Column("area_desc", sa.Text(), nullable=True),
        sa.Column("language", sa.String(length=35), nullable=True),
        sa.Column("cap_url", sa.Text(), nullable=True),
        sa.Column("xml", sa.LargeBinary(), nullable=True),
        sa.Column("imported_at", cityops.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_external_alerts")),
    )
    with op.batch_alter_table("external_alerts", schema=None) as batch_op:
        batch_op.create_index(
            "uq_external_alerts_source_entry", ["source", "entry_id"], unique=True
        )

    op.create_table(
        "alert_areas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "geojson",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("polygons", sa.JSON(), nullable=False),
        sa.Column("bbox_minx", sa.Float(), nullable=True),
        sa.Column("bbox_miny", sa.Float(), nullable=True),
        sa.Column("bbox_maxx", sa.Float(), nullable=True),
        sa.Column("bbox_maxy", sa.Float(), nullable=True),
        sa.Column("created_at", cityops.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_alert_areas_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_areas")),
    )
    with op.batch_alter_table("alert_areas", schema=None) as batch_op:
        batch_op.create_index("uq_alert_areas_org_name", ["org_id", "name"], unique=True)

    op.create_table(
        "alert_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("secret", sa.Text(), nullable=True),
        sa.Column(
            "area",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("min_severity", sa.String(length=16), server_default="Minor", nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("created_at", cityops.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_alert_subscriptions_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_subscriptions")),
    )
    with op.batch_alter_table("alert_subscriptions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_subscriptions_org_id"), ["org_id"], unique=False)

    op.create_table(
        "alerts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("identifier", sa.String(length=255), nullable=True),
        sa.Column("sender", sa.String(length=255), nullable=False),
        sa.Column(
            "incident_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("chain_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "previous_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("msg_type", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), server_default="alert", nullable=False),
        sa.Column("scope", sa.String(length=16), server_default="Public", nullable=False),
        sa.Column("hazard", sa.String(length=32), nullable=True),
        sa.Column("severity", sa.String(length=16), nullable=True),
        sa.Column("level_name", sa.Text(), nullable=True),
        sa.Column("sent", cityops.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires", cityops.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("valid_hours", sa.Float(), nullable=True),
        sa.Column("references", sa.Text(), nullable=True),
        sa.Column("xml", sa.LargeBinary(), nullable=True),
        sa.Column(
            "infos",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("created_at", cityops.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", cityops.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_alerts_incident_id_incidents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_alerts_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint("identifier", name=op.f("uq_alerts_identifier")),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alerts_chain_id"), ["chain_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_alerts_incident_id"), ["incident_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_alerts_org_id"), ["org_id"], unique=False)
        batch_op.create_index("ix_alerts_status_sent", ["status", "sent"], unique=False)

    op.create_table(
        "alert_deliveries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("alert_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", cityops.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", cityops.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", cityops.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", cityops.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alerts.id"],
            name=op.f("fk_alert_deliveries_alert_id_alerts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["alert_subscriptions.id"],
            name=op.f("fk_alert_deliveries_subscription_id_alert_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_deliveries")),
    )
    with op.batch_alter_table("alert_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_alert_deliveries_due", ["status", "next_attempt_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_alert_deliveries_org_id"), ["org_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("alert_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_deliveries_org_id"))
        batch_op.drop_index("ix_alert_deliveries_due")

    op.drop_table("alert_deliveries")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_alerts_status_sent")
        batch_op.drop_index(batch_op.f("ix_alerts_org_id"))
        batch_op.drop_index(batch_op.f("ix_alerts_incident_id"))
        batch_op.drop_index(batch_op.f("ix_alerts_chain_id"))

    op.drop_table("alerts")
    with op.batch_alter_table("alert_subscriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_subscriptions_org_id"))

    op.drop_table("alert_subscriptions")
    with op.batch_alter_table("alert_areas", schema=None) as batch_op:
        batch_op.drop_index("uq_alert_areas_org_name")

    op.drop_table("alert_areas")
    with op.batch_alter_table("external_alerts", schema=None) as batch_op:
        batch_op.drop_index("uq_external_alerts_source_entry")

    op.drop_table("external_alerts")
