"""Building CAP XML (schema order, times), parsing it back, and the golden file."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from lxml import etree

from cityops.cap import (
    CAP_NS,
    Alert,
    Area,
    Circle,
    Info,
    Resource,
    build_alert_xml,
    format_time,
    parse_alert,
    validate_schema,
)
from cityops.cap.document import local_time, parse_time
from cityops.errors import InvalidInput

from .conftest import SENT, assert_valid_cap, sample_alert

GOLDEN = Path(__file__).parent / "golden"
NS = {"cap": CAP_NS}


def test_times_use_local_offset_and_no_fraction() -> None:
    t = datetime(2025, 9, 14, 6, 30, 5, 123456, tzinfo=timezone(timedelta(hours=6, minutes=30)))
    assert format_time(t) == "2025-09-14T06:30:05+06:30"


def test_utc_is_written_minus_zero() -> None:
    t = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert format_time(t) == "2025-01-02T03:04:05-00:00"
    assert parse_time("2025-01-02T03:04:05-00:00") == t


def test_naive_time_rejected() -> None:
    with pytest.raises(InvalidInput) as err:
        format_time(datetime(2025, 1, 1))
    assert err.value.field == "time"
    with pytest.raises(InvalidInput) as err:
        Alert(identifier="x", sender="y", sent=datetime(2025, 1, 1))
    assert err.value.field == "sent"


def test_parse_time_rejects_z_and_fractions() -> None:
    for bad in ("2025-01-02T03:04:05Z", "2025-01-02T03:04:05.5+07:00"):
        with pytest.raises(InvalidInput):
            parse_time(bad)


def test_local_time() -> None:
    t = local_time(datetime(2025, 1, 1, 0, 0, tzinfo=UTC), "+07:00")
    assert format_time(t) == "2025-01-01T07:00:00+07:00"


def test_identifier_and_sender_checked() -> None:
    for bad in ("has space", "a,b", "a<b", "a&b", ""):
        with pytest.raises(InvalidInput) as err:
            Alert(identifier=bad, sender="s", sent=SENT)
        assert err.value.field == "identifier"


def test_bad_enumeration_names_field() -> None:
    with pytest.raises(InvalidInput) as err:
        Info(event="x", urgency="Soon")
    assert err.value.field == "urgency"


def test_elements_in_schema_order(alert: Alert) -> None:
    root = etree.fromstring(build_alert_xml(alert))
    names = [etree.QName(c).localname for c in root]
    assert names[:6] == ["identifier", "sender", "sent", "status", "msgType", "scope"]
    info = [etree.QName(c).localname for c in root.find("cap:info", NS)]
    expected = [
        "language",
        "category",
        "event",
        "responseType",
        "responseType",
        "urgency",
        "severity",
        "certainty",
        "eventCode",
        "effective",
        "onset",
        "expires",
        "senderName",
        "headline",
        "description",
        "instruction",
        "web",
        "contact",
        "parameter",
        "area",
    ]
    assert info == expected


def test_full_model_validates_and_round_trips() -> None:
    base = sample_alert(("en", "th", "my"))
    area = Area(
        "Pakse",
        polygons=(((15.1, 105.7), (15.2, 105.8), (15.1, 105.9), (15.1, 105.7)),),
        circles=(Circle(15.12, 105.8, 5.5),),
        geocodes=(("ISO3166-2", "LA-CH"),),
        altitude=100.0,
        ceiling=250.5,
    )
    info = replace(
        base.infos[0],
        audience="residents",
        resources=(Resource("map", "image/png", 1024, "https://x.example/m.png"),),
        areas=(area,),
    )
    alert = replace(
        base,
        source="hazard-engine",
        codes=("IPAWSv1.0",),
        note="exercise",
        incidents="inc-1",
        infos=(info, *base.infos[1:]),
    )
    xml = build_alert_xml(alert)
    assert_valid_cap(xml)
    assert parse_alert(xml) == alert


def test_round_trip_of_sample(alert: Alert) -> None:
    xml = build_alert_xml(alert)
    assert_valid_cap(xml)
    assert parse_alert(xml) == alert
    assert build_alert_xml(parse_alert(xml)) == xml


def test_fractional_seconds_dropped_in_model() -> None:
    alert = sample_alert(sent=SENT.replace(microsecond=654321))
    assert alert.sent.microsecond == 0
    assert parse_alert(build_alert_xml(alert)) == alert


def test_schema_error_names_element() -> None:
    root = etree.fromstring(build_alert_xml(sample_alert()))
    root.find("cap:status", NS).text = "Live"
    with pytest.raises(InvalidInput) as err:
        validate_schema(etree.tostring(root))
    assert err.value.field == "alert/status"
    assert "line" in err.value.message


def test_schema_rejects_wrong_order() -> None:
    root = etree.fromstring(build_alert_xml(sample_alert()))
    scope = root.find("cap:scope", NS)
    root.remove(scope)
    root.insert(0, scope)
    with pytest.raises(InvalidInput):
        validate_schema(etree.tostring(root))


def test_parse_rejects_non_cap() -> None:
    with pytest.raises(InvalidInput) as err:
        parse_alert(b"<feed xmlns='http://www.w3.org/2005/Atom'/>")
    assert err.value.field == "alert"


def test_parse_reads_cap_11() -> None:
    xml = build_alert_xml(sample_alert()).replace(b"cap:1.2", b"cap:1.1")
    assert parse_alert(xml).identifier == sample_alert().identifier


def test_parse_names_bad_field() -> None:
    xml = build_alert_xml(sample_alert())
    with pytest.raises(InvalidInput) as err:
        parse_alert(xml.replace(b"<urgency>Expected</urgency>", b"<urgency>Soon</urgency>", 1))
    assert err.value.field == "infos[0].urgency"
    with pytest.raises(InvalidInput) as err:
        parse_alert(xml.replace(b"<sent>2025-09-14T06:30:00+07:00", b"<sent>2025-09-14", 1))
    assert err.value.field == "alert.sent"


def test_golden_file() -> None:
    """The XML of a fixed alert is byte-for-byte the reviewed golden file.

    After a deliberate change, regenerate with ``CITYOPS_UPDATE_GOLDEN=1`` and review the diff.
    """
    xml = build_alert_xml(sample_alert(("en", "vi")))
    path = GOLDEN / "alert_river_flood_en_vi.xml"
    if os.environ.get("CITYOPS_UPDATE_GOLDEN"):
        path.write_bytes(xml)
    golden = path.read_bytes()
    assert xml == golden
    assert_valid_cap(golden)
