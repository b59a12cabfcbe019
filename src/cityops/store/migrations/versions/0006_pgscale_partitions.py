"""Observations partitioned by month on PostgreSQL (SQLite unchanged).

The existing table is renamed, a partitioned table of the same columns (and the same id
sequence) takes its name, a partition is made for every month that holds at least
``partitions.OWN_PARTITION_MIN_ROWS`` observations (10,000) plus the current month and the
next two, then the DEFAULT partition (sparse history stays there); the rows are copied over and
the old table dropped. The primary key becomes (id, phenomenon_time_start), as
PostgreSQL requires; the foreign keys and indexes are those of before. Nothing references
observations by foreign key. See ``store/partitions.py``.

This rewrites the table once: on a large database run ``cityops db upgrade`` in a
maintenance window (it needs free disk space of about the table's size).

Revision ID: 0006_pgscale
Revises: 0005_h11
"""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import op
from sqlalchemy import text

from cityops.store import partitions as pt

revision = "0006_pgscale"
down_revision = "0005_h11"
branch_labels = None
depends_on = None

OLD = "observations_unpartitioned"
SEQ = "observations_id_seq"
FKS = (
    "ALTER TABLE observations ADD CONSTRAINT fk_observations_datastream_id_datastreams "
    "FOREIGN KEY (datastream_id) REFERENCES datastreams (id) ON DELETE CASCADE",
    "ALTER TABLE observations ADD CONSTRAINT "
    "fk_observations_feature_of_interest_id_features_of_interest "
    "FOREIGN KEY (feature_of_interest_id) REFERENCES features_of_interest (id)",
)
INDEXES = (
    "CREATE INDEX ix_observations_ds_time ON observations "
    "(datastream_id, phenomenon_time_start, id)",
    "CREATE INDEX ix_observations_foi ON observations (feature_of_interest_id)",
)


def _set_aside() -> None:
    """Rename the current table and its index-backed names out of the way."""
    execute = op.execute
    execute(f"ALTER TABLE observations RENAME TO {OLD}")
    execute(f"ALTER TABLE {OLD} RENAME CONSTRAINT pk_observations TO pk_{OLD}")
    execute(f"ALTER INDEX ix_observations_ds_time RENAME TO ix_{OLD}_ds_time")
    execute(f"ALTER INDEX ix_observations_foi RENAME TO ix_{OLD}_foi")


def _move_rows_and_drop_old() -> None:
    op.execute(f"ALTER SEQUENCE {SEQ} OWNED BY observations.id")
    op.execute(f"INSERT INTO observations SELECT * FROM {OLD}")
    op.execute(f"DROP TABLE {OLD}")


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    _set_aside()
    op.execute(
        f"CREATE TABLE observations (LIKE {OLD} INCLUDING DEFAULTS) "
        "PARTITION BY RANGE (phenomenon_time_start)"
    )
    op.execute(
        "ALTER TABLE observations ADD CONSTRAINT pk_observations "
        "PRIMARY KEY (id, phenomenon_time_start)"
    )
    for sql in FKS + INDEXES:
        op.execute(sql)
    months = [
        r[0]
        for r in conn.execute(
            text(
                "SELECT date_trunc('month', phenomenon_time_start AT TIME ZONE 'UTC') "
                f"FROM {OLD} GROUP BY 1 HAVING count(*) >= :n"
            ),
            {"n": pt.OWN_PARTITION_MIN_ROWS},
        )
    ]
    now = pt.month_start(datetime.now(UTC))
    wanted = [m.replace(tzinfo=UTC) for m in months] + [pt.add_months(now, i) for i in range(3)]
    pt.ensure_months(conn, wanted)
    pt.create_default(conn)
    _move_rows_and_drop_old()


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    _set_aside()
    op.execute(f"CREATE TABLE observations (LIKE {OLD} INCLUDING DEFAULTS)")
    op.execute("ALTER TABLE observations ADD CONSTRAINT pk_observations PRIMARY KEY (id)")
    for sql in FKS + INDEXES:
        op.execute(sql)
    op.execute(f"ALTER SEQUENCE {SEQ} OWNED BY observations.id")
    op.execute(f"INSERT INTO observations SELECT * FROM {OLD}")
    op.execute(f"DROP TABLE {OLD} CASCADE")
