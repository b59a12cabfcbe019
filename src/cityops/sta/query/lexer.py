"""Tokeniser of OData expressions ($filter, $orderby)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

import shapely
from shapely.errors import ShapelyError

from cityops.errors import InvalidQuery


@dataclass(frozen=True)
class Token:
    kind: str  # ident, lit, punct, eof
    value: Any  # identifier text, punctuation, or a Lit-ready (value, type) pair
    pos: int
    text: str


_WS = re.compile(r"\s+")
_STRING = re.compile(r"'((?:[^']|'')*)'")
_TYPED = re.compile(r"(duration|geography|geometry)'((?:[^']|'')*)'")
_DATETIME = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,12})?)?")
_OFFSET = re.compile(r"Z|[+-]\d{2}:\d{2}")
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_TIME = re.compile(r"(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,12})?)?")
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")
_IDENT = re.compile(r"[A-Za-z_@][A-Za-z0-9_.@]*")
_DURATION = re.compile(r"(-)?P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?")
_TRAILING = re.compile(r"[A-Za-z0-9_.:@]")
MAX_DURATION = timedelta(days=3_652_500)


def error(message: str, pos: int, text: str) -> InvalidQuery:
    """An InvalidQuery pointing at a 0-based position of ``text``."""
    snippet = text if len(text) <= 120 else text[max(0, pos - 40) : pos + 40]
    return InvalidQuery(f"{message} at position {pos} in {snippet!r}")


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text``, ending with an ``eof`` token."""
    tokens: list[Token] = []
    pos = 0
    while True:
        ws = _WS.match(text, pos)
        if ws:
            pos = ws.end()
        if pos >= len(text):
            tokens.append(Token("eof", None, pos, ""))
            return tokens
        token = _one(text, pos)
        tokens.append(token)
        pos += len(token.text)


def _one(text: str, pos: int) -> Token:
    ch = text[pos]
    if ch in "(),/":
        return Token("punct", ch, pos, ch)
    if ch == "'":
        m = _STRING.match(text, pos)
        if not m:
            raise error("unterminated string", pos, text)
        return Token("lit", (m.group(1).replace("''", "'"), "string"), pos, m.group(0))
    typed = _TYPED.match(text, pos)
    if typed:
        value = _typed_literal(typed.group(1), typed.group(2).replace("''", "'"), pos, text)
        return Token("lit", value, pos, typed.group(0))
    if ch.isdigit() or (ch == "-" and text[pos + 1 : pos + 2].isdigit()):
        return _numeric(text, pos)
    if ch == "-":
        return Token("punct", "-", pos, "-")
    m = _IDENT.match(text, pos)
    if m:
        return Token("ident", m.group(0), pos, m.group(0))
    raise error(f"unexpected character {ch!r}", pos, text)


def _numeric(text: str, pos: int) -> Token:
    """A number, date-time, date or time of day starting at ``pos``."""
    for matcher in (_datetime_at, _date_at, _time_at, _number_at):
        token = matcher(text, pos)
        if token is not None:
            end = pos + len(token.text)
            if end < len(text) and _TRAILING.match(text, end):
                raise error(f"malformed literal {text[pos : end + 1]!r}", pos, text)
            return token
    raise error("malformed number", pos, text)


def _datetime_at(text: str, pos: int) -> Token | None:
    m = _DATETIME.match(text, pos)
    if not m:
        return None
    off = _OFFSET.match(text, m.end())
    if not off:
        raise error("date-time needs a UTC offset such as 'Z' or '+07:00'", m.end(), text)
    y, mo, d, h, mi = (int(g) for g in m.groups()[:5])
    sec = int(m.group(6) or 0)
    micro = int(((m.group(7) or ".0")[1:] + "000000")[:6])
    tz = UTC
    if off.group(0) != "Z":
        sign = -1 if off.group(0)[0] == "-" else 1
        oh, om = int(off.group(0)[1:3]), int(off.group(0)[4:6])
        if oh > 23 or om > 59:
            raise error("invalid UTC offset", m.end(), text)
        tz = timezone(sign * timedelta(hours=oh, minutes=om))
    try:
        value = datetime(y, mo, d, h, mi, sec, micro, tzinfo=tz)
    except ValueError as exc:
        raise error(f"invalid date-time ({exc})", pos, text) from None
    return Token("lit", (value, "datetime"), pos, text[pos : off.end()])


def _date_at(text: str, pos: int) -> Token | None:
    m = _DATE.match(text, pos)
    if not m:
        return None
    try:
        value = date(*(int(g) for g in m.groups()))
    except ValueError as exc:
        raise error(f"invalid date ({exc})", pos, text) from None
    return Token("lit", (value, "date"), pos, m.group(0))


def _time_at(text: str, pos: int) -> Token | None:
    m = _TIME.match(text, pos)
    if not m:
        return None
    micro = int(((m.group(4) or ".0")[1:] + "000000")[:6])
    try:
        value = time(int(m.group(1)), int(m.group(2)), int(m.group(3) or 0), micro)
    except ValueError as exc:
        raise error(f"invalid time of day ({exc})", pos, text) from None
    return Token("lit", (value, "time"), pos, m.group(0))


def _number_at(text: str, pos: int) -> Token | None:
    m = _NUMBER.match(text, pos)
    if not m:
        return None
    raw = m.group(0)
    value: int | float = float(raw) if (m.group(1) or m.group(2)) else int(raw)
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        raise error("number out of range", pos, text)
    return Token("lit", (value, "number"), pos, raw)


def _typed_literal(prefix: str, body: str, pos: int, text: str) -> tuple[Any, str]:
    if prefix == "duration":
        m = _DURATION.fullmatch(body)
        if not m or body.rstrip("-") in ("P", "PT") or body.endswith("T"):
            raise error(f"invalid duration {body!r} (expected e.g. 'P1DT2H30M')", pos, text)
        sign = -1 if m.group(1) else 1
        days, hours, minutes = (int(g or 0) for g in m.groups()[1:4])
        try:
            delta = timedelta(
                days=days, hours=hours, minutes=minutes, seconds=float(m.group(5) or 0)
            )
        except OverflowError:
            delta = timedelta.max
        if delta > MAX_DURATION:
            raise error(f"duration {body!r} is longer than 10,000 years", pos, text)
        return sign * delta, "duration"
    wkt = re.sub(r"^\s*SRID=\d+;", "", body, flags=re.IGNORECASE)
    try:
        geom = shapely.from_wkt(wkt)
    except (ShapelyError, ValueError, TypeError) as exc:
        raise error(f"invalid WKT in {prefix} literal ({exc})", pos, text) from None
    if geom is None or not shapely.is_valid_input(geom):
        raise error(f"invalid WKT in {prefix} literal", pos, text)
    if not shapely.is_valid(geom):
        reason = shapely.is_valid_reason(geom)
        raise error(f"invalid geometry in {prefix} literal ({reason})", pos, text)
    return (geom, wkt), "geometry"
