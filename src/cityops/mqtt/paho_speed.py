"""Faster MQTT 5 properties and topic matching for paho-mqtt: same results, less work.

Why: paho's ``Properties`` rebuilds its three tables (27 property names, their types and
packet types) in every ``__init__`` and finds a property by scanning those tables with
``str.replace`` on each name. Every received PUBLISH creates one, so with a single user
property (the device token) decoding the properties took about 60 µs a message (15 µs of
it the constructor): the largest cost of MQTT ingest (py-spy on ``bench/mqtt_ingest.py``:
over half of the busy time of ``cityops serve`` was in paho's ``Properties``).

Two more per-message costs, found the same way: ``readUTF`` checks a string for the
characters MQTT forbids one character at a time (about 10 % of the ingest's busy time with a
device token in every message), and the matching of a topic against per-topic callbacks
(14 %) runs even when there are none (aiomqtt registers none).

``install()`` replaces the slow methods on paho's own classes (paho builds its instances by
that name, so a subclass would not be used) with ones that read tables built once from
an instance made by the original constructor. Pack and unpack results and the error cases
are unchanged (one error message now names the repeated property where paho's printed
the ``property`` builtin): ``tests/mqtt/test_paho_speed.py`` compares them with the
original methods for every property of every packet type. The originals are kept in
``ORIGINAL`` and ``ORIGINAL_ITER_MATCH``.

The replaced methods and the attributes read are paho's internals, checked against the
paho-mqtt minors in :data:`TESTED_MINORS` (pinned in pyproject.toml). ``install()`` first
checks the installed version and that every method and table it replaces or reads exists;
if not, it leaves paho alone and logs a warning: MQTT then works at paho's own speed.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from importlib import metadata
from typing import Any

from paho.mqtt.exception import MalformedPacket, MQTTException
from paho.mqtt.matcher import MQTTMatcher
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import (
    Properties,
    VariableByteIntegers,
    readBytes,
    readInt16,
    readInt32,
    writeBytes,
    writeInt16,
    writeInt32,
    writeUTF,
)

_METHODS = (
    "__init__",
    "allowsMultiple",
    "getIdentFromName",
    "getNameFromIdent",
    "__setattr__",
    "clear",
    "isEmpty",
    "readProperty",
    "unpack",
    "writeProperty",
    "pack",
)
#: paho-mqtt minors these replacements were written for and compared with (tests).
TESTED_MINORS = ("2.2",)
EXPECTED_TYPES = [
    "Byte",
    "Two Byte Integer",
    "Four Byte Integer",
    "Variable Byte Integer",
    "Binary Data",
    "UTF-8 Encoded String",
    "UTF-8 String Pair",
]
log = logging.getLogger(__name__)

ORIGINAL: dict[str, Any] = {
    name: Properties.__dict__[name] for name in _METHODS if name in Properties.__dict__
}
ORIGINAL_ITER_MATCH: Any = getattr(MQTTMatcher, "iter_match", None)


def _template_tables() -> tuple[list[str], dict[str, int], dict[int, tuple[int, list[int]]]]:
    """The tables paho's constructor sets on each instance (empty if it no longer does)."""
    try:
        template = Properties(PacketTypes.PUBLISH)
        return template.types, template.names, template.properties
    except Exception:  # another paho: install() will refuse, never import-time failure
        return [], {}, {}


TYPES, NAMES, PROPERTIES = _template_tables()
_IDENT = {name.replace(" ", ""): ident for name, ident in NAMES.items()}  # compressed -> id
_NAME = {ident: name for name, ident in NAMES.items()}  # id -> spaced name
_COMPRESSED = tuple(_IDENT)  # in the order of NAMES, as paho's pack() walks them
_MULTIPLE = frozenset({11, 38})  # Subscription Identifier, User Property
_PRIVATE = frozenset({"packetType", "types", "names", "properties"})
_BYTE, _INT16, _INT32, _VBI, _BINARY, _UTF8, _PAIR = range(7)


def paho_version() -> str | None:
    """The installed paho-mqtt version, from its distribution metadata."""
    try:
        return metadata.version("paho-mqtt")
    except metadata.PackageNotFoundError:
        return None


