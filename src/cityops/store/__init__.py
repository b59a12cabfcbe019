"""Persistence: SQLAlchemy Core on SQLite and PostgreSQL/PostGIS.

Modules: ``base`` (the Store: engines, ``read()``, ``write(job)``, change events),
``writer`` (the single writer thread with group commit), ``schema`` (every table),
``types`` (column types that differ between the databases), ``dialect`` (what differs,
behind one interface) with ``sqlite`` and ``postgres``, ``sqlfuncs`` (SQL functions
spelt differently), ``migrate`` (Alembic: ``cityops db upgrade``, the schema check every
other command makes, the autogenerate filter; the history is in ``migrations/``),
``copy`` (a whole database to another), ``deadline`` (the statement time limit, bounded
lock waits, interrupting work at shutdown), ``partitions`` (PostgreSQL's monthly
partitions of observations, created ahead), ``partition_worker`` (creates the months
ahead at start and hourly) and ``retention`` (drops whole old months).
"""
