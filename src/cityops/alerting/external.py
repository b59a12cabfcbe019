"""Import of outside CAP feeds (Atom / RSS of a national met service) into
``external_alerts``, shown beside CityOps' own alerts.

Fetching (a file or an http(s) URL, size-capped) happens before the write job, never
inside it. Feeds and CAP documents go through the hardened parser of ``cityops.cap``: a
malformed or hostile feed (DTD, entities: billion laughs, XXE) is rejected as a whole with
``InvalidInput`` naming the line; an entry whose CAP document cannot be read is skipped and
reported. A remote feed may only link to http(s) documents; a feed file may also link to
files in its own folder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx
from sqlalchemy import delete, insert, select

from cityops import egress
from cityops.auth import audit
from cityops.auth.principal import SYSTEM, Principal
from cityops.cap import Alert, FeedEntry, parse_cap, parse_feed
from cityops.egress import EgressPolicy
from cityops.errors import InvalidInput
from cityops.store import schema as s
from cityops.store.writer import Tx

_COLUMNS = (
    "id",
    "source",
    "entry_id",
    "identifier",
    "sender",
    "sent",
    "expires",
    "msg_type",
    "event",
    "severity",
    "headline",
    "area_desc",
    "language",
    "cap_url",
    "imported_at",
)


@dataclass
class Fetched:
    """The rows read from one feed and the entries skipped (with the reason)."""

    source: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _http_get(url: str, max_bytes: int, timeout: float, policy: EgressPolicy) -> bytes:
    """GET through ``cityops.egress``: no loopback, private or link-local target (redirects
    included) unless the policy allows it."""
    try:
        return egress.get_bytes(url, policy, max_bytes=max_bytes, timeout=timeout)
    except httpx.HTTPError as exc:
        raise InvalidInput(f"{url}: {type(exc).__name__}: {exc}", field="url") from None


def _read_file(path: Path, max_bytes: int) -> bytes:
    try:
        if path.stat().st_size > max_bytes:
            raise InvalidInput(f"{path}: larger than {max_bytes} bytes", field="file")
        return path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"{path}: {exc.strerror}", field="file") from None


class Fetcher:
    """Reads a feed and the documents it links, within the rules of the module docstring."""

    def __init__(
        self,
        source: str,
        max_bytes: int,
        timeout: float = 20.0,
        policy: EgressPolicy | None = None,
    ) -> None:
        self.source, self.max_bytes, self.timeout = source, max_bytes, timeout
        self.policy = policy or EgressPolicy()
        self.remote = urlsplit(source).scheme in ("http", "https")
        self.folder = None if self.remote else Path(source).resolve().parent

    @property
    def base(self) -> str:
        return self.source if self.remote else Path(self.source).resolve().as_uri()

    def feed(self) -> bytes:
        if self.remote:
            return _http_get(self.source, self.max_bytes, self.timeout, self.policy)
        return _read_file(Path(self.source), self.max_bytes)

    def document(self, url: str) -> bytes:
        parts = urlsplit(url)
        if parts.scheme in ("http", "https"):
            return _http_get(url, self.max_bytes, self.timeout, self.policy)
        if parts.scheme == "file" and self.folder is not None:
            path = Path(unquote(parts.path)).resolve()
            if path.is_relative_to(self.folder):
                return _read_file(path, self.max_bytes)
        raise InvalidInput(
            f"{url}: only http(s) links (or files beside a feed file)", field="cap_url"
        )


def _row(source: str, entry: FeedEntry, alert: Alert | None, xml: bytes | None) -> dict[str, Any]:
    info = alert.infos[0] if alert and alert.infos else None
    return {
        "source": source,
        "entry_id": entry.id or entry.cap_url or entry.title or "?",
        "identifier": alert.identifier if alert else None,
        "sender": alert.sender if alert else None,
        "sent": alert.sent if alert else entry.updated,
        "expires": info.expires if info else None,
        "msg_type": alert.msg_type.value if alert else None,
        "event": info.event if info else None,
        "severity": info.severity.value if info else None,
        "headline": (info.headline if info else None) or entry.title,
        "area_desc": "; ".join(a.area_desc for a in info.areas) if info else None,
        "language": info.language if info else None,
        "cap_url": entry.cap_url,
        "xml": xml,
    }


def fetch_feed(
    source: str,
    max_bytes: int,
    timeout: float = 20.0,
    data: bytes | None = None,
    policy: EgressPolicy | None = None,
) -> Fetched:
    """Read and parse a feed and its CAP documents (``data``: the feed already read;
    ``policy``: which inside addresses may be fetched, none by default)."""
    fetcher = Fetcher(source, max_bytes, timeout, policy)
    entries = parse_feed(fetcher.feed() if data is None else data, fetcher.base)
    out = Fetched(source)
    for entry in entries:
        alert, xml = None, None
        if entry.cap_url:
            try:
                xml = fetcher.document(entry.cap_url)
                alert = parse_cap(xml)
            except InvalidInput as exc:
                out.errors.append(f"{entry.id or entry.cap_url}: {exc.message}")
                continue
        out.rows.append(_row(source, entry, alert, xml))
    return out


def save_external(tx: Tx, fetched: Fetched, who: Principal = SYSTEM) -> int:
    """Store (insert or replace by source and entry id) the rows of one feed, with the
    import's audit row."""
    e, now = s.external_alerts, datetime.now(UTC)
    for row in fetched.rows:
        tx.conn.execute(
            delete(e).where(e.c.source == row["source"], e.c.entry_id == row["entry_id"])
        )
        tx.conn.execute(insert(e).values(imported_at=now, **row))
    tx.emit("updated", "ExternalAlerts", 0, source=fetched.source, count=len(fetched.rows))
    detail = {
        "source": fetched.source,
        "imported": len(fetched.rows),
        "skipped": len(fetched.errors),
    }
    audit.record(tx, who, "import", "ExternalAlerts", None, detail)
    return len(fetched.rows)


def list_external(conn: Any, current_only: bool = False, limit: int = 100) -> list[dict[str, Any]]:
    """Imported outside alerts, newest first (``current_only``: not expired)."""
    e = s.external_alerts
    q = select(e).order_by(e.c.sent.desc(), e.c.id.desc()).limit(limit)
    if current_only:
        now = datetime.now(UTC)
        q = q.where((e.c.expires.is_(None)) | (e.c.expires > now))
    return [{k: getattr(r, k) for k in _COLUMNS} for r in conn.execute(q)]
