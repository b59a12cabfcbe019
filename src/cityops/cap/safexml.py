"""Hardened XML parsing for everything CityOps reads from outside (CAP documents, feeds).

The parser never expands entities, never loads a DTD and never touches the network; on top of
that any document carrying a DOCTYPE is refused outright, so billion-laughs and external-entity
(XXE) payloads are rejected before their entities could matter. Errors are
:class:`~cityops.errors.InvalidInput` naming the line and the reason.
"""

from __future__ import annotations

import re

from lxml import etree

from cityops.errors import InvalidInput

#: Largest document accepted by default (a national feed or a CAP message is far smaller).
MAX_BYTES = 5 * 1024 * 1024


def hardened_parser() -> etree.XMLParser:
    """Return a new lxml parser with entity expansion, DTD loading and network access off."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_pis=True,
    )


_ROOT_START = re.compile(rb"<[A-Za-z_]")


def _doctype_line(data: bytes) -> int:
    """Best-effort line number of the DOCTYPE declaration in ``data``."""
    pos = data.upper().find(b"<!DOCTYPE")
    return data.count(b"\n", 0, pos) + 1 if pos >= 0 else 1


def parse_xml(data: bytes, *, what: str = "document", max_bytes: int = MAX_BYTES) -> etree._Element:
    """Parse untrusted XML ``data`` and return its root element.

    Raises ``InvalidInput(field=what)`` when the data is not bytes, too large, not well-formed,
    or declares a DTD (any ``<!DOCTYPE``, hence any entity declaration).
    """
    if not isinstance(data, (bytes, bytearray)):
        raise InvalidInput("XML must be given as bytes", field=what)
    if len(data) > max_bytes:
        raise InvalidInput(f"{what} larger than {max_bytes} bytes", field=what)
    first = _ROOT_START.search(data)
    prolog = bytes(data[: first.start() if first else len(data)])
    if b"<!DOCTYPE" in prolog.upper():
        line = _doctype_line(prolog)
        raise InvalidInput(f"line {line}: DTD and entity declarations are not allowed", field=what)
    try:
        root = etree.fromstring(bytes(data), parser=hardened_parser())
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno else exc.position[0]
        raise InvalidInput(f"line {line}: malformed XML: {exc.msg}", field=what) from None
    # Belt and braces: another encoding (UTF-16 ...) could hide the byte scan above.
    info = root.getroottree().docinfo
    if info.internalDTD is not None or info.externalDTD is not None or info.doctype:
        raise InvalidInput(f"line {_doctype_line(bytes(data))}: DTD is not allowed", field=what)
    return root
