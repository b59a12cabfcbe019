"""The delivery outbox: rows queued with the issued alert, claimed by the worker, retried
with exponential backoff, and finally sent or dead (the dead-letter list).

Claiming pushes ``next_attempt_at`` forward by a lease, so several processes never send
the same delivery at once; a process that dies mid-send leaves the row due again after
the lease.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.engine import Connection

from cityops.auth import audit
from cityops.auth.principal import Principal, Role
from cityops.cap import Alert
from cityops.errors import Conflict, Forbidden, NotFound, Unauthorized
from cityops.settings import Settings
from cityops.store import schema as s
from cityops.store.writer import Tx

from .subscriptions import alert_shapes, matches

_COLUMNS = (
    "id",
    "alert_id",
    "subscription_id",
    "org_id",
    "status",
    "attempts",
    "next_attempt_at",
    "last_error",
    "created_at",
    "updated_at",
    "delivered_at",
)


def _now() -> datetime:
    return datetime.now(UTC)


def enqueue(tx: Tx, alert_row: Any, alert: Alert) -> int:
    """Queue one delivery per enabled subscription the issued alert matches."""
    sub = s.alert_subscriptions
    subs = tx.conn.execute(
        select(sub).where(
            sub.c.enabled.is_(True), or_(sub.c.org_id.is_(None), sub.c.org_id == alert_row.org_id)
        )
    )
    shapes = alert_shapes(alert)
    severity = alert.infos[0].severity.value if alert.infos else alert_row.severity
    now = _now()
    rows = [
        {
            "alert_id": alert_row.id,
            "subscription_id": r.id,
            "org_id": alert_row.org_id,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
            "updated_at": now,
        }
        for r in subs
        if matches(r, severity, shapes)
    ]
    if rows:
        tx.conn.execute(insert(s.alert_deliveries), rows)
    return len(rows)


@dataclass(frozen=True)
class Claimed:
    """A delivery taken by this worker: what to send, where, and how."""

    id: int
    attempts: int
    channel: str
    target: str
    secret: str | None
    alert_id: int
    subscription_id: int = 0
    language: str | None = None
    public: bool = False


def claim_due(tx: Tx, lease: float, limit: int = 50) -> list[Claimed]:
    """Take up to ``limit`` due deliveries, leasing them for ``lease`` seconds."""
    d, sub = s.alert_deliveries, s.alert_subscriptions
    now = _now()
    rows = list(
        tx.conn.execute(
            select(
                d.c.id,
                d.c.attempts,
                d.c.alert_id,
                sub.c.channel,
                sub.c.target,
                sub.c.secret,
                sub.c.id.label("subscription_id"),
                sub.c.language,
                sub.c.public,
            )
            .join(sub, sub.c.id == d.c.subscription_id)
            .where(d.c.status == "pending", d.c.next_attempt_at <= now)
            .order_by(d.c.next_attempt_at, d.c.id)
            .limit(limit)
            # several nodes on PostgreSQL: rows another node is claiming are skipped, never
            # claimed twice (SQLite, one writer, ignores it)
            .with_for_update(of=d, skip_locked=True)
        )
    )
    if rows:
        tx.conn.execute(
            update(d)
            .where(d.c.id.in_([r.id for r in rows]))
            .values(next_attempt_at=now + timedelta(seconds=lease))
        )
    return [
        Claimed(
            r.id,
            r.attempts,
            r.channel,
            r.target,
            r.secret,
            r.alert_id,
            r.subscription_id,
            r.language,
            bool(r.public),
        )
        for r in rows
    ]


def next_due(conn: Connection) -> datetime | None:
    """When the next pending delivery is due (None: nothing pending)."""
    d = s.alert_deliveries
    return conn.execute(
        select(d.c.next_attempt_at)
        .where(d.c.status == "pending")
        .order_by(d.c.next_attempt_at)
        .limit(1)
    ).scalar()


def backoff(attempts: int, settings: Settings) -> float:
    """Seconds to wait after the ``attempts``-th failure: base * 2^(n-1), capped."""
    return float(
        min(settings.delivery_backoff * 2 ** max(attempts - 1, 0), settings.delivery_backoff_max)
    )


def record(tx: Tx, results: list[tuple[Claimed, str | None]], settings: Settings) -> None:
    """Store the outcome of each attempt (error None: sent)."""
    d, now = s.alert_deliveries, _now()
    for c, error in results:
        attempts = c.attempts + 1
        if error is None:
            values: dict[str, Any] = {"status": "sent", "delivered_at": now, "last_error": None}
        elif attempts >= settings.delivery_max_attempts:
            values = {"status": "dead", "last_error": error}
        else:
            values = {
                "last_error": error,
                "next_attempt_at": now + timedelta(seconds=backoff(attempts, settings)),
            }
        tx.conn.execute(
            update(d).where(d.c.id == c.id).values(attempts=attempts, updated_at=now, **values)
        )
        tx.emit("updated", "AlertDelivery", c.id, status=values.get("status", "pending"))


def _check_admin(p: Principal) -> None:
    if p.is_anonymous:
        raise Unauthorized("sign in to see deliveries")
    if not (p.is_admin or p.role is Role.CITY_ADMIN):
        raise Forbidden(f"role {p.role.value} may not see deliveries")


def list_deliveries(
    conn: Connection, p: Principal, status: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """Deliveries (``status=dead``: the dead-letter list), newest first."""
    _check_admin(p)
    d = s.alert_deliveries
    q = select(d).order_by(d.c.id.desc()).limit(limit)
    if status:
        q = q.where(d.c.status == status)
    if not p.is_admin:
        q = q.where(d.c.org_id == p.org_id)
    return [{k: getattr(r, k) for k in _COLUMNS} for r in conn.execute(q)]


def retry(tx: Tx, delivery_id: int, p: Principal, remote: str | None = None) -> None:
    """Put a dead (or pending) delivery back in the queue, due now, attempts reset."""
    _check_admin(p)
    d = s.alert_deliveries
    row = tx.conn.execute(select(d).where(d.c.id == delivery_id)).first()
    if row is None or not (p.is_admin or row.org_id == p.org_id):
        raise NotFound(f"no delivery {delivery_id}")
    if row.status == "sent":
        raise Conflict("the delivery was sent already", field="status")
    now = _now()
    tx.conn.execute(
        update(d)
        .where(d.c.id == delivery_id)
        .values(status="pending", attempts=0, next_attempt_at=now, updated_at=now)
    )
    audit.record(tx, p, "retry", "AlertDelivery", delivery_id, None, remote, row.org_id)
    tx.emit("updated", "AlertDelivery", delivery_id, status="pending")
