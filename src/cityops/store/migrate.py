"""Schema migrations (Alembic), the same history on SQLite and PostgreSQL.

Migrating is explicit: ``cityops db upgrade`` runs ``upgrade``; every other command checks
with ``require_current`` and refuses a database whose schema is missing or at another
revision, saying what to run (a production database is never changed by ``cityops user
list``). ``cityops serve`` creates the schema of a new, empty database
(``create_if_empty``: the first start of a new site) but refuses an older one; the demo
upgrades its own database.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Engine, make_url

from cityops.errors import SchemaNotCurrent
from cityops.store.partitions import is_partition_name

_HERE = Path(__file__).parent / "migrations"


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_HERE))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision`` (default: the newest)."""
    cfg = _config()
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS postgis")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def current(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def is_empty(engine: Engine) -> bool:
    """No CityOps table and no revision: a new database (PostGIS's own tables aside)."""
    from cityops.store.schema import metadata

    names = set(inspect(engine).get_table_names())
    return "alembic_version" not in names and not names & set(metadata.tables)


def require_current(engine: Engine) -> None:
    """SchemaNotCurrent (one line saying what to run) unless the database is at ``head``."""
    at, want = current(engine), head()
    if at == want:
        return
    url = make_url(str(engine.url)).render_as_string(hide_password=True)
    upgrade_cmd = f"run `cityops db upgrade -d {url}`"
    if at is None:
        raise SchemaNotCurrent(f"the database has no CityOps schema: {upgrade_cmd} first")
    if at in _history():
        raise SchemaNotCurrent(
            f"the database schema is at revision {at}, this CityOps needs {want}: "
            f"back it up, then {upgrade_cmd}"
        )
    raise SchemaNotCurrent(
        f"the database schema is at revision {at}, unknown to this CityOps (newest {want}): "
        "a newer CityOps migrated it; run that version"
    )


def create_if_empty(engine: Engine) -> bool:
    """Create the schema of a new, empty database (True); leave any other one alone."""
    if not is_empty(engine):
        return False
    upgrade(engine)
    return True


def _history() -> set[str]:
    script = ScriptDirectory.from_config(_config())
    return {rev.revision for rev in script.walk_revisions()}


def head() -> str:
    """The newest revision in the history."""
    rev = ScriptDirectory.from_config(_config()).get_current_head()
    assert rev is not None
    return rev


# Tables PostGIS creates in the public schema; not ours to drop or to describe.
POSTGIS_TABLES = frozenset({"spatial_ref_sys", "us_gaz", "us_lex", "us_rules"})


def include_object(dialect_name: str) -> Any:
    """Alembic autogenerate's filter on ``dialect_name``: leave out PostGIS's own tables,
    the monthly partitions of observations (``store/partitions.py``: made at run time, not
    by the models), and indexes the models declare for another dialect only
    (``Index.ddl_if``: the GiST indexes exist on PostgreSQL only; autogenerate does not
    read ``ddl_if`` itself)."""

    def keep(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        if type_ == "table" and (name in POSTGIS_TABLES or is_partition_name(name)):
            return False
        if type_ == "index" and not reflected:
            wanted = getattr(getattr(obj, "_ddl_if", None), "dialect", None)
            if wanted is not None and wanted != dialect_name:
                return False
        return True

    return keep


def context_options(dialect_name: str) -> dict[str, Any]:
    """The options of autogenerate, shared by ``migrations/env.py`` and ``differences``."""
    return {
        "compare_type": True,
        "include_object": include_object(dialect_name),
        "render_as_batch": dialect_name == "sqlite",
    }


def differences(engine: Engine) -> list[Any]:
    """What autogenerate would change to make the database match the models (``schema/``):
    empty when the migrations and the models agree."""
    from alembic.autogenerate import compare_metadata

    from cityops.store.schema import metadata

    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts=context_options(conn.dialect.name))
        return list(compare_metadata(ctx, metadata))


def revision(engine: Engine, message: str) -> None:
    """Autogenerate a new migration from the difference to ``schema.py`` (developers)."""
    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.revision(cfg, message=message, autogenerate=True)
