"""Escalation of unacknowledged incidents to the city admin.

An incident of the live engine that nobody acknowledged within ``escalate_after``
seconds of its opening (observation time; replayed incidents never escalate) gets an
``escalation`` timeline entry (actor system, to "city_admin"), ``escalated_at`` set, an
``Incident`` "updated" event (the dashboards of the city admins notify) and a message
on each configured escalation channel (``escalation_targets``: channel:target). Each
incident escalates once; a condition already cleared is not escalated.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from cityops.incidents.state import SYSTEM, TimelineEntry
from cityops.settings import Settings
from cityops.store import schema as s
from cityops.store.writer import Tx

from .channels import Message, channel_types
from .incident_store import ENGINE, emit, insert_entries, tracked_from_row

log = logging.getLogger(__name__)


def escalate_due(tx: Tx, settings: Settings, now: datetime | None = None) -> list[dict[str, Any]]:
    """Escalate every overdue unacknowledged incident; the messages to send."""
    if settings.escalate_after <= 0:
        return []
    now = now or datetime.now(UTC)
    i, r, o = s.incidents, s.rules, s.organisations
    rows = tx.conn.execute(
        select(i, r.c.name.label("rule"), o.c.slug)
        .join(r, r.c.id == i.c.rule_id)
        .outerjoin(o, o.c.id == i.c.org_id)
        .where(
            i.c.state == "open",
            i.c.origin == ENGINE,
            i.c.escalated_at.is_(None),
            i.c.cleared_at.is_(None),
            i.c.acknowledged_by.is_(None),
            i.c.opened_at <= now - timedelta(seconds=settings.escalate_after),
        )
    ).all()
    messages = []
    for row in rows:
        t = tracked_from_row(row, row.rule)
        minutes = settings.escalate_after / 60
        entry = TimelineEntry(
            "escalation",
            now.timestamp(),
            SYSTEM,
            None,
            "city_admin",
            f"not acknowledged within {minutes:g} min",
        )
        t.incident.timeline.append(entry)
        t.new_entries = [entry]
        t.escalated_at = now.timestamp()
        tx.conn.execute(update(i).where(i.c.id == row.id).values(escalated_at=now))
        insert_entries(tx.conn, int(row.id), [entry])
        emit(tx, "updated", None, t, ENGINE, rule_id=row.rule_id, org_id=row.org_id)
        messages.append(_summary(row, now))
    return messages


def _summary(row: Any, now: datetime) -> dict[str, Any]:
    return {
        "type": "incident-escalation",
        "incident_id": int(row.id),
        "org": row.slug,
        "rule": row.rule,
        "subject": row.subject,
        "level": row.level_name,
        "severity": row.severity,
        "opened_at": row.opened_at.isoformat(),
        "escalated_at": now.isoformat(),
        "headline": f"Unacknowledged incident: {row.subject} at {row.level_name}",
        "infos": [
            {
                "headline": f"Unacknowledged incident: {row.subject} at {row.level_name}",
                "description": f"Incident {row.id} of rule {row.rule} ({row.severity}) opened "
                f"{row.opened_at.isoformat()} and nobody has acknowledged it.",
            }
        ],
    }


async def send_escalations(settings: Settings, messages: list[dict[str, Any]]) -> int:
    """Send each escalation to each configured target; returns how many were sent."""
    sent = 0
    for summary in messages:
        for spec in settings.escalation_targets:
            channel, _, target = spec.partition(":")
            try:
                ch = channel_types.get(channel)(settings)
                msg = Message(0, 0, summary.get("org") or "cityops", b"", summary)
                await ch.send(target, None, msg)
                sent += 1
            except Exception as exc:  # one target's failure never stops the others
                log.warning("escalation to %s failed: %s", spec, exc)
    return sent
