"""The syntax tree of a ``$filter`` / ``$orderby`` expression.

Nodes are immutable and carry the 0-based character position where they start in the
option text, so that later stages (path validation, type checks) can point at the
offending token.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union


@dataclass(frozen=True)
class Lit:
    """A literal. ``type`` is one of string, number, bool, null, datetime, date, time,
    duration, geometry. Geometry values are shapely geometries; WKT text is in ``text``."""

    value: Any
    type: str
    pos: int = 0
    text: str = ""


@dataclass(frozen=True)
class Path:
    """A member path: ``name``, ``Datastream/ObservedProperty/name``, ``properties/a/b``."""

    segments: tuple[str, ...]
    pos: int = 0

    def __str__(self) -> str:
        return "/".join(self.segments)


@dataclass(frozen=True)
class Call:
    """A function call, e.g. ``st_within(location, geography'POINT(1 2)')``."""

    name: str
    args: tuple[Node, ...]
    pos: int = 0


@dataclass(frozen=True)
class BinOp:
    """A binary operator: comparison, logical or arithmetic (OData keyword in ``op``)."""

    op: str
    left: Node
    right: Node
    pos: int = 0


@dataclass(frozen=True)
class Not:
    """Logical negation."""

    operand: Node
    pos: int = 0


@dataclass(frozen=True)
class Neg:
    """Arithmetic negation (``-x``)."""

    operand: Node
    pos: int = 0


@dataclass(frozen=True)
class Bound:
    """A value already computed outside the expression: a SQL expression (compiler) or a
    Python value (evaluator), with its static type. Made when a predicate is pushed
    through a navigation and refers back to the outer entity."""

    value: Any
    type: str
    pos: int = 0


Node = Union[Lit, Path, Call, BinOp, Not, Neg, Bound]  # noqa: UP007 - a runtime alias

COMPARISONS = frozenset({"eq", "ne", "gt", "ge", "lt", "le"})
LOGICAL = frozenset({"and", "or"})
ARITHMETIC = frozenset({"add", "sub", "mul", "div", "mod"})


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-expressions of a node."""
    if isinstance(node, BinOp):
        return (node.left, node.right)
    if isinstance(node, (Not, Neg)):
        return (node.operand,)
    if isinstance(node, Call):
        return node.args
    return ()


def paths(node: Node) -> list[Path]:
    """Every member path in an expression, in text order."""
    if isinstance(node, Path):
        return [node]
    found: list[Path] = []
    for child in children(node):
        found.extend(paths(child))
    return found


def replace_paths(node: Node, fn: Any) -> Node:
    """A copy of ``node`` with every Path ``p`` replaced by ``fn(p)``."""
    if isinstance(node, Path):
        return fn(node)  # type: ignore[no-any-return]
    if isinstance(node, BinOp):
        return BinOp(node.op, replace_paths(node.left, fn), replace_paths(node.right, fn), node.pos)
    if isinstance(node, Not):
        return Not(replace_paths(node.operand, fn), node.pos)
    if isinstance(node, Neg):
        return Neg(replace_paths(node.operand, fn), node.pos)
    if isinstance(node, Call):
        return Call(node.name, tuple(replace_paths(a, fn) for a in node.args), node.pos)
    return node


def pushdown_nav(node: Node, is_nav: Any, is_many: Any) -> str | None:
    """The navigation a leaf predicate is evaluated through, if any.

    When every path of the predicate starts with the same navigation, the predicate is
    evaluated on the related entities (a semi-join: "some related entity satisfies it").
    Otherwise, when a path crosses a to-many navigation, the predicate goes through that
    path's first navigation with the other paths bound to the outer entity. Otherwise
    (only to-one navigations, mixed with local members) it is evaluated in place.
    """
    found = paths(node)
    via = [p for p in found if len(p.segments) > 1 and is_nav(p.segments[0])]
    if not via:
        return None
    if len({p.segments[0] for p in via}) == 1 and len(via) == len(found):
        return via[0].segments[0]
    for p in via:
        if is_many(p):
            return p.segments[0]
    return None
