"""Compile $filter and $orderby syntax trees to SQLAlchemy Core expressions that run on
SQLite and PostgreSQL alike (dialect differences live in ``store/sqlfuncs.py``).

- Every literal becomes a bound parameter; constant sub-expressions (``now() sub
  duration'P1D'``) are folded in Python first, so a time window on an indexed column
  stays ``phenomenon_time_start >= :p`` and uses the (datastream, time, id) index.
- Logic is two-valued as in ``evaluate.py``: NULL behaves as false, made explicit with
  COALESCE only under ``not`` (so plain conjunctions stay sargable).
- A predicate over a navigation path is evaluated on the related entities: to-one as a
  semi-join ``fk IN (SELECT id FROM target WHERE ...)``, to-many as ``EXISTS`` ("some
  related entity satisfies it"; link tables use ``id IN (SELECT ...)`` when the inner
  condition does not refer to the outer row). To-one paths mixed with local members
  become correlated scalar subqueries.
- Navigation paths see what the caller sees: each related table is restricted by the
  caller's access condition (``access``), exactly as at the top level, so a condition on
  an entity the caller may not read behaves as if that entity did not exist (a to-one
  member of it is NULL; a to-many condition finds no such entity).
- Interval-valued times (``phenomenonTime``; end NULL for an instant) compare with an
  instant t as: gt/ge: start > / >= t; lt/le: the whole interval before t (start and end
  < / <= t); eq: start = t and end (if any) = t; ne: not eq.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Column, and_, false, func, not_, or_, select, true
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import FromClause

from cityops.datamodel.entities import EntityType, entity
from cityops.errors import InvalidQuery
from cityops.sta.query import evaluate as ev
from cityops.sta.query.ast import (
    ARITHMETIC,
    COMPARISONS,
    BinOp,
    Bound,
    Call,
    Lit,
    Neg,
    Node,
    Not,
    Path,
    children,
    paths,
    pushdown_nav,
    replace_paths,
)
from cityops.sta.query.functions import FUNCTIONS, arithmetic_type, comparison_type
from cityops.sta.query.paths import resolve
from cityops.sta.query.sqlvalues import (
    Val,
    arithmetic_sql,
    as_sql,
    bind,
    call_sql,
    is_null_sql,
    member,
    type_of,
)
from cityops.store import sqlfuncs as sf

Access = Callable[[str, FromClause], ColumnElement[bool] | None]
"""What the caller may read of an entity type's table (or alias): a condition, or None."""


@dataclass(frozen=True)
class Ctx:
    et: EntityType
    table: FromClause
    access: Access | None = None

    def visible(self, name: str, table: FromClause) -> list[ColumnElement[bool]]:
        cond = self.access(name, table) if self.access is not None else None
        return [] if cond is None else [cond]


def compile_filter(
    node: Node, et: EntityType, table: FromClause, access: Access | None
) -> ColumnElement[bool]:
    """A WHERE condition on ``table`` (the table of ``et`` or an alias of it).

    ``access`` restricts every navigation path to what the caller may read; None only
    where no rows are read (validation) or for a caller who sees everything."""
    condition: ColumnElement[bool] = _pred(node, Ctx(et, table, access))
    return condition


def _pred(node: Node, ctx: Ctx) -> Any:
    if isinstance(node, BinOp) and node.op in ("and", "or"):
        join = and_ if node.op == "and" else or_
        return join(_pred(node.left, ctx), _pred(node.right, ctx))
    if isinstance(node, Not):
        return not_(func.coalesce(_pred(node.operand, ctx), false()))
    nav = pushdown_nav(node, lambda s: s in ctx.et.nav_by_name, lambda p: resolve(ctx.et, p).many)
    if nav is not None:
        return _through(nav, node, ctx)
    return _leaf(node, ctx)


def _leaf(node: Node, ctx: Ctx) -> Any:
    if isinstance(node, BinOp) and node.op in COMPARISONS:
        return compare_sql(node.op, value(node.left, ctx), value(node.right, ctx), node.pos)
    if isinstance(node, Call) and FUNCTIONS[node.name].returns == "bool" and not _const(node):
        return _call(node, ctx).expr
    val = value(node, ctx)
    if val.type == "bool" and val.is_const:
        return true() if val.const else false()
    if val.type in ("bool", "json", "result"):
        return as_sql(val, "bool", getattr(node, "pos", 0)).is_(true())
    raise InvalidQuery(
        f"$filter must be a condition, not a {val.type} (at position {getattr(node, 'pos', 0)})"
    )


