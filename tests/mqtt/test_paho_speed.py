"""The fast paho ``Properties`` methods give the same packets, values and errors as paho's."""

from __future__ import annotations

from typing import Any

import pytest
from paho.mqtt.exception import MalformedPacket, MQTTException
from paho.mqtt.matcher import MQTTMatcher
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties, readUTF

from cityops.mqtt import paho_speed
from cityops.mqtt.paho_speed import read_utf

# one value (or two, for the properties that may repeat) of each property type
SAMPLES: dict[int, list[Any]] = {
    0: [1, 0],
    1: [300, 65535],
    2: [70000, 1],
    3: [321, 268435455],
    4: [b"\x00corr\xff", b""],
    5: ["text/ünicode", ""],
    6: [("authorization", "Bearer t"), ("k", "v")],
}


@pytest.fixture(autouse=True)
def fast() -> None:
    paho_speed.install()  # as MqttService does


PACKETS = [*PacketTypes.indexes, PacketTypes.WILLMESSAGE]


def build(packet: int, assignments: list[tuple[str, Any]]) -> tuple[Any, Any]:
    """(packed bytes, or the error) after setting each attribute in turn."""
    props = Properties(packet)
    try:
        for name, value in assignments:
            setattr(props, name, value)
        return props.pack(), str(props), props.isEmpty()
    except (MQTTException, IndexError) as exc:  # IndexError: paho names no will packet
        return type(exc), str(exc)[:40], None


def cases() -> list[tuple[int, list[tuple[str, Any]]]]:
    out = []
    for packet in PACKETS:
        for name, ident in paho_speed.NAMES.items():
            kind = paho_speed.PROPERTIES[ident][0]
            for value in SAMPLES[kind]:
                out.append((packet, [(name.replace(" ", ""), value)]))
            out.append((packet, [(name, SAMPLES[kind][0]), (name, SAMPLES[kind][1])]))
    out.append((PacketTypes.PUBLISH, [("NotAProperty", 1)]))
    out.append((PacketTypes.CONNECT, [("ReceiveMaximum", 0)]))
    out.append((PacketTypes.CONNECT, [("RequestProblemInformation", 2)]))
    return out


def run_all() -> list[Any]:
    results = []
    for packet, assignments in cases():
        packed = build(packet, assignments)
        results.append(packed)
        if isinstance(packed[0], bytes):
            back = Properties(packet)
            back.unpack(packed[0])
            results.append((back.pack(), back.json()))
    return results


def test_same_packets_values_and_errors_as_paho() -> None:
    fast = run_all()
    paho_speed.uninstall()
    try:
        slow = run_all()
    finally:
        paho_speed.install()
    assert len(fast) > 1000
    assert sum(isinstance(r[0], bytes) for r in fast) > 300  # not only errors
    assert fast == slow


def test_repeated_single_property_is_rejected_on_unpack() -> None:
    one = Properties(PacketTypes.PUBLISH)
    one.ContentType = "a"
    body = one.pack()[1:]  # without the length
    twice = bytes([len(body) * 2]) + body + body
    with pytest.raises(MQTTException, match="ContentType|Content Type"):
        Properties(PacketTypes.PUBLISH).unpack(twice)


def test_instances_share_the_tables() -> None:
    a, b = Properties(PacketTypes.PUBLISH), Properties(PacketTypes.CONNECT)
    assert a.names is b.names is paho_speed.NAMES
    assert "names" not in a.__dict__


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Bearer abc",
        "ünïcødé ✓ 水位",
        "a\x00b",
        "x\ufeff",
        "emoji 🌊",
        "\U0010ffff",
    ],
)
def test_read_utf_as_paho(text: str) -> None:
    raw = text.encode("utf-8")
    buffer = len(raw).to_bytes(2, "big") + raw + b"rest"
    for maxlen in (len(raw) + 2, len(raw) + 1, 1, 100):
        assert outcome(read_utf, buffer, maxlen) == outcome(readUTF, buffer, maxlen)


def test_read_utf_rejects_surrogates_as_paho() -> None:
    raw = "a\ud800".encode("utf-8", "surrogatepass")
    buffer = len(raw).to_bytes(2, "big") + raw
    assert outcome(read_utf, buffer, 10) == outcome(readUTF, buffer, 10)


def outcome(fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except (MalformedPacket, UnicodeDecodeError) as exc:
        return type(exc), str(exc)


@pytest.mark.parametrize("filters", [[], ["a/+/c"], ["#"], ["$SYS/#", "a/b"]])
def test_topic_matching_as_paho(filters: list[str]) -> None:
    matcher = MQTTMatcher()
    for i, f in enumerate(filters):
        matcher[f] = i
    for topic in ["a/b/c", "a/b", "$SYS/x", "v1.1/Datastreams(1)/Observations"]:
        assert list(matcher.iter_match(topic)) == list(
            paho_speed.ORIGINAL_ITER_MATCH(matcher, topic)
        )


def test_installed_on_the_paho_it_was_written_for() -> None:
    assert paho_speed.incompatibility() is None
    assert paho_speed.install() is True and paho_speed.installed()


@pytest.mark.parametrize("version", ["3.0.0", "2.0.1", None])
def test_another_paho_version_falls_back_to_plain_paho_with_a_warning(
    version: str | None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    paho_speed.uninstall()
    monkeypatch.setattr(paho_speed, "paho_version", lambda: version)
    with caplog.at_level("WARNING", "cityops.mqtt.paho_speed"):
        assert paho_speed.install() is False
    assert not paho_speed.installed()
    assert Properties.__dict__["__init__"] is paho_speed.ORIGINAL["__init__"]
    assert "using plain paho-mqtt" in caplog.text and "is not one of" in caplog.text
    props = paho_speed.PackedProperties(PacketTypes.PUBLISH)  # still works, paho's way
    props.UserProperty = [("k", "v")]
    assert props.pack() == props.pack() and len(props.pack()) > 4


def test_a_missing_paho_method_falls_back_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    paho_speed.uninstall()
    monkeypatch.delitem(paho_speed.ORIGINAL, "readProperty")  # as if paho had renamed it
    with caplog.at_level("WARNING", "cityops.mqtt.paho_speed"):
        assert paho_speed.install() is False
    assert "lacks readProperty" in caplog.text
    assert not paho_speed.installed()
