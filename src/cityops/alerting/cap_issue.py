"""Issue a drafted alert: the CAP message is built, validated, optionally signed, stored
once and never changed; the message it follows is marked superseded or cancelled; the
deliveries to matching subscriptions are queued in the same transaction (an outbox).

Emits ``Alert`` events after the commit: ``issued`` with data ``{"org_id", "incident_id",
"identifier", "msg_type", "severity", "alert_kind"}``; ``created`` / ``updated`` for drafts.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.engine import Connection

from cityops.auth import audit
from cityops.auth.principal import Principal, Role
from cityops.cap import (
    Alert,
    Info,
    MsgType,
    build_alert_xml,
    make_all_clear,
    make_cancel,
    make_identifier,
    make_update,
    parse_alert,
    sign_alert,
    validate_alert,
    validate_schema,
)
from cityops.errors import Conflict, Forbidden, InvalidInput, NotFound
from cityops.settings import Settings
from cityops.store import schema as s
from cityops.store.writer import Tx

from .cap_codec import info_from_json
from .cap_sources import load_city

ACTORS = {Role.CITY_ADMIN, Role.OPERATOR}
READERS = {Role.CITY_ADMIN, Role.OPERATOR, Role.ANALYST}
DEFAULT_HOURS = 24.0


def base_url(settings: Settings) -> str:
    """The public base URL of this CityOps (no trailing slash)."""
    return (settings.public_url or f"http://{settings.host}:{settings.port}").rstrip("/")


def page_url(settings: Settings, alert_id: int) -> str:
    """The web page of an alert (CAP ``web``)."""
    return f"{base_url(settings)}/alerts/{alert_id}"


def check_actor(p: Principal, org_id: int | None, action: str) -> None:
    """Operators and city admins of the alert's city act on it; readers 403, others 404."""
    if p.is_admin:
        return
    if p.org_id is not None and p.org_id == org_id:
        if p.role in ACTORS:
            return
        if p.role in READERS:
            raise Forbidden(f"role {p.role.value} may not {action} alerts")
    raise NotFound("no such alert")


def load_row(conn: Connection, alert_id: int) -> Any:
    row = conn.execute(select(s.alerts).where(s.alerts.c.id == alert_id)).first()
    if row is None:
        raise NotFound(f"no alert {alert_id}")
    return row


def chain_head(conn: Connection, chain_id: int | None) -> Any:
    """The newest issued message of a chain (None when nothing was issued)."""
    if chain_id is None:
        return None
    a = s.alerts
    return conn.execute(
        select(a)
        .where(a.c.chain_id == chain_id, a.c.status == "issued")
        .order_by(a.c.sent.desc(), a.c.id.desc())
    ).first()


def next_identifier(conn: Connection, oid: str, sent: datetime) -> str:
    """A WMO OID identifier unique in the store (``.n`` suffix within one second)."""
    base = make_identifier(oid, sent)
    a = s.alerts
    taken = conn.execute(
        select(func.count()).where(or_(a.c.identifier == base, a.c.identifier.like(base + ".%")))
    ).scalar_one()
    return base if not taken else make_identifier(oid, sent, int(taken))


@lru_cache(maxsize=4)
def _pem(path: Path) -> bytes:
    return path.read_bytes()


def finish_xml(alert: Alert, settings: Settings) -> bytes:
    """The CAP document of ``alert``: validated, signed when a key is configured."""
    validate_alert(alert)
    xml = build_alert_xml(alert)
    if settings.cap_signing_key and settings.cap_signing_cert:
        try:
            key, cert = _pem(settings.cap_signing_key), _pem(settings.cap_signing_cert)
        except OSError as exc:
            raise InvalidInput(f"cap_signing_key/cert: {exc}", field="cap_signing_key") from None
        xml = sign_alert(xml, key, cert)
    validate_schema(xml)
    return xml


