"""The audit log: one row per write, in the same transaction as the write itself.

Rows are only ever inserted; the API has no route that changes or deletes them.

Each row names the actor's organisation (``org_id``) and, when the action concerns
another organisation's entity (an admin changing a city's Datastream), that organisation
too (``subject_org_id``): the row then shows in both organisations' views of the log.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, or_, select
from sqlalchemy.engine import Connection

from cityops.auth.principal import Principal
from cityops.store import schema as s
from cityops.store.dialect import Dialect
from cityops.store.writer import Tx


def record(
    tx: Tx | Connection,
    principal: Principal,
    action: str,
    entity: str,
    entity_id: Any = None,
    detail: dict[str, Any] | None = None,
    remote: str | None = None,
    org_id: int | None = None,
) -> None:
    """Append one audit row (who, which organisation, what, when, from where).

    ``org_id`` is the organisation of the entity acted on, where known: the row belongs
    to the actor's organisation (or to that one, for an actor without one) and is also
    shown to that organisation when it is another.

    In a write job the row is written with those of the other jobs of the same group
    commit, by one executemany just before the commit (in the same transaction; a job
    that fails leaves no row); on a bare connection it is written at once.
    """
    row = {
        "time": datetime.now(UTC),
        "actor": principal.name,
        "user_id": principal.user_id,
        "token_id": principal.token_id,
        "org_id": principal.org_id if principal.org_id is not None else org_id,
        "subject_org_id": org_id if org_id not in (None, principal.org_id) else None,
        "action": action,
        "entity": entity,
        "entity_id": None if entity_id is None else str(entity_id),
        "detail": detail,
        "remote_addr": remote,
    }
    if isinstance(tx, Tx):
        tx.defer(("audit", 0), AuditRows([row]))
    else:
        tx.execute(insert(s.audit_log), [row])


class AuditRows:
    """Audit rows of a group commit (a ``Deferred`` change of the writer)."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows

    def merge(self, other: AuditRows) -> None:
        self.rows.extend(other.rows)

    def flush(self, conn: Connection, dialect: Dialect) -> None:
        dialect.bulk_insert(conn, s.audit_log, self.rows, returning=False)


def query(
    conn: Connection,
    *,
    org_id: int | None = None,
    entity: str | None = None,
    actor: str | None = None,
    limit: int = 100,
    before_id: int | None = None,
) -> list[dict[str, Any]]:
    """Newest first; ``before_id`` pages backwards."""
    a = s.audit_log
    q = select(a).order_by(a.c.id.desc()).limit(limit)
    if org_id is not None:  # what its people did, and what was done to its entities
        q = q.where(or_(a.c.org_id == org_id, a.c.subject_org_id == org_id))
    if entity is not None:
        q = q.where(a.c.entity == entity)
    if actor is not None:
        q = q.where(a.c.actor == actor)
    if before_id is not None:
        q = q.where(a.c.id < before_id)
    return [dict(r._mapping) for r in conn.execute(q)]
