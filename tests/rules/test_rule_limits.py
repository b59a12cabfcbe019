"""Rules are bounded: name and text lengths, number of levels, length of level names."""

from __future__ import annotations

from typing import Any

import pytest

from cityops.errors import InvalidInput
from cityops.rules.loader import parse_rule

RIVER: dict[str, Any] = {
    "name": "pakse-flood",
    "type": "river_level",
    "inputs": {"level": 1},
    "levels": {"warning": 11.0, "danger": 12.0},
}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": "n" * 101}, "name"),
        ({"subject": "s" * 201}, "subject"),
        ({"description": "d" * 4001}, "description"),
        ({"levels": {f"level{i}": float(i) for i in range(11)}}, "levels"),
        ({"levels": {"w" * 65: 11.0}}, "levels"),
    ],
)
def test_rule_over_a_limit_is_refused(change: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_rule(RIVER | change)
    assert info.value.field == field
    assert "at most" in info.value.message


def test_rule_at_the_limits_is_accepted() -> None:
    spec = parse_rule(
        RIVER
        | {
            "name": "n" * 100,
            "subject": "s" * 200,
            "levels": {f"level{i:02d}" + "x" * 56: float(i) for i in range(10)},
        }
    )
    assert len(spec.rule.level_names()) == 11


async def test_api_refuses_a_long_rule_name(client, store) -> None:  # type: ignore[no-untyped-def]
    from tests.api.sta_fixtures import admin_headers

    r = await client.post(
        "/api/rules", json=RIVER | {"name": "n" * 500}, headers=admin_headers(store)
    )
    assert r.status_code == 400, r.text
    assert "name" in r.text