def _through(nav_name: str, node: Node, ctx: Ctx) -> Any:
    """``node`` evaluated on the entities related through ``nav_name``."""
    nav = ctx.et.nav_by_name[nav_name]
    target = entity(nav.target)
    alias = target.table.alias()
    outer: list[Path] = []

    def strip(p: Path) -> Node:
        if p.segments[0] == nav_name:
            return Path(p.segments[1:], p.pos)
        outer.append(p)
        v = value(p, ctx)
        return Bound(v, v.type, p.pos)

    inner = and_(
        _pred(replace_paths(node, strip), Ctx(target, alias, ctx.access)),
        *ctx.visible(target.name, alias),
    )
    if nav.fk is not None:
        sub = select(alias.c.id).where(inner)
        return ctx.table.c[nav.fk].in_(sub if outer else sub.correlate(None))
    if nav.back_fk is not None:
        return (
            select(alias.c.id)
            .where(alias.c[nav.back_fk] == ctx.table.c.id, inner)
            .correlate_except(alias)
            .exists()
        )
    assert nav.link is not None
    link_table, ours, theirs = nav.link
    link = link_table.alias()
    joined = link.join(alias, link.c[theirs] == alias.c.id)
    if not outer:
        return ctx.table.c.id.in_(
            select(link.c[ours]).select_from(joined).where(inner).correlate(None)
        )
    return (
        select(link.c[ours])
        .select_from(joined)
        .where(link.c[ours] == ctx.table.c.id, inner)
        .correlate_except(link, alias)
        .exists()
    )


def _const(node: Node) -> bool:
    return not paths(node) and not _has_bound(node)


def _has_bound(node: Node) -> bool:
    if isinstance(node, Bound):
        return True
    return any(_has_bound(c) for c in children(node))


def value(node: Node, ctx: Ctx) -> Val:
    """The compiled value of an expression in context ``ctx``."""
    if isinstance(node, Bound):
        return node.value  # type: ignore[no-any-return]
    if _const(node):
        return _fold(node)
    if isinstance(node, Path):
        return path_value(node, ctx)
    if (
        isinstance(node, Not)
        or (isinstance(node, BinOp) and node.op in COMPARISONS | {"and", "or"})
        or (isinstance(node, Call) and FUNCTIONS[node.name].returns == "bool")
    ):
        return Val("bool", func.coalesce(_pred(node, ctx), false()))
    if isinstance(node, BinOp) and node.op in ARITHMETIC:
        left, right = value(node.left, ctx), value(node.right, ctx)
        typ = arithmetic_type(node.op, left.type, right.type)
        if typ is None:
            raise InvalidQuery(
                f"cannot {node.op} {left.type} and {right.type} (at position {node.pos})"
            )
        return arithmetic_sql(node.op, left, right, typ, node.pos)
    if isinstance(node, Neg):
        return Val("number", -as_sql(value(node.operand, ctx), "number", node.pos))
    if isinstance(node, Call):
        return _call(node, ctx)
    raise InvalidQuery(f"cannot compile {node!r}")


def _call(node: Call, ctx: Ctx) -> Val:
    args = [value(a, ctx) for a in node.args]
    return call_sql(node.name, args, FUNCTIONS[node.name].args, node.pos)


def _fold(node: Node) -> Val:
    """A constant sub-expression, computed now and bound as one parameter."""
    if isinstance(node, Lit):
        return bind(node.value, node.type)
    try:
        result, typ = ev._value(node, {})
    except (ArithmeticError, ValueError, TypeError) as exc:
        raise InvalidQuery(f"cannot compute constant expression: {exc}") from None
    return bind(result, typ if result is not None else type_of(result))


