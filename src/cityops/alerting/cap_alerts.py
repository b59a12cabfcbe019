"""CAP alerts from incidents: drafts (automatic issue only where enabled, see auto_issue),
operators' edits per language, and Update / Cancel follow-ups.

A chain is the sequence of messages about one incident: Alert, then Updates, then a
Cancel (or an AllClear Update). Each incident has at most one open draft: a level change
before issue rewrites the draft; after issue it drafts (or issues) an Update; resolution
drafts (or issues) a Cancel or AllClear, and discards a draft never issued.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from cityops.auth import audit
from cityops.auth.principal import Principal
from cityops.cap import Alert, Info, MsgType, Severity, draft_infos, parse_alert, validate_alert
from cityops.errors import Conflict, InvalidInput
from cityops.settings import Settings
from cityops.store import schema as s
from cityops.store.writer import Tx

from .auto_issue import automatic, issue_if_allowed
from .cap_codec import edit_info, info_from_json, info_to_json
from .cap_issue import (
    DEFAULT_HOURS,
    chain_head,
    check_actor,
    complete_infos,
    issue,
    load_row,
    page_url,
)
from .cap_sources import Facts, alert_area, load_facts, template_context

log = logging.getLogger(__name__)
LEVEL_CHANGES = {"opened", "escalated", "deescalated", "reopened"}


def _now() -> datetime:
    return datetime.now(UTC)


def texts_for(conn: Connection, facts: Facts, level: str) -> list[Info]:
    """Drafted infos (English + the city's languages) of ``facts``: the texts of the level
    the incident crossed (its name: warning, danger, BD2 ...), quoting that level's
    threshold; ``level`` (the tier of its CAP severity) only when the name is unknown."""
    hazard = facts.policy.resolved_hazard(facts.rule_type)
    assert hazard is not None
    infos = draft_infos(
        hazard,
        "all_clear" if level == "all_clear" else facts.level_name,
        template_context(facts),
        facts.city.languages,
        areas={lang: [area] for lang, area in alert_area(conn, facts).items()},
        sender_name=facts.city.local_names,
        parameters=[("CityOpsIncident", str(facts.incident_id))],
        fallback=level,  # a level name the templates do not know: by CAP severity
    )
    if level != "all_clear":  # the rule's own CAP severity, not the template's
        infos = [replace(i, severity=Severity(facts.severity)) for i in infos]
    return infos


def _open_draft(conn: Connection, incident_id: int) -> Any:
    a = s.alerts
    return conn.execute(
        select(a)
        .where(a.c.incident_id == incident_id, a.c.status == "draft")
        .order_by(a.c.id.desc())
    ).first()


def _latest_chain(conn: Connection, incident_id: int) -> int | None:
    a = s.alerts
    return conn.execute(
        select(a.c.chain_id).where(a.c.incident_id == incident_id).order_by(a.c.id.desc())
    ).scalar()


def save_draft(
    tx: Tx, facts: Facts, infos: list[Info], msg_type: str, kind: str, head: Any, settings: Settings
) -> int:
    """Insert a draft (or rewrite the incident's open draft); returns its id."""
    conn, now = tx.conn, _now()
    a = s.alerts
    values = {
        "msg_type": msg_type,
        "kind": kind,
        "severity": facts.severity,
        "level_name": facts.level_name,
        "updated_at": now,
        "hazard": facts.policy.resolved_hazard(facts.rule_type),
        "valid_hours": facts.policy.expires_hours,
    }
    draft = _open_draft(conn, facts.incident_id)
    if draft is not None:
        alert_id = int(draft.id)
        event = "updated"
    else:
        alert_id = int(
            conn.execute(
                insert(a)
                .values(
                    sender=settings.cap_sender,
                    incident_id=facts.incident_id,
                    org_id=facts.city.id,
                    status="draft",
                    created_at=now,
                    previous_id=head.id if head is not None else None,
                    chain_id=head.chain_id if head is not None else None,
                    **values,
                )
                .returning(a.c.id)
            ).scalar_one()
        )
        event = "created"
        values["chain_id"] = head.chain_id if head is not None else alert_id
    web = page_url(settings, alert_id)
    values["infos"] = [info_to_json(replace(i, web=i.web or web)) for i in infos]
    conn.execute(update(a).where(a.c.id == alert_id).values(**values))
    tx.emit(
        event,
        "Alert",
        alert_id,
        org_id=facts.city.id,
        incident_id=facts.incident_id,
        status="draft",
        msg_type=msg_type,
    )
    return alert_id


def _discard(tx: Tx, draft: Any) -> None:
    tx.conn.execute(
        update(s.alerts)
        .where(s.alerts.c.id == draft.id)
        .values(status="discarded", updated_at=_now())
    )
    tx.emit(
        "updated",
        "Alert",
        int(draft.id),
        org_id=draft.org_id,
        incident_id=draft.incident_id,
        status="discarded",
    )


def _resolution(tx: Tx, facts: Facts, settings: Settings) -> int | None:
    """Draft the Cancel / AllClear of a resolved incident's chain (discard a lone draft)."""
    conn = tx.conn
    draft = _open_draft(conn, facts.incident_id)
    if draft is not None:
        _discard(tx, draft)
    head = chain_head(conn, _latest_chain(conn, facts.incident_id))
    if head is None or head.msg_type == MsgType.CANCEL or head.kind == "all_clear":
        return None
    if facts.policy.on_resolve == "all_clear":
        return save_draft(
            tx, facts, texts_for(conn, facts, "all_clear"), "Update", "all_clear", head, settings
        )
    infos = list(parse_alert(head.xml).infos)
    return save_draft(tx, facts, infos, "Cancel", "cancel", head, settings)


def _level_change(tx: Tx, facts: Facts, settings: Settings) -> int | None:
    """Draft the Alert (nothing issued yet) or an Update (level changed since issue)."""
    conn = tx.conn
    level = facts.template_level
    if level is None:
        return None
    head = chain_head(conn, _latest_chain(conn, facts.incident_id))
    if head is not None and (head.msg_type == MsgType.CANCEL or head.kind == "all_clear"):
        head = None  # a closed chain: a new rise starts a new one
    draft = _open_draft(conn, facts.incident_id)
    if head is not None and head.level_name == facts.level_name:
        if draft is not None and automatic(facts):
            _discard(tx, draft)  # back to what the public already has: nothing to say
        if draft is None or automatic(facts):
            return None
    msg_type = "Alert" if head is None else "Update"
    return save_draft(tx, facts, texts_for(conn, facts, level), msg_type, "alert", head, settings)


def on_incident(tx: Tx, incident_id: int, changes: list[str], settings: Settings) -> int | None:
    """React to an incident change (an ``Incident`` event): draft, and issue only where
    the rule's city enabled automatic issue and :mod:`auto_issue` allows it. Returns the
    id of the draft or issued alert, None when nothing to do."""
    facts = load_facts(tx.conn, incident_id)
    mode = facts.policy.resolved_mode(facts.rule_type)
    if (
        facts.origin != "engine"
        or mode == "off"
        or facts.policy.resolved_hazard(facts.rule_type) is None
    ):
        return None
    if facts.state == "resolved":
        alert_id = _resolution(tx, facts, settings)
    elif LEVEL_CHANGES & set(changes):
        alert_id = _level_change(tx, facts, settings)
    elif "persisted" in changes:
        draft = _open_draft(tx.conn, incident_id)
        alert_id = int(draft.id) if draft is not None else None
    else:
        return None
    if alert_id is not None:
        issue_if_allowed(tx, facts, alert_id, settings)
    return alert_id


def preview(row: Any, infos: list[dict[str, Any]], settings: Settings) -> None:
    """Validate a draft as the message it would become now (InvalidInput names the field)."""
    sent = datetime.now(UTC).replace(microsecond=0)
    full = complete_infos(row, [info_from_json(d) for d in infos], sent, settings)
    refs = ("x,y,2000-01-01T00:00:00-00:00",) if row.msg_type != MsgType.ALERT else ()
    validate_alert(
        Alert(
            "preview",
            settings.cap_sender,
            sent,
            msg_type=row.msg_type,
            references=refs,
            infos=tuple(full),
        )
    )


def edit_draft(
    tx: Tx,
    alert_id: int,
    language: str,
    changes: dict[str, Any],
    who: Principal,
    settings: Settings,
    remote: str | None = None,
) -> None:
    """Change the texts of one language of a draft (``vi``, ``vi-VN``)."""
    row = load_row(tx.conn, alert_id)
    check_actor(who, row.org_id, "edit")
    if row.status != "draft":
        raise Conflict(
            f"alert {alert_id} is {row.status}: issued alerts are never edited", field="status"
        )
    infos = list(row.infos or [])
    wanted = language.lower()
    idx = [
        n
        for n, d in enumerate(infos)
        if d["language"].lower() in (wanted,) or d["language"].lower().split("-")[0] == wanted
    ]
    if not idx:
        have = ", ".join(d["language"] for d in infos)
        raise InvalidInput(
            f"language: the draft has no {language!r} (has {have})", field="language"
        )
    infos[idx[0]] = edit_info(infos[idx[0]], changes)
    preview(row, infos, settings)
    tx.conn.execute(
        update(s.alerts).where(s.alerts.c.id == alert_id).values(infos=infos, updated_at=_now())
    )
    audit.record(
        tx,
        who,
        "edit",
        "Alert",
        alert_id,
        {"language": language, "fields": sorted(changes)},
        remote,
        row.org_id,
    )
    tx.emit("updated", "Alert", alert_id, org_id=row.org_id, status="draft")


def set_validity(tx: Tx, alert_id: int, hours: float, who: Principal) -> None:
    """Hours a draft stays current after issue."""
    row = load_row(tx.conn, alert_id)
    check_actor(who, row.org_id, "edit")
    if row.status != "draft":
        raise Conflict("issued alerts are never edited", field="status")
    if not isinstance(hours, (int, float)) or not 0 < hours <= 24 * 14:
        raise InvalidInput(
            "valid_hours: a number of hours, above 0 and at most 336", field="valid_hours"
        )
    tx.conn.execute(
        update(s.alerts)
        .where(s.alerts.c.id == alert_id)
        .values(valid_hours=float(hours), updated_at=_now())
    )


def follow_up(
    tx: Tx,
    alert_id: int,
    msg_type: str,
    who: Principal,
    settings: Settings,
    remote: str | None = None,
) -> int:
    """An operator's Update draft (texts copied, to edit) or an issued Cancel of the
    chain that ``alert_id`` belongs to; returns the new alert's id."""
    conn = tx.conn
    row = load_row(conn, alert_id)
    check_actor(who, row.org_id, msg_type.lower())
    head = chain_head(conn, row.chain_id)
    if head is None or head.msg_type == MsgType.CANCEL:
        raise Conflict("no issued, uncancelled alert in this chain", field="status")
    if conn.execute(
        select(s.alerts.c.id).where(
            s.alerts.c.chain_id == row.chain_id, s.alerts.c.status == "draft"
        )
    ).first():
        raise Conflict("this chain already has a draft: edit or issue it", field="status")
    now = _now()
    infos = [info_to_json(i) for i in parse_alert(head.xml).infos]
    new_id = int(
        conn.execute(
            insert(s.alerts)
            .values(
                sender=settings.cap_sender,
                incident_id=head.incident_id,
                org_id=head.org_id,
                chain_id=head.chain_id,
                previous_id=head.id,
                status="draft",
                msg_type=msg_type,
                kind="cancel" if msg_type == "Cancel" else "alert",
                hazard=head.hazard,
                severity=head.severity,
                level_name=head.level_name,
                infos=infos,
                valid_hours=DEFAULT_HOURS,
                created_at=now,
                updated_at=now,
            )
            .returning(s.alerts.c.id)
        ).scalar_one()
    )
    tx.emit("created", "Alert", new_id, org_id=head.org_id, status="draft", msg_type=msg_type)
    if msg_type == "Cancel":
        issue(tx, new_id, who, settings, remote)
    return new_id
