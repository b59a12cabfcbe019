"""Limits that bound the cost of one query: ``$expand`` depth, expression size and nesting.

Every limit is checked while parsing, before any SQL is built, and a query over a limit is
an InvalidQuery (400) naming the setting that holds the limit, so a caller knows what to
change and an operator knows what to raise. The defaults and why they were chosen are in
docs/architecture.md ("Bounded cost").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cityops.errors import InvalidQuery
from cityops.sta.query.ast import BinOp, Call, Neg, Node, Not


@dataclass(frozen=True)
class QueryLimits:
    """How deep ``$expand`` may nest and how large one ``$filter``/``$orderby`` key may be.

    ``max_expression_depth`` counts the levels of the syntax tree, so that a chain of
    ``or`` (which the parser builds without recursion) counts one level per operator, as
    every later stage (SQL compiler, evaluator, database planner) walks it.
    """

    max_expand_depth: int = 5
    max_expression_nodes: int = 1000
    max_expression_depth: int = 128

    @classmethod
    def from_settings(cls, settings: Any) -> QueryLimits:
        return cls(
            max_expand_depth=settings.max_expand_depth,
            max_expression_nodes=settings.max_expression_nodes,
            max_expression_depth=settings.max_expression_depth,
        )


DEFAULT = QueryLimits()


def _children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, BinOp):
        return (node.left, node.right)
    if isinstance(node, Not | Neg):
        return (node.operand,)
    if isinstance(node, Call):
        return node.args
    return ()


def check_expression(node: Node, limits: QueryLimits) -> None:
    """Refuse a syntax tree over the size or nesting limits (walked without recursion)."""
    count = 0
    stack: list[tuple[Node, int]] = [(node, 1)]
    while stack:
        current, depth = stack.pop()
        count += 1
        if count > limits.max_expression_nodes:
            raise InvalidQuery(
                f"expression has more than {limits.max_expression_nodes} terms "
                "(limit max_expression_nodes)"
            )
        if depth > limits.max_expression_depth:
            raise InvalidQuery(
                f"expression nested deeper than {limits.max_expression_depth} levels "
                "(limit max_expression_depth; a long chain of 'or' counts one level each: "
                "use fewer terms)"
            )
        stack.extend((child, depth + 1) for child in _children(current))


def expand_too_deep(depth: int, limits: QueryLimits) -> InvalidQuery:
    return InvalidQuery(
        f"$expand nested deeper than {limits.max_expand_depth} levels "
        f"(limit max_expand_depth) at level {depth}",
        field="$expand",
    )
