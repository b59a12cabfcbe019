"""Hardened XML parsing and IATI 2.03 schema validation.

Untrusted files go through two parsers. First defusedxml's expat parser with every DTD,
entity declaration and external reference forbidden: it reports the line of a DOCTYPE,
an entity bomb ("billion laughs"), an external entity, or malformed XML. Then lxml, itself
set to resolve no entities, load no DTD and use no network, builds the tree that is
validated against the official IATI schema shipped in ``schema/``.
"""

from __future__ import annotations

import copy
import functools
from importlib import resources
from xml.etree.ElementTree import ParseError

import defusedxml
from defusedxml import EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import DefusedXMLParser
from lxml import etree

from cityops.errors import InvalidInput, TooLarge

XML_NS = "http://www.w3.org/XML/1998/namespace"
MAX_BYTES = 100 * 1024 * 1024


class XMLRejected(InvalidInput):
    """An XML file that is malformed, hostile or invalid; ``line`` is where it went wrong."""

    def __init__(self, reason: str, *, line: int | None, field: str | None = "xml") -> None:
        where = f"line {line}: " if line is not None else ""
        super().__init__(f"{where}{reason}", field=field)
        self.line = line
        self.reason = reason


def _hostile_reason(exc: defusedxml.DefusedXmlException) -> str:
    if isinstance(exc, EntitiesForbidden):
        if exc.sysid or exc.pubid:
            target = exc.sysid or exc.pubid
            return f"external entity {exc.name!r} ({target}) is refused"
        return f"entity declaration {exc.name!r} is refused (entity expansion attack)"
    if isinstance(exc, ExternalReferenceForbidden):
        return f"external reference {exc.sysid or exc.pubid!r} is refused"
    return f"refused: {exc}"


def _prescan(data: bytes) -> None:
    """Run the defused expat parser over the bytes; raise XMLRejected with the line.

    Entity declarations are refused where they stand (so the reason tells an entity bomb
    from an external entity); any DOCTYPE left is refused at its own line afterwards.
    """
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
        raise XMLRejected(_hostile_reason(exc), line=expat.CurrentLineNumber) from None
    except ParseError as exc:
        line, _column = exc.position
        reason = str(exc).split(": line", 1)[0]
        raise XMLRejected(f"malformed XML: {reason}", line=line) from None
    if doctype:
        line, name = doctype[0]
        raise XMLRejected(f"a DOCTYPE ({name}) is not allowed: no DTD is loaded", line=line)


def _lxml_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_untrusted(data: bytes, *, max_bytes: int = MAX_BYTES) -> etree._Element:
    """Parse untrusted XML bytes into an lxml element, refusing anything hostile.

    Raises :class:`TooLarge` past ``max_bytes`` and :class:`XMLRejected` (an InvalidInput)
    with the line number and reason for malformed XML, a DTD, entities or external references.
    """
    if not isinstance(data, (bytes, bytearray)):
        raise InvalidInput("the XML file must be given as bytes", field="xml")
    if len(data) > max_bytes:
        raise TooLarge(f"XML file of {len(data)} bytes is over the {max_bytes} limit", field="xml")
    _prescan(bytes(data))
    try:
        root = etree.fromstring(bytes(data), _lxml_parser())
    except etree.XMLSyntaxError as exc:
        raise XMLRejected(f"malformed XML: {exc.msg}", line=exc.lineno) from None
    if root.getroottree().docinfo.internalDTD is not None:  # belt and braces
        raise XMLRejected("a DOCTYPE/DTD is not allowed", line=1)
    return root


def strip_foreign(root: etree._Element) -> etree._Element:
    """Return a copy without elements or attributes in other namespaces than IATI's.

    IATI lets publishers extend any element with elements and attributes in an explicit
    namespace; a few IATI elements do not declare the extension points, so removing them
    before validation accepts every extension the standard allows.
    """
    clean = copy.deepcopy(root)
    foreign = [el for el in clean.iter(etree.Element) if etree.QName(el).namespace is not None]
    for el in foreign:
        parent = el.getparent()
        if parent is not None and etree.QName(parent).namespace is None:
            parent.remove(el)
    for el in clean.iter(etree.Element):
        for name in list(el.attrib):
            namespace = etree.QName(name).namespace
            if namespace is not None and namespace != XML_NS:
                del el.attrib[name]
    return clean


@functools.cache
def iati_schema() -> etree.XMLSchema:
    """The IATI 2.03 activities schema, loaded once from the package's ``schema`` folder."""
    folder = resources.files("cityops.programmes") / "schema"
    with resources.as_file(folder / "iati-activities-schema.xsd") as path:
        doc = etree.parse(str(path), etree.XMLParser(no_network=True, resolve_entities=False))
        return etree.XMLSchema(doc)


def validate_iati(root: etree._Element, *, max_errors: int = 5) -> None:
    """Validate an ``iati-activities`` tree (extensions stripped); raise XMLRejected if invalid."""
    if etree.QName(root).localname != "iati-activities" or etree.QName(root).namespace:
        raise XMLRejected(
            f"root element is <{root.tag}>, expected <iati-activities>", line=root.sourceline
        )
    schema = iati_schema()
    if schema.validate(strip_foreign(root)):
        return
    errors = list(schema.error_log)[:max_errors]
    first = errors[0]
    reasons = "; ".join(f"line {e.line}: {e.message}" for e in errors[1:])
    reason = f"not valid IATI 2.03: {first.message}" + (f" (also {reasons})" if reasons else "")
    raise XMLRejected(reason, line=first.line, field=first.path or "xml")