def incompatibility() -> str | None:
    """Why the speed-ups must not be installed on this paho, or None when they may."""
    version = paho_version()
    if version is None or ".".join(version.split(".")[:2]) not in TESTED_MINORS:
        return f"paho-mqtt {version or 'of unknown version'} is not one of {TESTED_MINORS}"
    missing = [name for name in _METHODS if name not in ORIGINAL]
    if missing:
        return f"paho's Properties lacks {', '.join(missing)}"
    if TYPES != EXPECTED_TYPES or not NAMES or not PROPERTIES:
        return "paho's Properties tables (types, names, properties) changed"
    root = getattr(MQTTMatcher(), "_root", None)
    if (
        ORIGINAL_ITER_MATCH is None
        or not hasattr(root, "_children")
        or not hasattr(root, "_content")
    ):
        return "paho's MQTTMatcher internals (iter_match, _root) changed"
    return None


def _init(self: Properties, packetType: int) -> None:
    object.__setattr__(self, "packetType", packetType)


def _allows_multiple(self: Properties, compressedName: str) -> bool:
    return _IDENT.get(compressedName, -1) in _MULTIPLE


def _ident_from_name(self: Properties, compressedName: str) -> int:
    return _IDENT.get(compressedName, -1)


def _name_from_ident(self: Properties, identifier: int) -> str | None:
    return _NAME.get(identifier)


def _setattr(self: Properties, name: str, value: Any) -> None:
    name = name.replace(" ", "")
    if name in _PRIVATE:
        object.__setattr__(self, name, value)
        return
    ident = _IDENT.get(name)
    if ident is None:
        raise MQTTException(f"Property name must be one of {NAMES.keys()}")
    if self.packetType not in PROPERTIES[ident][1]:
        raise MQTTException(
            f"Property {name} does not apply to packet type {PacketTypes.Names[self.packetType]}"
        )
    if not isinstance(value, list):
        _check_range(name, value)
    if ident in _MULTIPLE:
        if not isinstance(value, list):
            value = [value]
        if name in self.__dict__:
            value = self.__dict__[name] + value
    object.__setattr__(self, name, value)


def _check_range(name: str, value: Any) -> None:
    if name in ("ReceiveMaximum", "TopicAlias") and (value < 1 or value > 65535):
        raise MQTTException(f"{name} property value must be in the range 1-65535")
    if name == "TopicAliasMaximum" and (value < 0 or value > 65535):
        raise MQTTException(f"{name} property value must be in the range 0-65535")
    if name in ("MaximumPacketSize", "SubscriptionIdentifier") and (value < 1 or value > 268435455):
        raise MQTTException(f"{name} property value must be in the range 1-268435455")
    if name in (
        "RequestResponseInformation",
        "RequestProblemInformation",
        "PayloadFormatIndicator",
    ) and value not in (0, 1):
        raise MQTTException(f"{name} property value must be 0 or 1")


def _clear(self: Properties) -> None:
    present = self.__dict__
    for name in [n for n in present if n in _IDENT]:
        del present[name]


def _is_empty(self: Properties) -> bool:
    return not any(name in self.__dict__ for name in _COMPRESSED)


# characters MQTT forbids in strings (MQTT 5, 1.5.4), with paho's message for each
_FORBIDDEN = re.compile("[\x00\ud800-\udfff\ufeff]")
_FORBIDDEN_MESSAGE = {
    "\x00": "[MQTT-1.5.4-2] Null found in UTF-8 data",
    "\ufeff": "[MQTT-1.5.4-3] U+FEFF in UTF-8 data",
}


def read_utf(buffer: bytes, maxlen: int) -> tuple[str, int]:
    """paho's ``readUTF`` with one regular-expression search instead of a loop over the
    characters (same strings, same errors)."""
    if maxlen < 2:
        raise MalformedPacket("Not enough data to read string length")
    length = readInt16(buffer)
    if length > maxlen - 2:
        raise MalformedPacket("Length delimited string too long")
    text = buffer[2 : 2 + length].decode("utf-8")
    bad = _FORBIDDEN.search(text)
    if bad is not None:
        raise MalformedPacket(
            _FORBIDDEN_MESSAGE.get(bad.group(), "[MQTT-1.5.4-1] D800-DFFF found in UTF-8 data")
        )
    return text, length + 2


def _iter_match(self: MQTTMatcher, topic: str) -> Iterator[Any]:
    """No per-topic callbacks (aiomqtt registers none): nothing to match; otherwise
    paho's own matching."""
    root = self._root
    if not root._children and root._content is None:
        return iter(())
    return ORIGINAL_ITER_MATCH(self, topic)


