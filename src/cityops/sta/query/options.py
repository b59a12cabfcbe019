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


def parse_options(params: Mapping[str, str], *, default_top: int, max_top: int) -> QueryOptions:
    """Parse the query options of a request. Parameters not starting with ``$`` are
    ignored (they belong to the caller, e.g. auth tokens)."""
    for name in params:
        if name.startswith("$") and name not in KNOWN:
            raise NotImplementedOption(f"query option {name!r} is not supported", field=name)
    if "$resultFormat" in params and params["$resultFormat"] not in RESULT_FORMATS:
        raise InvalidQuery(
            f"$resultFormat must be one of {', '.join(RESULT_FORMATS)}, "
            f"got {params['$resultFormat']!r}",
            field="$resultFormat",
        )
    opts = _parse(params, default_top=default_top, max_top=max_top, base=0)
    opts.result_format = params.get("$resultFormat")
    return opts


def _parse(params: Mapping[str, str], *, default_top: int, max_top: int, base: int) -> QueryOptions:
    opts = QueryOptions(top=default_top)
    if "$filter" in params:
        opts.filter = _wrap("$filter", lambda: parse_filter(params["$filter"], offset=base))
    if "$orderby" in params:
        items = _wrap("$orderby", lambda: parse_orderby_items(params["$orderby"], offset=base))
        opts.orderby = [OrderItem(expr, desc) for expr, desc in items]
    if "$top" in params:
        opts.top = min(_non_negative("$top", params["$top"]), max_top)
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
    if "$expand" in params:
        opts.expand = _expand(params["$expand"], default_top, max_top)
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


def split_top_level(text: str, sep: str, start: int = 0) -> list[tuple[str, int]]:
    """Split at ``sep`` outside parentheses and quoted strings; (part, offset) pairs."""
    parts: list[tuple[str, int]] = []
    depth, quoted, begin = 0, False, 0
    for i, ch in enumerate(text):
        if ch == "'":
            quoted = not quoted  # a doubled quote toggles twice: still right
        elif quoted:
            continue
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                raise InvalidQuery(f"unbalanced ')' at position {start + i}", field="$expand")
        elif ch == sep and depth == 0:
            parts.append((text[begin:i], start + begin))
            begin = i + 1
    if depth or quoted:
        what = "quote" if quoted else "'('"
        raise InvalidQuery(f"unclosed {what} in {text!r}", field="$expand")
    parts.append((text[begin:], start + begin))
    return parts


def _expand(value: str, default_top: int, max_top: int, base: int = 0) -> list[ExpandItem]:
    items: list[ExpandItem] = []
    for part, pos in split_top_level(value, ",", base):
        item = _expand_item(part, pos, default_top, max_top)
        _merge(items, item)
    return items


def _expand_item(text: str, pos: int, default_top: int, max_top: int) -> ExpandItem:
    stripped = text.strip()
    pos += len(text) - len(text.lstrip())
    inner = ""
    head = stripped
    if stripped.endswith(")") and "(" in stripped:
        cut = stripped.index("(")
        head, inner = stripped[:cut], stripped[cut + 1 : -1]
    names = head.split("/")
    for name in names:
        if not _NAME.fullmatch(name) or "." in name:
            raise InvalidQuery(
                f"$expand: invalid navigation property {name!r} at position {pos}", field="$expand"
            )
    options = _nested_options(inner, pos + len(head) + 1, default_top, max_top)
    item = ExpandItem(names[-1], options)
    for name in reversed(names[:-1]):
        item = ExpandItem(name, QueryOptions(top=default_top, expand=[item]))
    return item


def _nested_options(text: str, pos: int, default_top: int, max_top: int) -> QueryOptions:
    params: dict[str, str] = {}
    offsets: dict[str, int] = {}
    if text.strip():
        for part, at in split_top_level(text, ";", pos):
            name, eq, value = part.partition("=")
            name = name.strip()
            if not eq or not name:
                raise InvalidQuery(
                    f"$expand: expected '$option=value' at position {at}, got {part!r}",
                    field="$expand",
                )
            if name not in KNOWN or name == "$resultFormat":
                raise NotImplementedOption(
                    f"query option {name!r} is not supported inside $expand", field=name
                )
            if name in params:
                raise InvalidQuery(f"$expand: {name} given twice at position {at}", field="$expand")
            params[name] = value
            offsets[name] = at + len(part) - len(value)
    opts = _parse(params, default_top=default_top, max_top=max_top, base=0)
    if "$expand" in params:
        opts.expand = _expand(params["$expand"], default_top, max_top, offsets["$expand"])
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
