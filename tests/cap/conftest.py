"""Shared fixtures of the CAP tests: a sample alert and schema oracles."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from lxml import etree

from cityops.cap import Alert, circle_area, draft_infos, make_identifier
from cityops.cap.validate import validate_schema

ICT = timezone(timedelta(hours=7), "ICT")
SENT = datetime(2025, 9, 14, 6, 30, 0, tzinfo=ICT)
OID = "2.49.0.1.418.99"
SENDER = "ioc@pakse.cityops.example"
CONTEXT = {
    "city": "Pakse",
    "station": "Pakse",
    "value": 12.4,
    "threshold": 12.0,
    "hours": 3,
    "unit": "°C",
}
REFERENCE_XSD = Path("/work/shared/reference/cap/CAP-v1.2.xsd")

try:  # an independent oracle, with its own copy of the OASIS schema
    from capvalidator import check_schema as _capvalidator_check
except ImportError:  # pragma: no cover - optional test oracle
    _capvalidator_check = None


def assert_valid_cap(document: bytes) -> None:
    """The document validates against the packaged XSD, the reference XSD and capvalidator."""
    validate_schema(document)
    if REFERENCE_XSD.exists():
        schema = etree.XMLSchema(etree.parse(str(REFERENCE_XSD)))
        assert schema.validate(etree.fromstring(document)), schema.error_log
    if _capvalidator_check is not None:
        result = _capvalidator_check(document)
        assert result.passed, result.message


def sample_alert(
    languages: tuple[str, ...] = ("en", "lo"),
    hazard: str = "river_flood",
    level: str = "severe",
    sent: datetime = SENT,
) -> Alert:
    """A publishable alert drafted from the templates."""
    infos = draft_infos(
        hazard,
        level,
        CONTEXT,
        languages,
        areas=[circle_area("Pakse, along the Mekong", 15.1202, 105.799, 10)],
        effective=sent,
        onset=sent,
        expires=sent + timedelta(hours=12),
        sender_name="Pakse Integrated Operations Centre",
        web="https://pakse.cityops.example/alerts",
        contact="ioc@pakse.cityops.example",
        parameters=[("waterLevel_m", "12.4")],
    )
    return Alert(
        identifier=make_identifier(OID, sent), sender=SENDER, sent=sent, infos=tuple(infos)
    )


@pytest.fixture
def alert() -> Alert:
    """The sample alert (English and Lao)."""
    return sample_alert()


@pytest.fixture
def valid_cap() -> Callable[[bytes], None]:
    """The schema assertion as a fixture."""
    return assert_valid_cap
