"""cooperation programmes: projects, their facets, links to Things/Datastreams, rates

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 16:00:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import cityops.store.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _time(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, cityops.store.types.UTCDateTime(timezone=True), nullable=nullable)


def _project_ref() -> sa.Column[Any]:
    return sa.Column("project_id", _ID, nullable=False)


def _project_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["project_id"],
        ["projects.id"],
        ondelete="CASCADE",
        name=op.f(f"fk_{table}_project_id_projects"),
    )


def upgrade() -> None:
    op.create_table(
        "projects",
        sa.Column("id", _ID, nullable=False),
        sa.Column("iati_identifier", sa.String(length=255), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("visibility", sa.String(length=16), server_default="public", nullable=False),
        sa.Column("doc", _JSON, nullable=False),
        _time("created_at"),
        _time("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
        sa.UniqueConstraint("iati_identifier", name=op.f("uq_projects_iati_identifier")),
    )
    for column in ("status", "start_date", "end_date"):
        op.create_index(op.f(f"ix_projects_{column}"), "projects", [column])
    op.create_table(
        "project_facets",
        _project_ref(),
        sa.Column("facet", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=255), nullable=False),
        _project_fk("project_facets"),
        sa.PrimaryKeyConstraint("project_id", "facet", "value", name=op.f("pk_project_facets")),
    )
    op.create_index("ix_project_facets_facet_value", "project_facets", ["facet", "value"])
    for kind, table in (("thing", "things"), ("datastream", "datastreams")):
        op.create_table(
            f"project_{table}",
            _project_ref(),
            sa.Column(f"{kind}_id", _ID, nullable=False),
            _time("created_at"),
            _project_fk(f"project_{table}"),
            sa.ForeignKeyConstraint(
                [f"{kind}_id"],
                [f"{table}.id"],
                ondelete="CASCADE",
                name=op.f(f"fk_project_{table}_{kind}_id_{table}"),
            ),
            sa.PrimaryKeyConstraint("project_id", f"{kind}_id", name=op.f(f"pk_project_{table}")),
        )
        op.create_index(f"ix_project_{table}_{kind}", f"project_{table}", [f"{kind}_id"])
    op.create_table(
        "exchange_rates",
        sa.Column("base", sa.String(length=3), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("rate", sa.String(length=40), nullable=False),
        _time("loaded_at"),
        sa.PrimaryKeyConstraint("base", "currency", "date", name=op.f("pk_exchange_rates")),
    )


def downgrade() -> None:
    op.drop_table("exchange_rates")
    for kind, table in (("thing", "things"), ("datastream", "datastreams")):
        op.drop_index(f"ix_project_{table}_{kind}", table_name=f"project_{table}")
        op.drop_table(f"project_{table}")
    op.drop_index("ix_project_facets_facet_value", table_name="project_facets")
    op.drop_table("project_facets")
    for column in ("status", "start_date", "end_date"):
        op.drop_index(op.f(f"ix_projects_{column}"), table_name="projects")
    op.drop_table("projects")