def path_value(path: Path, ctx: Ctx) -> Val:
    """A member path; through to-one navigations as a correlated scalar subquery."""
    res = resolve(ctx.et, path)
    if not res.navs:
        return member(res, ctx.table)
    if res.many:
        raise InvalidQuery(
            f"{str(path)!r} (at position {path.pos}) leads to many "
            "entities: use it in a condition of its own"
        )
    nav = ctx.et.nav_by_name[path.segments[0]]
    target = entity(nav.target)
    alias = target.table.alias()
    inner = path_value(Path(path.segments[1:], path.pos), Ctx(target, alias, ctx.access))
    assert nav.fk is not None  # not many: a to-one navigation holds the key
    fk = ctx.table.c[nav.fk]
    inner_wrap = inner.wrap
    seen = ctx.visible(target.name, alias)  # an entity the caller may not read: NULL

    def wrap(expr: Any) -> Any:
        expr = inner_wrap(expr) if inner_wrap is not None else expr
        q = select(expr).where(alias.c.id == fk, *seen)
        return q.correlate_except(alias).scalar_subquery()

    return replace(inner, wrap=wrap)


_ORDER = frozenset({"gt", "ge", "lt", "le"})
_FLIP = {"gt": "lt", "lt": "gt", "ge": "le", "le": "ge", "eq": "eq", "ne": "ne"}


def compare_sql(op: str, a: Val, b: Val, pos: int) -> Any:
    """SQL for ``a op b`` (see the module docstring for nulls and intervals)."""
    if a.type == "null" or b.type == "null":
        other = b if a.type == "null" else a
        if other.type == "null":
            return true() if op == "eq" else false()
        is_null = is_null_sql(other)
        return is_null if op == "eq" else (not_(is_null) if op == "ne" else false())
    typ = comparison_type(a.type, b.type)
    if typ == "datetime" and any(v.type == "date" and not v.is_const for v in (a, b)):
        typ = None
    if typ is None:
        raise InvalidQuery(f"cannot compare a {a.type} with a {b.type} (at position {pos})")
    if typ == "datetime" and (
        a.type == "interval" and a.local() or b.type == "interval" and b.local()
    ):
        if a.type != "interval" or not a.local():
            a, b, op = b, a, _FLIP[op]
        return _interval_sql(op, a, as_sql(b, "datetime", pos))
    x, y = as_sql(a, typ, pos), as_sql(b, typ, pos)
    if typ == "string" and op in _ORDER:
        x, y = sf.CollateC(x), sf.CollateC(y)
    if op == "eq":
        return x == y if (a.is_const or b.is_const) else x.is_not_distinct_from(y)
    if op == "ne":
        return x.is_distinct_from(y)
    return {"gt": x > y, "ge": x >= y, "lt": x < y, "le": x <= y}[op]


def _interval_sql(op: str, iv: Val, t: Any) -> Any:
    start, end = iv.expr, iv.end
    if op == "gt":
        return start > t
    if op == "ge":
        return start >= t
    if op in ("lt", "le"):

        def before(c: Any) -> Any:
            return c < t if op == "lt" else c <= t

        return and_(before(start), or_(end.is_(None), before(end)))
    equal = and_(start == t, or_(end.is_(None), end == t))
    return equal if op == "eq" else not_(func.coalesce(equal, false()))


def compile_orderby(
    items: Sequence[Any], et: EntityType, table: FromClause, access: Access | None
) -> list[ColumnElement[Any]]:
    """ORDER BY keys for ``OrderItem``s: nulls first ascending, last descending, on both
    databases. One item may give several keys (a JSON member: numbers, then strings).
    ``access`` as for ``compile_filter``: a member of an entity the caller may not read
    sorts as NULL."""
    ctx = Ctx(et, table, access)
    keys: list[ColumnElement[Any]] = []
    for item in items:
        for key in _sort_keys(value(item.expr, ctx), getattr(item.expr, "pos", 0)):
            keys.append(_direction(key, item.desc))
    return keys


def _sort_keys(val: Val, pos: int) -> list[Any]:
    if val.type in ("json", "result"):
        return [as_sql(val, "number", pos), as_sql(val, "string", pos)]
    if val.type == "string":
        return [sf.CollateC(as_sql(val, "string", pos))]
    if val.type == "interval":
        return [as_sql(val, "datetime", pos)]
    if val.type in ("number", "datetime", "date", "time", "bool", "null"):
        return [as_sql(val, val.type, pos) if val.type != "null" else val.expr]
    raise InvalidQuery(f"cannot order by a {val.type} (at position {pos})")


def _direction(key: Any, desc: bool) -> Any:
    if isinstance(key, Column) and not key.nullable:
        return key.desc() if desc else key.asc()  # keeps plain index scans possible
    return sf.SortDesc(key) if desc else sf.SortAsc(key)