def complete_infos(row: Any, infos: list[Info], sent: datetime, settings: Settings) -> list[Info]:
    """Issue-time fields: effective, expires (valid hours), web, contact, local offsets."""
    hours = row.valid_hours or DEFAULT_HOURS
    expires = sent + timedelta(hours=hours)
    zone = sent.tzinfo
    out = []
    for info in infos:
        until = info.expires.astimezone(zone) if info.expires and info.expires > sent else expires
        out.append(
            replace(
                info,
                effective=sent,
                expires=until,
                onset=info.onset.astimezone(zone) if info.onset else None,
                web=page_url(settings, row.id),  # not editable: always the message's own page
                contact=info.contact or settings.cap_contact,
            )
        )
    return out


def build_message(
    conn: Connection, row: Any, sent: datetime, identifier: str, settings: Settings
) -> tuple[Alert, Any]:
    """The CAP :class:`Alert` of a draft row, and the message it follows (or None)."""
    infos = complete_infos(row, [info_from_json(d) for d in row.infos or []], sent, settings)
    head = chain_head(conn, row.chain_id) if row.msg_type != MsgType.ALERT else None
    if row.msg_type != MsgType.ALERT and head is None:
        raise Conflict("nothing issued to update or cancel in this chain", field="msg_type")
    if head is None:
        alert: Alert = Alert(
            identifier,
            settings.cap_sender,
            sent,
            infos=tuple(infos),
            incidents=f"incident-{row.incident_id}" if row.incident_id else None,
        )
        return alert, None
    previous = parse_alert(head.xml)
    if row.msg_type == MsgType.CANCEL:
        alert = make_cancel(previous, identifier, sent)
    elif row.kind == "all_clear":
        alert = make_all_clear(previous, identifier, sent, infos=infos)
    else:
        alert = make_update(previous, identifier, sent, infos=infos)
    # infos copied from the previous message carry its page: each message links its own
    own = page_url(settings, row.id)
    return replace(alert, infos=tuple(replace(i, web=own) for i in alert.infos)), head


def issue(
    tx: Tx, alert_id: int, who: Principal, settings: Settings, remote: str | None = None
) -> int:
    """Issue draft ``alert_id`` (see the module docstring); returns its id."""
    from .channels.outbox import enqueue  # channels import this module's helpers

    conn = tx.conn
    row = load_row(conn, alert_id)
    check_actor(who, row.org_id, "issue")
    if row.status != "draft":
        raise Conflict(f"alert {alert_id} is {row.status}; only drafts are issued", field="status")
    city = load_city(conn, row.org_id)
    sent = datetime.now(city.zone).replace(microsecond=0)
    identifier = next_identifier(conn, settings.cap_oid, sent)
    alert, head = build_message(conn, row, sent, identifier, settings)
    xml = finish_xml(alert, settings)
    expires = max((i.expires for i in alert.infos if i.expires), default=None)
    a = s.alerts
    conn.execute(
        update(a)
        .where(a.c.id == alert_id)
        .values(
            status="issued",
            identifier=identifier,
            sender=alert.sender,
            sent=sent,
            expires=expires,
            references=" ".join(alert.references) or None,
            xml=xml,
            issued_by=who.name,
            updated_at=sent,
        )
    )
    if head is not None:
        ended = "cancelled" if alert.msg_type == MsgType.CANCEL else "superseded"
        conn.execute(
            update(a)
            .where(a.c.chain_id == row.chain_id, a.c.status == "issued", a.c.id != alert_id)
            .values(status=ended, updated_at=sent)
        )
    enqueue(tx, load_row(conn, alert_id), alert)
    audit.record(
        tx,
        who,
        "issue",
        "Alert",
        alert_id,
        {"identifier": identifier, "msg_type": alert.msg_type.value},
        remote,
        row.org_id,
    )
    tx.emit(
        "issued",
        "Alert",
        alert_id,
        org_id=row.org_id,
        incident_id=row.incident_id,
        identifier=identifier,
        msg_type=alert.msg_type.value,
        severity=row.severity,
        alert_kind=row.kind,
    )
    return alert_id
