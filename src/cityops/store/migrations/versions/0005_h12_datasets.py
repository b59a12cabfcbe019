"""the city data hub: datasets and their features

Revision ID: 0005_h12
Revises: 0005_h3
Create Date: 2026-12-05 16:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import cityops.store.types

revision = "0005_h12"
down_revision = "0005_h8"  # re-chained after h8 merged into main
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_TIME = cityops.store.types.UTCDateTime(timezone=True)


def _bbox() -> list[sa.Column[float]]:
    return [
        sa.Column(n, sa.Float(), nullable=True)
        for n in ("bbox_minx", "bbox_miny", "bbox_maxx", "bbox_maxy")
    ]


def upgrade() -> None:
    op.create_table(
        "datasets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("publisher", sa.Text(), nullable=True),
        sa.Column("licence", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("keywords", _JSON, nullable=True),
        sa.Column("temporal_start", _TIME, nullable=True),
        sa.Column("temporal_end", _TIME, nullable=True),
        sa.Column("update_frequency", sa.String(length=32), nullable=True),
        sa.Column("geometry_type", sa.String(length=32), nullable=True),
        sa.Column("feature_count", sa.Integer(), server_default="0", nullable=False),
        *_bbox(),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("visibility", sa.String(length=16), server_default="public", nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_datasets_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_datasets")),
        sa.UniqueConstraint("slug", name=op.f("uq_datasets_slug")),
    )
    op.create_index(op.f("ix_datasets_org_id"), "datasets", ["org_id"], unique=False)
    op.create_table(
        "dataset_features",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("properties", _JSON, nullable=False),
        sa.Column("datetime", _TIME, nullable=True),
        sa.Column("geom", cityops.store.types.Geometry(), nullable=True),
        *_bbox(),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["datasets.id"],
            name=op.f("fk_dataset_features_dataset_id_datasets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dataset_features")),
    )
    op.create_index(
        "ix_dataset_features_dataset_bbox",
        "dataset_features",
        ["dataset_id", "bbox_minx", "bbox_miny"],
        unique=False,
    )
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(
            "ix_dataset_features_geom", "dataset_features", ["geom"], postgresql_using="gist"
        )


def downgrade() -> None:
    op.drop_table("dataset_features")
    op.drop_index(op.f("ix_datasets_org_id"), table_name="datasets")
    op.drop_table("datasets")
