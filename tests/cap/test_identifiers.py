"""WMO OID identifiers, references, and Update / Cancel / AllClear chains."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cityops.cap import (
    Alert,
    IdentifierFactory,
    MsgType,
    build_alert_xml,
    make_all_clear,
    make_cancel,
    make_identifier,
    make_update,
    parse_alert,
    parse_references,
    reference_to,
    validate_alert,
)
from cityops.errors import Conflict, InvalidInput

from .conftest import OID, SENDER, SENT, assert_valid_cap, sample_alert


def test_identifier_format() -> None:
    t = datetime(2025, 3, 5, 14, 7, 9, tzinfo=UTC)
    assert make_identifier("2.49.0.1.704.1", t) == "urn:oid:2.49.0.1.704.1.2025.3.5.14.7.9"
    assert make_identifier("2.49.0.1.704.1", t, 2).endswith(".14.7.9.2")


def test_identifier_uses_utc_fields() -> None:
    assert make_identifier(OID, SENT) == f"urn:oid:{OID}.2025.9.13.23.30.0"


@pytest.mark.parametrize("oid", ["", "2..49", "2.49.x", "02.49", "2.49."])
def test_bad_oid(oid: str) -> None:
    with pytest.raises(InvalidInput) as err:
        make_identifier(oid, SENT)
    assert err.value.field == "oid"


def test_factory_is_unique_within_a_second() -> None:
    factory = IdentifierFactory(SENDER, OID)
    ids = [factory.next(SENT) for _ in range(3)] + [factory.next(SENT + timedelta(seconds=1))]
    assert len(set(ids)) == 4
    assert ids[1] == ids[0] + ".1" and ids[2] == ids[0] + ".2"


def test_reference_triplet(alert: Alert) -> None:
    ref = reference_to(alert)
    assert ref == f"{SENDER},{alert.identifier},2025-09-14T06:30:00+07:00"
    (parsed,) = parse_references(ref)
    assert (parsed.sender, parsed.identifier, parsed.sent) == (SENDER, alert.identifier, SENT)


def test_bad_reference() -> None:
    with pytest.raises(InvalidInput):
        parse_references("only,two")


def _chain() -> list[Alert]:
    first = sample_alert()
    t1, t2, t3 = (SENT + timedelta(hours=h) for h in (1, 2, 3))
    upd = make_update(first, make_identifier(OID, t1), t1, note="level still rising")
    clear = make_all_clear(upd, make_identifier(OID, t2), t2)
    cancel = make_cancel(clear, make_identifier(OID, t3), t3)
    return [first, upd, clear, cancel]


def test_update_chain_references_every_earlier_message() -> None:
    first, upd, clear, cancel = _chain()
    assert upd.msg_type == MsgType.UPDATE and upd.references == (reference_to(first),)
    assert clear.references == (reference_to(first), reference_to(upd))
    assert cancel.msg_type == MsgType.CANCEL
    assert cancel.references == (reference_to(first), reference_to(upd), reference_to(clear))
    for msg in (first, upd, clear, cancel):
        xml = build_alert_xml(msg)
        assert_valid_cap(xml)
        validate_alert(msg)
        assert parse_alert(xml) == msg


def test_issued_alert_is_not_mutated() -> None:
    first = sample_alert()
    before = build_alert_xml(first)
    _chain()
    make_update(first, make_identifier(OID, SENT, 1), SENT)
    assert build_alert_xml(first) == before
    with pytest.raises(AttributeError):
        first.note = "edited"  # type: ignore[misc]


def test_all_clear_fields() -> None:
    _, _, clear, _ = _chain()
    for info in clear.infos:
        assert info.response_type == ("AllClear",)
        assert info.urgency == "Past" and info.severity == "Minor"
        assert info.effective == clear.sent and info.expires > clear.sent


def test_follow_up_rules() -> None:
    first, *_, cancel = _chain()
    with pytest.raises(InvalidInput):
        make_update(first, first.identifier, SENT)
    with pytest.raises(InvalidInput):
        make_update(first, "new-id", SENT - timedelta(seconds=1))
    with pytest.raises(Conflict):
        make_update(cancel, "another", cancel.sent)
