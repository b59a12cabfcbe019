"""Atom and RSS 2.0 feeds of current CAP alerts, built with lxml.

Each entry links its CAP document as ``application/cap+xml``; entries are newest first; the
entry id / guid is the alert identifier, unique by construction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import urljoin

from lxml import etree

from cityops.cap.model import CAP_MIME, Alert, Info, MsgType

ATOM_NS = "http://www.w3.org/2005/Atom"
FeedItem = tuple[Alert, str]


def _rfc3339(value: datetime) -> str:
    """Atom date: RFC 3339 with the offset of the value, ``Z`` for UTC."""
    text = value.replace(microsecond=0).isoformat(timespec="seconds")
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _first_info(alert: Alert) -> Info | None:
    return alert.infos[0] if alert.infos else None


def entry_title(alert: Alert) -> str:
    """Headline of the first info, else its event, else the identifier; Cancel prefixed."""
    info = _first_info(alert)
    title = (info.headline or info.event) if info else alert.identifier
    if alert.msg_type == MsgType.CANCEL:
        title = f"Cancelled: {title}"
    return title


def newest_first(items: Iterable[FeedItem]) -> list[FeedItem]:
    """Sort (alert, url) pairs by ``sent``, newest first (ties: identifier, for stability)."""
    return sorted(items, key=lambda it: (it[0].sent, it[0].identifier), reverse=True)


def is_current(alert: Alert, now: datetime) -> bool:
    """True unless the alert is a Cancel or every info has expired at ``now``."""
    if alert.msg_type == MsgType.CANCEL:
        return False
    expiries = [i.expires for i in alert.infos]
    return not expiries or any(e is None or e > now for e in expiries)


def _sub(
    parent: etree._Element, tag: str, text: str | None = None, **attrib: str
) -> etree._Element:
    el = etree.SubElement(parent, tag, attrib)
    if text is not None:
        el.text = text
    return el


def build_atom_feed(
    items: Iterable[FeedItem],
    base_url: str,
    *,
    title: str,
    feed_id: str | None = None,
    author: str = "CityOps",
    self_path: str = "alerts.atom",
    updated: datetime | None = None,
) -> bytes:
    """An Atom 1.0 feed; each item is (alert, URL of its CAP document, absolute or relative).

    ``updated`` defaults to the newest ``sent`` (or now when the feed is empty), so the same
    alerts always give the same bytes.
    """
    ordered = newest_first(items)
    a = f"{{{ATOM_NS}}}"
    feed = etree.Element(f"{a}feed", nsmap={None: ATOM_NS})
    _sub(feed, f"{a}id", feed_id or urljoin(base_url, self_path))
    _sub(feed, f"{a}title", title)
    newest = ordered[0][0].sent if ordered else datetime.now(UTC)
    _sub(feed, f"{a}updated", _rfc3339(updated or newest))
    _sub(_sub(feed, f"{a}author"), f"{a}name", author)
    _sub(
        feed, f"{a}link", rel="self", type="application/atom+xml", href=urljoin(base_url, self_path)
    )
    _sub(feed, f"{a}link", rel="alternate", type="text/html", href=base_url)
    for alert, url in ordered:
        entry = _sub(feed, f"{a}entry")
        _sub(entry, f"{a}id", alert.identifier)
        _sub(entry, f"{a}title", entry_title(alert))
        _sub(entry, f"{a}updated", _rfc3339(alert.sent))
        _sub(entry, f"{a}published", _rfc3339(alert.sent))
        info = _first_info(alert)
        if info and info.sender_name:
            _sub(_sub(entry, f"{a}author"), f"{a}name", info.sender_name)
        _sub(entry, f"{a}link", rel="alternate", type=CAP_MIME, href=urljoin(base_url, url))
        if info and info.web:  # the message's public page, for people
            _sub(entry, f"{a}link", rel="alternate", type="text/html", href=info.web)
        if info and info.description:
            _sub(entry, f"{a}summary", info.description)
        for cat in info.category if info else ():
            _sub(entry, f"{a}category", term=cat.value)
    data: bytes = etree.tostring(feed, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return data


def build_rss_feed(
    items: Iterable[FeedItem],
    base_url: str,
    *,
    title: str,
    description: str = "Current public warnings (CAP 1.2)",
    language: str | None = None,
    self_path: str = "alerts.rss",
) -> bytes:
    """An RSS 2.0 feed: each item with title, link to the CAP document, guid, pubDate."""
    ordered: Sequence[FeedItem] = newest_first(items)
    rss = etree.Element("rss", version="2.0", nsmap={"atom": ATOM_NS})
    channel = _sub(rss, "channel")
    _sub(channel, "title", title)
    _sub(channel, "link", base_url)
    _sub(channel, "description", description)
    if language:
        _sub(channel, "language", language)
    _sub(
        channel,
        f"{{{ATOM_NS}}}link",
        rel="self",
        type="application/rss+xml",
        href=urljoin(base_url, self_path),
    )
    if ordered:
        _sub(channel, "lastBuildDate", format_datetime(ordered[0][0].sent))
    for alert, url in ordered:
        item = _sub(channel, "item")
        href = urljoin(base_url, url)
        _sub(item, "title", entry_title(alert))
        _sub(item, "link", href)
        info = _first_info(alert)
        if info and info.description:
            _sub(item, "description", info.description)
        for cat in info.category if info else ():
            _sub(item, "category", cat.value)
        _sub(item, "guid", alert.identifier, isPermaLink="false")
        _sub(item, "pubDate", format_datetime(alert.sent))
        _sub(item, "enclosure", url=href, type=CAP_MIME, length="0")
    data: bytes = etree.tostring(rss, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return data
