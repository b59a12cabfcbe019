"""The models (store/schema/) and the migrations agree: after ``upgrade`` Alembic's
autogenerate finds nothing to change, on SQLite and on PostgreSQL/PostGIS (whose own
tables, such as ``spatial_ref_sys``, are left out by ``migrate.include_object``)."""

from __future__ import annotations

from cityops.store import migrate
from cityops.store.base import Store


def test_models_and_migrations_agree(db_url: str) -> None:
    store = Store(db_url, read_pool_size=1)
    try:
        migrate.upgrade(store.write_engine)
        assert migrate.current(store.write_engine) == migrate.head()
        assert migrate.differences(store.write_engine) == []
    finally:
        store.close()
