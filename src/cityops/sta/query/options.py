"""The SensorThings query options: ``$filter $orderby $top $skip $count $select $expand
$resultFormat``, nested to any depth inside ``$expand``.

Option names are case-sensitive (OGC 18-088 section 9.3). An unknown ``$name`` is a valid
request for a feature we lack (NotImplementedOption, 501); a malformed value is an
InvalidQuery (400) naming the option, the token and its position.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from cityops.errors import InvalidQuery, NotImplementedOption
from cityops.sta.query.ast import Node
from cityops.sta.query.limits import DEFAULT, QueryLimits, expand_too_deep
from cityops.sta.query.parser import parse_filter, parse_orderby_items

KNOWN = ("$filter", "$orderby", "$top", "$skip", "$count", "$select", "$expand", "$resultFormat")
RESULT_FORMATS = ("dataArray",)
_NAME = re.compile(r"[A-Za-z_@][A-Za-z0-9_.@]*")
_INT = re.compile(r"\d{1,18}")
T = TypeVar("T")


@dataclass(frozen=True)
class OrderItem:
    """One ``$orderby`` key: an expression (usually a path) and its direction."""

    expr: Node
    desc: bool = False


@dataclass
class QueryOptions:
    """Parsed query options of one collection (the request's or an expanded one).

    ``top`` is the page size to use: the requested ``$top`` capped at ``max_top``, or
    ``default_top`` when none was given (None only if a caller sets it: no limit).
    """

    filter: Node | None = None
    orderby: list[OrderItem] = field(default_factory=list)
    top: int | None = None
    skip: int = 0
    count: bool = False
    select: list[str] | None = None
    expand: list[ExpandItem] = field(default_factory=list)
    result_format: str | None = None


@dataclass
class ExpandItem:
    """One ``$expand`` item: a navigation property and the options applied to it."""

    name: str
    options: QueryOptions


def parse_options(
    params: Mapping[str, str],
    *,
    default_top: int,
    max_top: int,
    limits: QueryLimits | None = None,
) -> QueryOptions:
    """Parse the query options of a request. Parameters not starting with ``$`` are
    ignored (they belong to the caller, e.g. auth tokens). Linear in the length of the
    options: each character is examined a bounded number of times whatever the nesting."""
    for name in params:
        if name.startswith("$") and name not in KNOWN:
            raise NotImplementedOption(f"query option {name!r} is not supported", field=name)
    if "$resultFormat" in params and params["$resultFormat"] not in RESULT_FORMATS:
        raise InvalidQuery(
            f"$resultFormat must be one of {', '.join(RESULT_FORMATS)}, "
            f"got {params['$resultFormat']!r}",
            field="$resultFormat",
        )
    ctx = _Ctx(default_top, max_top, limits or DEFAULT)
    opts = _parse(params, ctx)
    if "$expand" in params:
        scan = _Scan(params["$expand"])
        opts.expand = _expand(scan, 0, len(scan.text), 1, ctx)
    opts.result_format = params.get("$resultFormat")
    return opts


@dataclass(frozen=True)
class _Ctx:
    default_top: int
    max_top: int
    limits: QueryLimits


def _parse(params: Mapping[str, str], ctx: _Ctx) -> QueryOptions:
    """Every option but ``$expand`` (whose text the caller holds as positions)."""
    opts = QueryOptions(top=ctx.default_top)
    lim = ctx.limits
    if "$filter" in params:
        opts.filter = _wrap("$filter", lambda: parse_filter(params["$filter"], limits=lim))
    if "$orderby" in params:
        items = _wrap("$orderby", lambda: parse_orderby_items(params["$orderby"], limits=lim))
        opts.orderby = [OrderItem(expr, desc) for expr, desc in items]
    if "$top" in params:
        opts.top = min(_non_negative("$top", params["$top"]), ctx.max_top)
    if "$skip" in params:
        opts.skip = _non_negative("$skip", params["$skip"])
    if "$count" in params:
        if params["$count"] not in ("true", "false"):
            raise InvalidQuery(
                f"$count must be true or false, got {params['$count']!r}", field="$count"
            )
        opts.count = params["$count"] == "true"
    if "$select" in params:
        opts.select = _select(params["$select"])
    return opts


def _wrap(option: str, fn: Callable[[], T]) -> T:
    try:
        return fn()
    except InvalidQuery as exc:
        raise InvalidQuery(f"{option}: {exc.message}", field=option) from None


def _non_negative(option: str, value: str) -> int:
    if not _INT.fullmatch(value.strip()):
        raise InvalidQuery(f"{option} must be a non-negative integer, got {value!r}", field=option)
    return int(value)


def _select(value: str) -> list[str]:
    names = [part.strip() for part in value.split(",")]
    pos = 0
    for name, raw in zip(names, value.split(","), strict=True):
        if not _NAME.fullmatch(name):
            raise InvalidQuery(
                f"$select: invalid property name {name!r} at position {pos}", field="$select"
            )
        pos += len(raw) + 1
    return list(dict.fromkeys(names))


class _Scan:
    """An ``$expand`` text with the partner of every ``(`` and opening quote, found in one
    pass, so that splitting any level skips nested groups and strings in one step.

    (Splitting each level by rescanning its text, and parsing each level's ``$expand``
    twice, made parsing exponential in the nesting depth: 30 levels pinned a CPU.)
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.close: dict[int, int] = {}
        opened: list[int] = []
        i, n = 0, len(text)
        while i < n:
            ch = text[i]
            if ch == "'":
                j = self._string_end(i)
                self.close[i] = j
                i = j
            elif ch == "(":
                opened.append(i)
            elif ch == ")":
                if not opened:
                    raise InvalidQuery(f"unbalanced ')' at position {i}", field="$expand")
                self.close[opened.pop()] = i
            i += 1
        if opened:
            raise InvalidQuery(f"unclosed '(' at position {opened[-1]}", field="$expand")

    def _string_end(self, start: int) -> int:
        """The closing quote of the string opened at ``start`` ('' is a quote inside)."""
        text = self.text
        at = start + 1
        while True:
            j = text.find("'", at)
            if j < 0:
                raise InvalidQuery(f"unclosed quote at position {start}", field="$expand")
            if text.startswith("''", j):
                at = j + 2
                continue
            return j

    def find_group(self, start: int, end: int) -> int:
        """The first ``(`` of ``text[start:end]`` outside strings, or -1."""
        i = start
        while i < end:
            ch = self.text[i]
            if ch == "(":
                return i
            i = self.close[i] + 1 if ch == "'" else i + 1
        return -1

    def split(self, start: int, end: int, sep: str) -> list[tuple[int, int]]:
        """Spans of ``text[start:end]`` between the ``sep`` outside groups and strings."""
        parts: list[tuple[int, int]] = []
        i = begin = start
        text, close = self.text, self.close
        while i < end:
            ch = text[i]
            if ch == "(" or ch == "'":
                i = close[i] + 1
                continue
            if ch == sep:
                parts.append((begin, i))
                begin = i + 1
            i += 1
        parts.append((begin, end))
        return parts


def _expand(scan: _Scan, start: int, end: int, level: int, ctx: _Ctx) -> list[ExpandItem]:
    """The items of the ``$expand`` value at ``text[start:end]``, ``level`` deep (1 at the
    top). The depth is checked before the text is looked at."""
    if level > ctx.limits.max_expand_depth:
        raise expand_too_deep(level, ctx.limits)
    items: list[ExpandItem] = []
    for a, b in scan.split(start, end, ","):
        _merge(items, _expand_item(scan, a, b, level, ctx))
    return items


def _expand_item(scan: _Scan, start: int, end: int, level: int, ctx: _Ctx) -> ExpandItem:
    text = scan.text
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    cut = scan.find_group(start, end)
    head_end = end if cut < 0 else cut
    if cut >= 0 and scan.close[cut] != end - 1:
        raise InvalidQuery(
            f"$expand: unexpected text after ')' at position {scan.close[cut] + 1}",
            field="$expand",
        )
    names = text[start:head_end].split("/")
    for name in names:
        if not _NAME.fullmatch(name) or "." in name:
            raise InvalidQuery(
                f"$expand: invalid navigation property {name!r} at position {start}",
                field="$expand",
            )
    deepest = level + len(names) - 1
    if deepest > ctx.limits.max_expand_depth:
        raise expand_too_deep(deepest, ctx.limits)
    if cut >= 0:
        options = _nested_options(scan, cut + 1, end - 1, deepest + 1, ctx)
    else:
        options = QueryOptions(top=ctx.default_top)
    item = ExpandItem(names[-1], options)
    for name in reversed(names[:-1]):
        item = ExpandItem(name, QueryOptions(top=ctx.default_top, expand=[item]))
    return item


def _nested_options(scan: _Scan, start: int, end: int, level: int, ctx: _Ctx) -> QueryOptions:
    """The ``$option=value;...`` list inside an expand item's parentheses; a nested
    ``$expand`` is kept as positions and parsed once, ``level`` deep."""
    text = scan.text
    params: dict[str, str] = {}
    expand_span: tuple[int, int] | None = None
    if text[start:end].strip():
        for a, b in scan.split(start, end, ";"):
            eq = text.find("=", a, b)
            name = text[a : eq if eq >= 0 else b].strip()
            if eq < 0 or not name:
                raise InvalidQuery(
                    f"$expand: expected '$option=value' at position {a}, got {text[a:b]!r}",
                    field="$expand",
                )
            if name not in KNOWN or name == "$resultFormat":
                raise NotImplementedOption(
                    f"query option {name!r} is not supported inside $expand", field=name
                )
            if name in params:
                raise InvalidQuery(f"$expand: {name} given twice at position {a}", field="$expand")
            if name == "$expand":
                params[name] = ""
                expand_span = (eq + 1, b)
            else:
                params[name] = text[eq + 1 : b]
    opts = _parse(params, ctx)
    if expand_span is not None:
        opts.expand = _expand(scan, *expand_span, level, ctx)
    return opts


def _merge(items: list[ExpandItem], item: ExpandItem) -> None:
    """Merge ``Datastreams`` and ``Datastreams/Observations`` into one item."""
    for existing in items:
        if existing.name == item.name:
            for sub in item.options.expand:
                _merge(existing.options.expand, sub)
            if _has_own_options(item.options):
                if _has_own_options(existing.options):
                    raise InvalidQuery(
                        f"$expand: {item.name} expanded twice with options", field="$expand"
                    )
                item.options.expand = existing.options.expand
                existing.options = item.options
            return
    items.append(item)


def _has_own_options(opts: QueryOptions) -> bool:
    return bool(
        opts.filter is not None
        or opts.orderby
        or opts.skip
        or opts.count
        or opts.select is not None
    )
