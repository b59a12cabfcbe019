"""owners for the shared catalogue (Sensors, ObservedProperties); audit subject organisation

Existing catalogue rows: the organisation of the Datastreams that use them if exactly one
organisation's Datastreams do (and none without an organisation), else no organisation
(admin-owned); all stay public, as they were visible to everyone before.

Revision ID: 0005_h3
Revises: 0005_h6 (re-chained after merging main; was 0004)
Create Date: 2026-12-05 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_h3"
down_revision = "0005_h7"  # re-chained after h7 merged into main
branch_labels = None
depends_on = None

_CATALOGUE = (("sensors", "sensor_id"), ("observed_properties", "observed_property_id"))


def _add_org_column(table: str) -> None:
    """A plain ADD COLUMN on both databases: SQLite accepts REFERENCES on a new column
    that defaults to NULL, so the table (which Datastreams reference) is not copied."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            sa.text(f"ALTER TABLE {table} ADD COLUMN org_id INTEGER REFERENCES organisations (id)")
        )
        return
    op.add_column(table, sa.Column("org_id", sa.Integer(), nullable=True))
    op.create_foreign_key(
        op.f(f"fk_{table}_org_id_organisations"), table, "organisations", ["org_id"], ["id"]
    )


def upgrade() -> None:
    for table, fk in _CATALOGUE:
        _add_org_column(table)
        op.add_column(
            table,
            sa.Column("visibility", sa.String(length=16), server_default="public", nullable=False),
        )
        op.create_index(op.f(f"ix_{table}_org_id"), table, ["org_id"], unique=False)
        op.execute(
            sa.text(
                f"UPDATE {table} SET org_id = (SELECT MIN(d.org_id) FROM datastreams d "
                f"WHERE d.{fk} = {table}.id) "
                f"WHERE (SELECT COUNT(DISTINCT d.org_id) FROM datastreams d "
                f"WHERE d.{fk} = {table}.id) = 1 "
                f"AND NOT EXISTS (SELECT 1 FROM datastreams d "
                f"WHERE d.{fk} = {table}.id AND d.org_id IS NULL)"
            )
        )
    op.add_column("audit_log", sa.Column("subject_org_id", sa.Integer(), nullable=True))
    op.create_index(
        op.f("ix_audit_log_subject_org_id"), "audit_log", ["subject_org_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_audit_log_subject_org_id"), table_name="audit_log")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("subject_org_id")
    for table, _fk in _CATALOGUE:
        op.drop_index(op.f(f"ix_{table}_org_id"), table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("visibility")
            batch.drop_column("org_id")
