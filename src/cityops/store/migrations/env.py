"""Alembic environment: runs the migrations on the connection that ``migrate.py`` passes."""

from __future__ import annotations

from alembic import context

from cityops.store.migrate import context_options
from cityops.store.schema import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through cityops.store.migrate.upgrade")
# Autogenerate compares with the models in store/schema/, leaving out PostGIS's own
# objects (migrate.include_object); tests/store/test_migrations.py checks they agree.
context.configure(
    connection=connection,
    target_metadata=metadata,
    **context_options(connection.dialect.name),
)
with context.begin_transaction():
    context.run_migrations()
