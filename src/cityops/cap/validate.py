"""Validation: the official CAP 1.2 XSD, then the publishing profile of ``cap.md``.

Schema errors and profile errors raise :class:`~cityops.errors.InvalidInput` naming the failing
field; recommendations that are not met come back as a list of :class:`Issue` warnings.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from lxml import etree

from cityops.cap.areas import check_polygon
from cityops.cap.document import alert_to_element
from cityops.cap.model import Alert, Info, MsgType
from cityops.errors import InvalidInput
from cityops.safexml import hardened_parser, parse_untrusted

#: The official OASIS CAP 1.2 schema shipped with the package.
SCHEMA_PATH = Path(__file__).parent / "schema" / "CAP-v1.2.xsd"
HEADLINE_MAX = 140


@dataclass(frozen=True)
class Issue:
    """One finding of the profile check: ``level`` is "error" or "warning"."""

    field: str
    message: str
    level: str = "error"


@lru_cache(maxsize=4)
def load_schema(path: str | Path | None = None) -> etree.XMLSchema:
    """Load (once) the CAP XSD from ``path`` or :data:`SCHEMA_PATH`."""
    doc = etree.parse(str(path or SCHEMA_PATH), parser=hardened_parser())
    return etree.XMLSchema(doc)


def validate_schema(
    document: bytes | etree._Element | Alert, schema_path: str | Path | None = None
) -> None:
    """Validate a CAP document (bytes, element or model) against the XSD.

    Raises ``InvalidInput`` with the line, the element path and libxml2's reason.
    """
    if isinstance(document, Alert):
        root = alert_to_element(document)
    elif isinstance(document, (bytes, bytearray)):
        root = parse_untrusted(bytes(document), field="cap")
    else:
        root = document
    schema = load_schema(schema_path)
    if schema.validate(root):
        return
    err = schema.error_log[0]
    raise InvalidInput(f"line {err.line}: {err.message}", field=_readable_path(root, err.path))


def _readable_path(root: etree._Element, xpath: str | None) -> str:
    """Turn libxml2's ``/*/*[4]`` into ``alert/status`` (``info[2]`` when repeated)."""
    try:
        found = root.getroottree().xpath(xpath) if xpath else []
    except etree.XPathError:
        found = []
    if not found or not isinstance(found[0], etree._Element):
        return xpath or "alert"
    parts = []
    for el in [found[0], *found[0].iterancestors()]:
        name = etree.QName(el).localname
        parent = el.getparent()
        same = [] if parent is None else [c for c in parent if c.tag == el.tag]
        parts.append(f"{name}[{same.index(el) + 1}]" if len(same) > 1 else name)
    return "/".join(reversed(parts))


def _profile_info(info: Info, n: int) -> list[Issue]:
    """Profile checks of one info block."""
    p = f"infos[{n}]"
    issues = [
        Issue(f"{p}.{name}", "required by the publishing profile")
        for name in ("description", "web", "expires")
        if not getattr(info, name)
    ]
    issues += [
        Issue(f"{p}.{name}", "recommended", "warning")
        for name in ("sender_name", "instruction", "contact", "headline")
        if not getattr(info, name)
    ]
    if not info.response_type:
        issues.append(Issue(f"{p}.response_type", "recommended", "warning"))
    for name in ("urgency", "severity", "certainty"):
        if getattr(info, name) == "Unknown":
            issues.append(Issue(f"{p}.{name}", "avoid Unknown", "warning"))
    start = info.effective
    if start and info.expires and start > info.expires:
        issues.append(Issue(f"{p}.effective", "effective is after expires"))
    if info.onset and info.expires and info.onset > info.expires:
        issues.append(Issue(f"{p}.onset", "onset is after expires", "warning"))
    if info.headline and len(info.headline) >= HEADLINE_MAX:
        issues.append(Issue(f"{p}.headline", f"headline must be under {HEADLINE_MAX} characters"))
    if info.headline and info.description and info.headline.strip() == info.description.strip():
        issues.append(Issue(f"{p}.headline", "headline must differ from the description"))
    issues += _profile_areas(info, p)
    return issues


def _profile_areas(info: Info, p: str) -> list[Issue]:
    """An area with a polygon, circle or geocode; polygons well formed."""
    issues: list[Issue] = []
    if not any(a.polygons or a.circles or a.geocodes for a in info.areas):
        issues.append(Issue(f"{p}.areas", "at least one area with a polygon, circle or geocode"))
    for i, area in enumerate(info.areas):
        for j, poly in enumerate(area.polygons):
            try:
                check_polygon(poly, field=f"{p}.areas[{i}].polygons[{j}]")
            except InvalidInput as exc:
                issues.append(Issue(exc.field or p, exc.message))
        for j, circle in enumerate(area.circles):
            if not (
                -90 <= circle.lat <= 90 and -180 <= circle.lon <= 180 and circle.radius_km >= 0
            ):
                issues.append(Issue(f"{p}.areas[{i}].circles[{j}]", "circle out of range"))
    return issues


def check_profile(alert: Alert) -> list[Issue]:
    """Return every publishing-profile finding (errors and warnings) of ``alert``."""
    issues: list[Issue] = []
    if not alert.infos:
        issues.append(Issue("infos", "at least one info is required"))
    if alert.msg_type in (MsgType.UPDATE, MsgType.CANCEL) and not alert.references:
        issues.append(
            Issue("references", f"a {alert.msg_type.value} must reference the earlier message(s)")
        )
    if alert.infos:
        first = alert.infos[0]
        for n, info in enumerate(alert.infos[1:], start=1):
            if set(info.category) != set(first.category):
                issues.append(Issue(f"infos[{n}].category", "differs from infos[0]"))
            if set(info.event_code) != set(first.event_code):
                issues.append(Issue(f"infos[{n}].event_code", "differs from infos[0]"))
    for n, info in enumerate(alert.infos):
        issues += _profile_info(info, n)
    return issues


def validate_alert(alert: Alert, schema_path: str | Path | None = None) -> list[Issue]:
    """Validate ``alert`` for publication: XSD, then profile.

    Raises ``InvalidInput`` (with the field) on the first error; returns the warnings.
    """
    validate_schema(alert, schema_path)
    issues = check_profile(alert)
    for issue in issues:
        if issue.level == "error":
            raise InvalidInput(issue.message, field=issue.field)
    return issues
