"""Hardened parsing of every XML document CityOps reads from outside: CAP messages, Atom/RSS
feeds, IATI files. One parser, one set of limits, one error type.

Two passes. First defusedxml's expat parser with entity declarations and external references
forbidden: it tells an entity bomb ("billion laughs") from an external entity (XXE) and
reports the line of the declaration; any DOCTYPE left (an external DTD) is refused at its own
line. Then lxml, itself set to resolve no entities, load no DTD, use no network, and keep its
default limits (``huge_tree`` off: nesting depth 256, text nodes up to 10 MB), builds the tree;
comments and processing instructions are dropped, so readers see elements and text only.

Limits: at most :data:`MAX_BYTES` per document (callers may only lower it); past it
:class:`~cityops.errors.TooLarge` (HTTP 413). Everything else hostile or malformed is
:class:`XMLRejected`, an ``InvalidInput`` (HTTP 400) naming the field, the line and the reason.
"""

from __future__ import annotations

from xml.etree.ElementTree import ParseError

import defusedxml
from defusedxml import EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import DefusedXMLParser
from lxml import etree

from cityops.errors import InvalidInput, TooLarge

#: Largest document accepted (an IATI file of a big publisher; a CAP message is far smaller).
MAX_BYTES = 100 * 1024 * 1024


class XMLRejected(InvalidInput):
    """An XML document that is malformed, hostile or invalid; ``line`` is where it went wrong."""

    def __init__(self, reason: str, *, line: int | None, field: str | None = "xml") -> None:
        where = f"line {line}: " if line is not None else ""
        super().__init__(f"{where}{reason}", field=field)
        self.line = line
        self.reason = reason


def hardened_parser() -> etree.XMLParser:
    """A new lxml parser: no entity expansion, no DTD, no network, default size limits."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def _hostile_reason(exc: defusedxml.DefusedXmlException) -> str:
    prefix = "DTD and entity declarations are not allowed"
    if isinstance(exc, EntitiesForbidden):
        if exc.sysid or exc.pubid:
            target = exc.sysid or exc.pubid
            return f"{prefix}: external entity {exc.name!r} ({target}) is refused"
        return f"{prefix}: entity declaration {exc.name!r} is refused (entity expansion attack)"
    if isinstance(exc, ExternalReferenceForbidden):
        return f"{prefix}: external reference {exc.sysid or exc.pubid!r} is refused"
    return f"refused: {exc}"


def _prescan(data: bytes, field: str) -> None:
    """Run the defused expat parser over the bytes; raise XMLRejected with the line."""
    parser = DefusedXMLParser(forbid_dtd=False, forbid_entities=True, forbid_external=True)
    expat = parser.parser
    doctype: list[tuple[int, str]] = []
    expat.StartDoctypeDeclHandler = lambda name, sysid, pubid, internal: doctype.append(
        (expat.CurrentLineNumber, name)
    )
    try:
        parser.feed(data)
        parser.close()
    except defusedxml.DefusedXmlException as exc:
        raise XMLRejected(_hostile_reason(exc), line=expat.CurrentLineNumber, field=field) from None
    except ParseError as exc:
        line, _column = exc.position
        reason = str(exc).split(": line", 1)[0]
        raise XMLRejected(f"malformed XML: {reason}", line=line, field=field) from None
    if doctype:
        line, name = doctype[0]
        reason = f"a DOCTYPE ({name}) is not allowed: no DTD is loaded"
        raise XMLRejected(reason, line=line, field=field)


def parse_untrusted(
    data: bytes, *, field: str = "xml", max_bytes: int = MAX_BYTES
) -> etree._Element:
    """Parse untrusted XML bytes into an lxml element, refusing anything hostile.

    ``field`` names the input in errors ("cap", "feed", "xml"). Raises :class:`TooLarge`
    past ``max_bytes`` (never above :data:`MAX_BYTES`) and :class:`XMLRejected` with the line
    and reason for malformed XML, a DTD, entities or external references.
    """
    if not isinstance(data, (bytes, bytearray)):
        raise InvalidInput("XML must be given as bytes", field=field)
    limit = min(max_bytes, MAX_BYTES)
    if len(data) > limit:
        raise TooLarge(f"{field}: {len(data)} bytes is over the {limit} limit", field=field)
    _prescan(bytes(data), field)
    try:
        root = etree.fromstring(bytes(data), hardened_parser())
    except etree.XMLSyntaxError as exc:
        raise XMLRejected(f"malformed XML: {exc.msg}", line=exc.lineno, field=field) from None
    info = root.getroottree().docinfo  # belt and braces
    if info.internalDTD is not None or info.externalDTD is not None or info.doctype:
        raise XMLRejected("a DOCTYPE/DTD is not allowed", line=1, field=field)
    return root
