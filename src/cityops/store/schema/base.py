"""The shared metadata, naming convention and column helpers of every table."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Float, ForeignKey, Index, Integer, MetaData, String

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
}
metadata = MetaData(naming_convention=NAMING)

# BigInteger ids that still autoincrement on SQLite (INTEGER PRIMARY KEY is the rowid).
BigId = BigInteger().with_variant(Integer(), "sqlite")


def bbox_columns() -> list[Column[float]]:
    """The bounding box of a geometry, an index prefilter for geometry predicates."""
    return [Column(n, Float) for n in ("bbox_minx", "bbox_miny", "bbox_maxx", "bbox_maxy")]


def gist_index(name: str) -> Index:
    """The spatial (GiST) index of a table's ``geom`` column, on PostgreSQL only: SQLite
    prefilters on the bbox columns instead."""
    return Index(name, "geom", postgresql_using="gist").ddl_if(dialect="postgresql")


def access_columns() -> list[Column[object]]:
    """The organisation an entity belongs to and who may see it."""
    return [
        Column("org_id", Integer, ForeignKey("organisations.id"), index=True),
        Column("visibility", String(16), nullable=False, server_default="public"),
    ]
