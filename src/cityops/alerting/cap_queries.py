"""Reading alerts: JSON documents, the CAP document of one message, and the feed items.

Visibility: issued public messages (issued, superseded, cancelled) are public; drafts and
discarded drafts are seen by the city's operators, city admins and analysts (admins: all).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, or_, select, true
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from cityops.auth.principal import Principal
from cityops.cap import Alert, parse_alert
from cityops.errors import InvalidInput, NotFound
from cityops.store import schema as s

from .cap_issue import READERS

PUBLISHED = ("issued", "superseded", "cancelled")
STATUSES = ("draft", "issued", "superseded", "cancelled", "discarded")
_COLUMNS = (
    "id",
    "identifier",
    "sender",
    "incident_id",
    "org_id",
    "chain_id",
    "previous_id",
    "status",
    "msg_type",
    "kind",
    "scope",
    "hazard",
    "severity",
    "level_name",
    "sent",
    "expires",
    "valid_hours",
    "issued_by",
    "created_at",
    "updated_at",
)


def scope(p: Principal) -> ColumnElement[bool]:
    """SQL condition on alerts for what ``p`` may read."""
    a = s.alerts
    public = and_(a.c.status.in_(PUBLISHED), a.c.scope == "Public")
    if p.is_admin:
        return true()
    if p.role in READERS and p.org_id is not None:
        return or_(public, a.c.org_id == p.org_id)
    return public


def alert_json(row: Any) -> dict[str, Any]:
    """An alert row as the API shows it (``xml_url`` once issued)."""
    doc = {k: getattr(row, k) for k in _COLUMNS}
    doc["references"] = row.references.split() if row.references else []
    doc["infos"] = row.infos or []
    doc["xml_url"] = f"/alerts/{row.id}.xml" if row.xml is not None else None
    return doc


def list_alerts(
    conn: Connection,
    p: Principal,
    *,
    status: str | None = None,
    incident: int | None = None,
    org: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Alerts ``p`` may see, newest first; ``status`` is a comma list."""
    a, o = s.alerts, s.organisations
    q = select(a).where(scope(p)).order_by(a.c.id.desc()).limit(limit).offset(offset)
    if status:
        wanted = [x.strip() for x in status.split(",") if x.strip()]
        bad = [x for x in wanted if x not in STATUSES]
        if bad:
            raise InvalidInput(
                f"status: {bad[0]!r} is not one of {', '.join(STATUSES)}", field="status"
            )
        q = q.where(a.c.status.in_(wanted))
    if incident is not None:
        q = q.where(a.c.incident_id == incident)
    if org:
        q = (
            q.where(a.c.org_id == int(org))
            if org.isdigit()
            else q.where(a.c.org_id.in_(select(o.c.id).where(o.c.slug == org)))
        )
    return [alert_json(r) for r in conn.execute(q)]


def _visible_row(conn: Connection, alert_id: int, p: Principal) -> Any:
    a = s.alerts
    row = conn.execute(select(a).where(a.c.id == alert_id, scope(p))).first()
    if row is None:
        raise NotFound(f"no alert {alert_id}")
    return row


def get_alert(conn: Connection, alert_id: int, p: Principal) -> dict[str, Any]:
    """One alert (NotFound when absent or not visible)."""
    return alert_json(_visible_row(conn, alert_id, p))


def cap_document(conn: Connection, alert_id: int, p: Principal) -> bytes:
    """The exact issued CAP document of alert ``alert_id``."""
    row = _visible_row(conn, alert_id, p)
    if row.xml is None:
        raise NotFound(f"alert {alert_id} has not been issued")
    return bytes(row.xml)


def feed_items(
    conn: Connection, now: datetime | None = None, org: str | None = None
) -> list[tuple[Alert, str]]:
    """(alert, CAP URL) of the current public messages: the latest message of each chain
    until it expires, Cancels included so that readers withdraw what they show."""
    a, o = s.alerts, s.organisations
    now = now or datetime.now(UTC)
    q = select(a.c.id, a.c.xml).where(
        a.c.status == "issued", a.c.scope == "Public", or_(a.c.expires.is_(None), a.c.expires > now)
    )
    if org:
        q = q.where(a.c.org_id.in_(select(o.c.id).where(o.c.slug == org)))
    return [(parse_alert(bytes(r.xml)), f"alerts/{r.id}.xml") for r in conn.execute(q)]
