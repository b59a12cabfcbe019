"""Residents' own subscriptions from the public page: Web Push on a phone (no app store) and
e-mail as the fallback, for a city (region), one of its warning areas, or all cities, in a
chosen language.

They live in ``alert_subscriptions`` (``public`` true) so that issuing an alert fans them
out through the same outbox, retries and dead-letter list as every other channel. They
hold no more than is needed to reach the person: the push endpoint and its two keys (or
the e-mail address), the region and the language; unsubscribing deletes the row.

An e-mail subscription starts disabled and is enabled by the link sent to the address
(double opt-in, so nobody subscribes somebody else). Links carry an HMAC of the row's id,
purpose and address under a key the server generates once (``server_secrets``): no token
is stored, and a link dies with its row.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import and_, delete, insert, select, update
from sqlalchemy.engine import Connection

from cityops.cap.templates import LANGUAGES
from cityops.errors import InvalidInput, NotFound
from cityops.settings import Settings
from cityops.store import schema as s
from cityops.store.writer import Tx

from .channels.email import Email

LINK_KEY = "subscription_link_key"
VAPID_KEY = "vapid_private_key"
SEVERITIES = ("Minor", "Moderate", "Severe", "Extreme")


def _now() -> datetime:
    return datetime.now(UTC)


def server_secret(tx: Tx, name: str, make: Callable[[], str]) -> str:
    """The server's secret ``name``, created with ``make()`` on first use (kept for good)."""
    t = s.server_secrets
    found = tx.conn.execute(select(t.c.value).where(t.c.name == name)).scalar()
    if found is not None:
        return str(found)
    values = {"name": name, "value": str(make()), "created_at": _now()}
    if tx.conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt: Any = pg_insert(t).values(**values).on_conflict_do_nothing()
    else:
        stmt = insert(t).values(**values).prefix_with("OR IGNORE")
    tx.conn.execute(stmt)
    return str(tx.conn.execute(select(t.c.value).where(t.c.name == name)).scalar_one())


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str, field: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise InvalidInput(f"{field}: not base64url", field=field) from None


def _region(conn: Connection, region: Any) -> int | None:
    if region in (None, ""):
        return None
    o = s.organisations
    found = (
        conn.execute(select(o.c.id).where(o.c.slug == str(region), o.c.kind == "city")).scalar()
        if isinstance(region, str)
        else None
    )
    if found is None:
        raise InvalidInput(f"region: no city {region!r}", field="region")
    return int(found)


def _area(conn: Connection, org_id: int | None, name: Any) -> Any:
    """The geometry of one of the city's warning areas (None: the whole region)."""
    if name in (None, ""):
        return None
    if org_id is None:
        raise InvalidInput("area: choose a region (city) first", field="area")
    a = s.alert_areas
    found = conn.execute(
        select(a.c.geojson).where(a.c.org_id == org_id, a.c.name == str(name))
    ).scalar()
    if found is None:
        raise InvalidInput(f"area: the city has no warning area {name!r}", field="area")
    return found


def area_names(conn: Connection, slug: str) -> list[dict[str, str]]:
    """Names and descriptions of a city's warning areas (public: alerts name them)."""
    a, o = s.alert_areas, s.organisations
    rows = conn.execute(
        select(a.c.name, a.c.description)
        .join(o, o.c.id == a.c.org_id)
        .where(o.c.slug == slug)
        .order_by(a.c.name)
    )
    return [{"name": r.name, "description": r.description} for r in rows]


def _language(lang: Any) -> str:
    code = str(lang or "en").split("-")[0].lower()
    if code not in LANGUAGES:
        raise InvalidInput(f"lang: one of {', '.join(LANGUAGES)}", field="lang")
    return code


def _severity(value: Any) -> str:
    value = value or "Moderate"
    if value not in SEVERITIES:
        raise InvalidInput(f"min_severity: one of {', '.join(SEVERITIES)}", field="min_severity")
    return str(value)


def check_endpoint(endpoint: Any, settings: Settings) -> str:
    """A push service URL as a browser gives it: https on a public host. Plain http or a
    host that is loopback or private only where ``push_allowed_hosts`` names it (the
    delivery checks the resolved address again, see ``channels.webpush``)."""
    if not isinstance(endpoint, str) or not 10 <= len(endpoint) <= 2048:
        raise InvalidInput("subscription.endpoint: a URL of the push service", field="endpoint")
    parts = urlsplit(endpoint)
    allowed = parts.hostname in settings.push_allowed_hosts
    if not parts.hostname or parts.scheme not in ("https", "http"):
        raise InvalidInput("subscription.endpoint: a URL of the push service", field="endpoint")
    if parts.scheme != "https" and not allowed:
        raise InvalidInput("subscription.endpoint: must be https", field="endpoint")
    return endpoint


def _push_keys(sub: Any) -> str:
    keys = sub.get("keys") if isinstance(sub, dict) else None
    if not isinstance(keys, dict) or not all(
        isinstance(keys.get(k), str) for k in ("p256dh", "auth")
    ):
        raise InvalidInput("subscription.keys: p256dh and auth are required", field="keys")
    point, auth = _unb64(keys["p256dh"], "keys.p256dh"), _unb64(keys["auth"], "keys.auth")
    if len(point) != 65 or point[0] != 4:
        raise InvalidInput("keys.p256dh: an uncompressed P-256 point", field="keys.p256dh")
    if len(auth) != 16:
        raise InvalidInput("keys.auth: 16 bytes", field="keys.auth")
    return f'{{"p256dh": "{_b64(point)}", "auth": "{_b64(auth)}"}}'