def _read_property(self: Properties, buffer: bytes, type: int, propslen: int) -> Any:
    if type == _BYTE:
        return buffer[0], 1
    if type == _INT16:
        return readInt16(buffer), 2
    if type == _INT32:
        return readInt32(buffer), 4
    if type == _VBI:
        return VariableByteIntegers.decode(buffer)
    if type == _BINARY:
        return readBytes(buffer, propslen)
    if type == _UTF8:
        return read_utf(buffer, propslen)
    if type == _PAIR:
        first, n1 = read_utf(buffer, propslen)
        second, n2 = read_utf(buffer[n1:], propslen - n1)
        return (first, second), n1 + n2
    return None, None  # paho leaves an unknown type unbound (an UnboundLocalError)


def _write_property(self: Properties, identifier: int, type: int, value: Any) -> bytes:
    head = VariableByteIntegers.encode(identifier)
    if type == _BYTE:
        return head + bytes([value])
    if type == _INT16:
        return head + writeInt16(value)
    if type == _INT32:
        return head + writeInt32(value)
    if type == _VBI:
        return head + VariableByteIntegers.encode(value)
    if type == _BINARY:
        return head + writeBytes(value)
    if type == _UTF8:
        return head + writeUTF(value)
    if type == _PAIR:
        return head + writeUTF(value[0]) + writeUTF(value[1])
    return head


def _pack(self: Properties) -> bytes:
    present = self.__dict__
    parts: list[bytes] = []
    for name in _COMPRESSED:
        if name in present:
            ident = _IDENT[name]
            kind = PROPERTIES[ident][0]
            if ident in _MULTIPLE:
                parts.extend(_write_property(self, ident, kind, v) for v in present[name])
            else:
                parts.append(_write_property(self, ident, kind, present[name]))
    body = b"".join(parts)
    return VariableByteIntegers.encode(len(body)) + body


def _unpack(self: Properties, buffer: bytes) -> tuple[Properties, int]:
    _clear(self)
    propslen, vbi_len = VariableByteIntegers.decode(buffer)
    buffer = buffer[vbi_len:]
    left = propslen
    while left > 0:
        identifier, n = VariableByteIntegers.decode(buffer)
        buffer = buffer[n:]
        left -= n
        value, n = _read_property(self, buffer, PROPERTIES[identifier][0], left)
        buffer = buffer[n:]
        left -= n
        name = _NAME[identifier]
        if identifier not in _MULTIPLE and name.replace(" ", "") in self.__dict__:
            raise MQTTException(f"Property '{name}' must not exist more than once")
        _setattr(self, name, value)
    return self, propslen + vbi_len


_FAST = {
    "__init__": _init,
    "allowsMultiple": _allows_multiple,
    "getIdentFromName": _ident_from_name,
    "getNameFromIdent": _name_from_ident,
    "__setattr__": _setattr,
    "clear": _clear,
    "isEmpty": _is_empty,
    "readProperty": _read_property,
    "unpack": _unpack,
    "writeProperty": _write_property,
    "pack": _pack,
}


class PackedProperties(Properties):
    """Properties sent unchanged on many messages: packed once, not on every publish."""

    def pack(self) -> bytes:
        packed = self.__dict__.get("_packed")
        if packed is None:
            packed = Properties.pack(self)  # the fast one when installed, else paho's
            object.__setattr__(self, "_packed", packed)
        return packed


def install() -> bool:
    """Use the fast methods on paho's ``Properties`` (idempotent); True if installed.

    On a paho that is not the one they were written for, nothing is replaced and a warning
    is logged: never an assertion, MQTT keeps working with paho's own methods.
    """
    reason = incompatibility()
    if reason is not None:
        log.warning("MQTT speed-ups not installed, using plain paho-mqtt: %s", reason)
        return False
    for name, fn in _FAST.items():
        setattr(Properties, name, fn)
    # the tables the original constructor set on each instance, now shared
    Properties.types, Properties.names, Properties.properties = TYPES, NAMES, PROPERTIES
    MQTTMatcher.iter_match = _iter_match  # type: ignore[method-assign]
    return True


def installed() -> bool:
    """Whether paho's ``Properties`` currently runs the fast methods."""
    return Properties.__dict__.get("pack") is _pack


def uninstall() -> None:
    """Back to paho's own methods (tests compare the two)."""
    for name, fn in ORIGINAL.items():
        setattr(Properties, name, fn)
    if ORIGINAL_ITER_MATCH is not None:
        MQTTMatcher.iter_match = ORIGINAL_ITER_MATCH  # type: ignore[method-assign]
    for table in ("types", "names", "properties"):
        if table in Properties.__dict__:
            delattr(Properties, table)
