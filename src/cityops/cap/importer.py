"""Import of outside CAP feeds (national met services): Atom or RSS in, entries with CAP links.

Pure: the caller fetches the bytes (feed and CAP documents) and hands them over; everything
is parsed with the hardened parser of :mod:`cityops.safexml`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

from lxml import etree

from cityops.cap.feeds import ATOM_NS
from cityops.cap.model import CAP_MIME, Alert
from cityops.cap.parse import parse_alert
from cityops.errors import InvalidInput
from cityops.safexml import parse_untrusted

_CAP_TYPES = {CAP_MIME, "application/xml", "text/xml"}


@dataclass(frozen=True)
class FeedEntry:
    """One entry of an outside feed: ``cap_url`` is the link to its CAP document, if any."""

    id: str | None
    title: str | None
    updated: datetime | None
    cap_url: str | None
    link_type: str | None = None
    summary: str | None = None


def _text(el: etree._Element | None) -> str | None:
    if el is None or el.text is None:
        return None
    return el.text.strip() or None


def _when(text: str | None) -> datetime | None:
    """Parse an RFC 3339 (Atom) or RFC 822 (RSS) date; None when absent or unreadable."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)  # Python 3.11 reads a trailing Z
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None


def _atom_cap_link(entry: etree._Element, base: str) -> tuple[str | None, str | None]:
    """The CAP link of an Atom entry: typed application/cap+xml first, then any .xml link."""
    links = entry.findall(f"{{{ATOM_NS}}}link")
    ranked = sorted(
        links,
        key=lambda ln: (
            ln.get("type") != CAP_MIME,
            ln.get("type") not in _CAP_TYPES,
            ln.get("rel", "alternate") != "alternate",
        ),
    )
    for link in ranked:
        href = link.get("href")
        if href:
            return urljoin(base, href), link.get("type")
    return None, None


def _atom_entries(root: etree._Element, base: str) -> list[FeedEntry]:
    a = f"{{{ATOM_NS}}}"
    out = []
    for entry in root.iter(f"{a}entry"):
        url, kind = _atom_cap_link(entry, base)
        out.append(
            FeedEntry(
                id=_text(entry.find(f"{a}id")),
                title=_text(entry.find(f"{a}title")),
                updated=_when(
                    _text(entry.find(f"{a}updated")) or _text(entry.find(f"{a}published"))
                ),
                cap_url=url,
                link_type=kind,
                summary=_text(entry.find(f"{a}summary")),
            )
        )
    return out


def _rss_entries(root: etree._Element, base: str) -> list[FeedEntry]:
    out = []
    for item in root.iter():
        if not isinstance(item.tag, str) or etree.QName(item).localname != "item":
            continue
        child = {etree.QName(c).localname: c for c in item if isinstance(c.tag, str)}
        enclosure = child.get("enclosure")
        url, kind = None, None
        if enclosure is not None and enclosure.get("type") in _CAP_TYPES:
            url, kind = enclosure.get("url"), enclosure.get("type")
        if not url:
            url = _text(child.get("link"))
        out.append(
            FeedEntry(
                id=_text(child.get("guid")) or url,
                title=_text(child.get("title")),
                updated=_when(_text(child.get("pubDate")) or _text(child.get("date"))),
                cap_url=urljoin(base, url) if url else None,
                link_type=kind,
                summary=_text(child.get("description")),
            )
        )
    return out


def parse_feed(data: bytes, base_url: str = "") -> list[FeedEntry]:
    """List the entries of an Atom or RSS (0.9x/1.0/2.0) feed with their CAP links.

    Raises ``InvalidInput`` naming the line and reason for malformed XML, a DTD or entity
    declaration, or a document that is neither Atom nor RSS.
    """
    root = parse_untrusted(data, field="feed")
    name = etree.QName(root)
    if name.namespace == ATOM_NS and name.localname == "feed":
        return _atom_entries(root, base_url)
    if name.localname in ("rss", "RDF"):
        return _rss_entries(root, base_url)
    raise InvalidInput(
        f"line {root.sourceline}: root <{name.localname}> is neither an Atom feed nor RSS",
        field="feed",
    )


def parse_cap(data: bytes) -> Alert:
    """Parse one fetched CAP document (1.2 or 1.1) with the hardened parser."""
    return parse_alert(data)
