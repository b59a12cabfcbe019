"""Public warnings: OASIS CAP 1.2 alerts (pure: no database, no HTTP).

- :mod:`.model`: typed, immutable Alert / Info / Area
- :mod:`.document` / :mod:`.parse`: XML out (schema order) and in (hardened)
- :mod:`.safexml`: the hardened XML parser for everything read from outside
- :mod:`.validate`: the official XSD (``schema/``) plus the publishing profile
- :mod:`.identifiers`: WMO-style OID identifiers, references, Update / Cancel / AllClear
- :mod:`.areas`: circles, GeoJSON polygons (lat,lon, 6 decimals, simple)
- :mod:`.templates`: per-hazard texts in nine languages, ``draft_infos``, ``cap_word``;
  :mod:`.hazard_levels`: the CAP values and level names of each text block
- :mod:`.feeds`, :mod:`.importer`: Atom / RSS out, outside feeds in
- :mod:`.signing`: XML-DSig (RSA-SHA256, enveloped)
"""

from cityops.cap.areas import area_from_geojson, check_polygon, circle_area, polygons_from_geojson
from cityops.cap.document import alert_to_element, build_alert_xml, format_time, local_time
from cityops.cap.feeds import build_atom_feed, build_rss_feed, is_current
from cityops.cap.identifiers import (
    IdentifierFactory,
    make_all_clear,
    make_cancel,
    make_identifier,
    make_update,
    parse_references,
    reference_to,
)
from cityops.cap.importer import FeedEntry, parse_cap, parse_feed
from cityops.cap.model import (
    CAP_MIME,
    CAP_NS,
    Alert,
    Area,
    Category,
    Certainty,
    Circle,
    Info,
    MsgType,
    Resource,
    ResponseType,
    Scope,
    Severity,
    Status,
    Urgency,
    ValuePair,
)
from cityops.cap.parse import parse_alert
from cityops.cap.signing import sign_alert, verify_alert
from cityops.cap.templates import HAZARDS, LANGUAGES, LEVELS, cap_word, draft_infos
from cityops.cap.validate import SCHEMA_PATH, Issue, check_profile, validate_alert, validate_schema

__all__ = [
    "CAP_MIME",
    "CAP_NS",
    "HAZARDS",
    "LANGUAGES",
    "LEVELS",
    "SCHEMA_PATH",
    "Alert",
    "Area",
    "Category",
    "Certainty",
    "Circle",
    "FeedEntry",
    "IdentifierFactory",
    "Info",
    "Issue",
    "MsgType",
    "Resource",
    "ResponseType",
    "Scope",
    "Severity",
    "Status",
    "Urgency",
    "ValuePair",
    "alert_to_element",
    "area_from_geojson",
    "build_alert_xml",
    "build_atom_feed",
    "build_rss_feed",
    "cap_word",
    "check_polygon",
    "check_profile",
    "circle_area",
    "draft_infos",
    "format_time",
    "is_current",
    "local_time",
    "make_all_clear",
    "make_cancel",
    "make_identifier",
    "make_update",
    "parse_alert",
    "parse_cap",
    "parse_feed",
    "parse_references",
    "polygons_from_geojson",
    "reference_to",
    "sign_alert",
    "validate_alert",
    "validate_schema",
    "verify_alert",
]