def subscribe_push(tx: Tx, body: Any, settings: Settings) -> dict[str, Any]:
    """Store a browser's PushSubscription for a region and language; subscribing the same
    endpoint again replaces its choice (one row per phone)."""
    if not isinstance(body, dict):
        raise InvalidInput("body: must be a JSON object", field="body")
    sub = body.get("subscription")
    endpoint = check_endpoint(sub.get("endpoint") if isinstance(sub, dict) else None, settings)
    keys = _push_keys(sub)
    org_id, lang = _region(tx.conn, body.get("region")), _language(body.get("lang"))
    severity = _severity(body.get("min_severity"))
    area = _area(tx.conn, org_id, body.get("area"))
    t = s.alert_subscriptions
    mine = and_(t.c.public.is_(True), t.c.channel == "webpush", t.c.target == endpoint)
    tx.conn.execute(delete(t).where(mine))
    new_id = tx.conn.execute(
        insert(t)
        .values(
            org_id=org_id,
            name="resident push",
            channel="webpush",
            target=endpoint,
            secret=keys,
            area=area,
            min_severity=severity,
            enabled=True,
            public=True,
            language=lang,
            created_at=_now(),
        )
        .returning(t.c.id)
    ).scalar_one()
    return {
        "id": int(new_id),
        "region": body.get("region") or None,
        "area": body.get("area") or None,
        "lang": lang,
    }


def unsubscribe_push(tx: Tx, body: Any) -> None:
    """Delete the subscription of a push endpoint (the endpoint is the phone's secret)."""
    endpoint = body.get("endpoint") if isinstance(body, dict) else None
    if not isinstance(endpoint, str):
        raise InvalidInput("endpoint: the push subscription's endpoint", field="endpoint")
    t = s.alert_subscriptions
    gone = tx.conn.execute(
        delete(t).where(t.c.public.is_(True), t.c.channel == "webpush", t.c.target == endpoint)
    )
    if not gone.rowcount:
        raise NotFound("no subscription for this endpoint")


# e-mail ------------------------------------------------------------------------------


def sign_token(key: str, purpose: str, row_id: int, target: str) -> str:
    mac = hmac.new(key.encode(), f"{purpose}:{row_id}:{target}".encode(), hashlib.sha256)
    return f"{row_id}.{mac.hexdigest()[:40]}"


def link_token(tx: Tx, purpose: str, row_id: int, target: str) -> str:
    """The token of a confirmation (``confirm``) or unsubscribe (``unsubscribe``) link."""
    key = server_secret(tx, LINK_KEY, lambda: secrets.token_urlsafe(32))
    return sign_token(key, purpose, row_id, target)


def _by_token(tx: Tx, purpose: str, token: Any) -> Any:
    head, _, _ = str(token or "").partition(".")
    t = s.alert_subscriptions
    row = (
        tx.conn.execute(
            select(t).where(t.c.id == int(head), t.c.public.is_(True), t.c.channel == "email")
        ).first()
        if head.isdigit()
        else None
    )
    if row is None or not hmac.compare_digest(
        link_token(tx, purpose, int(row.id), row.target), str(token)
    ):
        raise NotFound("this link is not valid (any more)")
    return row


def subscribe_email(tx: Tx, body: dict[str, Any]) -> tuple[int, str, bool]:
    """A pending e-mail subscription: (id, address, whether a confirmation is to be sent).
    An address already subscribed for the region is kept as it is (no second row)."""
    target = Email.check_target(str(body.get("email") or "").strip())
    org_id, lang = _region(tx.conn, body.get("region")), _language(body.get("lang"))
    t = s.alert_subscriptions
    same_org = t.c.org_id.is_(None) if org_id is None else t.c.org_id == org_id
    found = tx.conn.execute(
        select(t).where(
            t.c.public.is_(True), t.c.channel == "email", t.c.target == target, same_org
        )
    ).first()
    if found is not None:
        return int(found.id), target, not found.enabled
    new_id = tx.conn.execute(
        insert(t)
        .values(
            org_id=org_id,
            name="resident e-mail",
            channel="email",
            target=target,
            min_severity=_severity(body.get("min_severity")),
            area=_area(tx.conn, org_id, body.get("area")),
            enabled=False,
            public=True,
            language=lang,
            created_at=_now(),
        )
        .returning(t.c.id)
    ).scalar_one()
    return int(new_id), target, True


def confirm_email(tx: Tx, token: Any) -> str:
    """Enable the subscription of a confirmation link; its address."""
    row = _by_token(tx, "confirm", token)
    t = s.alert_subscriptions
    tx.conn.execute(update(t).where(t.c.id == row.id).values(enabled=True))
    return str(row.target)


def unsubscribe_email(tx: Tx, token: Any) -> str:
    """Delete the subscription of an unsubscribe link; its address."""
    row = _by_token(tx, "unsubscribe", token)
    t = s.alert_subscriptions
    tx.conn.execute(delete(t).where(t.c.id == row.id))
    return str(row.target)
