"""IATI 2.03 schema validation of parsed files (parsing itself: ``cityops.safexml``).

Untrusted IATI files are parsed by :func:`cityops.safexml.parse_untrusted` (the one hardened
XML parser), then validated here against the official IATI schema shipped in ``schema/``.
"""

from __future__ import annotations

import copy
import functools
from importlib import resources

from lxml import etree

from cityops.safexml import XMLRejected

XML_NS = "http://www.w3.org/XML/1998/namespace"


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
