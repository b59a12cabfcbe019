"""When may the system issue a draft by itself? Only for a rule whose city enabled
automatic issue (``alert.mode = "issue"``), once the condition has persisted, and at
most one public update per ``update_interval`` unless the severity rises.

Everything else waits as a draft for an operator. A draft held back by the update
interval is released by :func:`release_due`, which the alert worker calls periodically,
so the public still hears the latest state - only not more often than the interval.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from cityops.auth.principal import SYSTEM
from cityops.cap import MsgType
from cityops.settings import Settings
from cityops.store import schema as s
from cityops.store.writer import Tx

from .cap_issue import chain_head, issue
from .cap_sources import Facts, load_facts

#: CAP severities from least to most severe (Unknown ranks lowest).
RANK = {"Unknown": 0, "Minor": 1, "Moderate": 2, "Severe": 3, "Extreme": 4}


def automatic(facts: Facts) -> bool:
    """The rule's city chose automatic issue for this rule."""
    return facts.policy.resolved_mode(facts.rule_type) == "issue"


def may_issue(conn: Connection, facts: Facts, draft: Any, now: datetime) -> bool:
    """Whether the system may issue ``draft`` (a row of ``alerts``) now."""
    if not automatic(facts) or draft.status != "draft":
        return False
    head = chain_head(conn, draft.chain_id) if draft.msg_type != MsgType.ALERT else None
    if head is None:  # a first message: only on a condition that persisted
        return draft.msg_type == MsgType.ALERT and facts.persisted_at is not None
    if draft.msg_type == MsgType.UPDATE and RANK.get(draft.severity, 0) > RANK.get(
        head.severity, 0
    ):
        return True  # a rise in severity goes out at once
    waited = float((now - head.sent).total_seconds())
    return waited >= facts.policy.resolved_update_interval()


def issue_if_allowed(tx: Tx, facts: Facts, alert_id: int, settings: Settings) -> bool:
    """Issue ``alert_id`` as the system when :func:`may_issue` allows; True if issued."""
    row = tx.conn.execute(select(s.alerts).where(s.alerts.c.id == alert_id)).first()
    if row is None or not may_issue(tx.conn, facts, row, datetime.now(UTC)):
        return False
    issue(tx, alert_id, SYSTEM, settings)
    return True


def release_due(tx: Tx, settings: Settings) -> list[int]:
    """Issue the held drafts of automatic rules whose time has come; their ids."""
    a = s.alerts
    rows = tx.conn.execute(
        select(a.c.id, a.c.incident_id)
        .where(a.c.status == "draft", a.c.incident_id.is_not(None))
        .order_by(a.c.id)
    ).all()
    done = []
    for row in rows:
        facts = load_facts(tx.conn, int(row.incident_id))
        if facts.origin == "engine" and issue_if_allowed(tx, facts, int(row.id), settings):
            done.append(int(row.id))
    return done
