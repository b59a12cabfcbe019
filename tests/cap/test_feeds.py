"""Atom and RSS 2.0 feeds: order, links, types, ids, dates."""

from __future__ import annotations

from datetime import timedelta
from email.utils import parsedate_to_datetime

from lxml import etree

from cityops.cap import CAP_MIME, build_atom_feed, build_rss_feed, is_current, make_cancel
from cityops.cap.feeds import ATOM_NS
from cityops.cap.importer import parse_feed

from .conftest import SENT, sample_alert

A = {"a": ATOM_NS}
BASE = "https://pakse.cityops.example/"


def _items() -> list:
    hazards = ["heat", "river_flood", "air_quality"]
    alerts = [
        sample_alert(("en",), hazard=h, sent=SENT + timedelta(minutes=10 * n))
        for n, h in enumerate(hazards)
    ]
    # deliberately not in time order
    return [
        (alerts[1], "alerts/b.xml"),
        (alerts[0], "alerts/a.xml"),
        (alerts[2], f"{BASE}alerts/c.xml"),
    ]


def test_atom_structure_and_order() -> None:
    feed = etree.fromstring(build_atom_feed(_items(), BASE, title="Pakse warnings"))
    assert feed.tag == f"{{{ATOM_NS}}}feed"
    assert feed.findtext("a:id", namespaces=A) and feed.findtext("a:title", namespaces=A)
    assert feed.findtext("a:updated", namespaces=A) == "2025-09-14T06:50:00+07:00"
    entries = feed.findall("a:entry", A)
    assert len(entries) == 3
    updated = [e.findtext("a:updated", namespaces=A) for e in entries]
    assert updated == sorted(updated, reverse=True)
    ids = [e.findtext("a:id", namespaces=A) for e in entries]
    assert len(set(ids)) == 3 and all(i.startswith("urn:oid:") for i in ids)
    links = [e.find("a:link[@type='application/cap+xml']", A) for e in entries]
    assert [ln.get("href") for ln in links] == [
        f"{BASE}alerts/c.xml",
        f"{BASE}alerts/b.xml",
        f"{BASE}alerts/a.xml",
    ]
    assert entries[0].findtext("a:title", namespaces=A).startswith("Unhealthy air")


def test_rss_structure_and_order() -> None:
    rss = etree.fromstring(build_rss_feed(_items(), BASE, title="Pakse warnings", language="en"))
    assert rss.tag == "rss" and rss.get("version") == "2.0"
    channel = rss.find("channel")
    assert channel.findtext("title") and channel.findtext("link") == BASE
    items = channel.findall("item")
    dates = [parsedate_to_datetime(i.findtext("pubDate")) for i in items]
    assert dates == sorted(dates, reverse=True) and dates[0] == SENT + timedelta(minutes=20)
    for item in items:
        assert item.findtext("title") and item.findtext("link").endswith(".xml")
        assert item.find("guid").get("isPermaLink") == "false"
        assert item.find("enclosure").get("type") == CAP_MIME
    assert len({i.findtext("guid") for i in items}) == 3


def test_feeds_read_back_by_importer() -> None:
    for build in (build_atom_feed, build_rss_feed):
        entries = parse_feed(build(_items(), BASE, title="t"))
        assert [e.cap_url for e in entries] == [
            f"{BASE}alerts/c.xml",
            f"{BASE}alerts/b.xml",
            f"{BASE}alerts/a.xml",
        ]
        assert entries[0].updated == SENT + timedelta(minutes=20)


def test_empty_feeds_are_well_formed() -> None:
    assert etree.fromstring(build_atom_feed([], BASE, title="t")).find("a:entry", A) is None
    assert etree.fromstring(build_rss_feed([], BASE, title="t")).find("channel/item") is None


def test_cancelled_title_and_currency() -> None:
    alert = sample_alert(("en",))
    cancel = make_cancel(alert, "cancel-1", SENT + timedelta(hours=1))
    feed = etree.fromstring(build_atom_feed([(cancel, "c.xml")], BASE, title="t"))
    assert feed.findtext("a:entry/a:title", namespaces=A).startswith("Cancelled: ")
    assert is_current(alert, SENT) and not is_current(alert, SENT + timedelta(days=1))
    assert not is_current(cancel, SENT)
