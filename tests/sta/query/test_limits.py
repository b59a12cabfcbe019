"""Bounded query cost: each option text is parsed once, and $expand depth, expression size
and nesting are refused beyond their limits with a message naming the limit."""

from __future__ import annotations

from typing import Any

import pytest

from cityops.errors import InvalidQuery
from cityops.sta.query import options as options_module
from cityops.sta.query import parse_options
from cityops.sta.query.limits import QueryLimits

ROOMY = QueryLimits(max_expand_depth=100)


def nested_expand(levels: int, with_filter: bool = False) -> str:
    """``Datastreams($expand=Thing($expand=Datastreams(...)))`` ``levels`` deep."""
    names = ["Datastreams", "Thing"]
    text = names[levels % 2]
    for level in range(levels - 1, 0, -1):
        opts = "$filter=id gt 0;" if with_filter else ""
        text = f"{names[level % 2]}({opts}$expand={text})"
    return text


def parse(params: dict[str, str], limits: QueryLimits | None = None) -> Any:
    return parse_options(params, default_top=100, max_top=1000, limits=limits)


def test_every_nested_filter_is_parsed_exactly_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # The defect: each level parsed its $expand value twice, 2**depth parses in all.
    calls: list[str] = []
    real = options_module.parse_filter

    def counting(text: str, **kw: Any) -> Any:
        calls.append(text)
        return real(text, **kw)

    monkeypatch.setattr(options_module, "parse_filter", counting)
    parse({"$expand": nested_expand(14, with_filter=True)}, ROOMY)
    assert len(calls) == 13


def test_depth_of_parsed_tree_matches_the_text() -> None:
    opts = parse({"$expand": nested_expand(5)})
    depth = 0
    while opts.expand:
        (item,) = opts.expand
        opts, depth = item.options, depth + 1
    assert depth == 5


@pytest.mark.parametrize(
    "expand",
    [
        nested_expand(6),
        nested_expand(30),
        "Datastreams/Thing/Datastreams/Thing/Datastreams/Thing",
        "Datastreams($expand=Thing/Datastreams/Thing/Datastreams/Thing)",
    ],
)
def test_expand_deeper_than_the_limit_is_refused(expand: str) -> None:
    with pytest.raises(InvalidQuery) as info:
        parse({"$expand": expand})
    assert info.value.field == "$expand"
    assert "max_expand_depth" in info.value.message and "5" in info.value.message


def test_expand_limit_is_configurable() -> None:
    parse({"$expand": nested_expand(8)}, QueryLimits(max_expand_depth=8))
    with pytest.raises(InvalidQuery):
        parse({"$expand": nested_expand(3)}, QueryLimits(max_expand_depth=2))


@pytest.mark.parametrize("option", ["$filter", "$orderby"])
def test_long_or_chain_is_refused_naming_the_limit(option: str) -> None:
    chain = " or ".join(f"id eq {i}" for i in range(2000))
    with pytest.raises(InvalidQuery) as info:
        parse({option: chain})
    assert info.value.field == option
    assert "max_expression_" in info.value.message


def test_or_chain_within_the_limits_is_accepted() -> None:
    chain = " or ".join(f"id eq {i}" for i in range(100))
    assert parse({"$filter": chain}).filter is not None


def test_expression_size_limit() -> None:
    flat = " and ".join(f"(id add {i}) eq 1" for i in range(30))  # wide, not deep
    with pytest.raises(InvalidQuery) as info:
        parse({"$filter": flat}, QueryLimits(max_expression_nodes=50))
    assert "max_expression_nodes" in info.value.message and "50" in info.value.message


def test_expression_depth_limit_counts_parentheses() -> None:
    with pytest.raises(InvalidQuery) as info:
        parse({"$filter": "(" * 40 + "id eq 1" + ")" * 40}, QueryLimits(max_expression_depth=20))
    assert "max_expression_depth" in info.value.message


def test_limits_apply_inside_expand() -> None:
    chain = " or ".join(f"id eq {i}" for i in range(2000))
    with pytest.raises(InvalidQuery) as info:
        parse({"$expand": f"Datastreams($filter={chain})"})
    assert "max_expression_" in info.value.message


@pytest.mark.parametrize(
    "expand",
    [
        "Datastreams($filter=name eq ')(';$top=1)",
        "Datastreams($filter=name eq 'it''s (x';$expand=Thing($select=name))",
    ],
)
def test_quotes_and_parentheses_still_split_right(expand: str) -> None:
    opts = parse({"$expand": expand})
    assert opts.expand[0].name == "Datastreams"
