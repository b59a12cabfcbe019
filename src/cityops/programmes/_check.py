"""Small coercion and validation helpers for the programme model.

Each helper raises :class:`~cityops.errors.InvalidInput` naming the field, so a caller
(an API handler or the IATI importer) can point the user at the offending value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from cityops.errors import InvalidInput

T = TypeVar("T")

_CURRENCY = re.compile(r"[A-Z]{3}")
# Characters XML 1.0 cannot carry: text must survive an IATI export.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def decimal_value(value: Any, field: str) -> Decimal:
    """Coerce an int, string or Decimal (or a finite float, via its repr) to Decimal."""
    if isinstance(value, bool):
        raise InvalidInput(f"{field} must be a number, not a boolean", field=field)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidInput(f"{field} must be finite", field=field)
        value = repr(value)
    try:
        result = Decimal(value.strip() if isinstance(value, str) else value)
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidInput(f"{field} is not a number: {value!r}", field=field) from None
    if not result.is_finite():
        raise InvalidInput(f"{field} must be finite", field=field)
    return result


def optional_decimal(value: Any, field: str) -> Decimal | None:
    """Like :func:`decimal_value` but lets None through."""
    return None if value is None else decimal_value(value, field)


def date_value(value: Any, field: str) -> date:
    """Coerce an ISO 8601 date string (or a date) to :class:`datetime.date`."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            pass
    raise InvalidInput(f"{field} is not an ISO date (YYYY-MM-DD): {value!r}", field=field)


def optional_date(value: Any, field: str) -> date | None:
    """Like :func:`date_value` but lets None through."""
    return None if value is None else date_value(value, field)


def currency_code(value: Any, field: str) -> str:
    """Check an ISO 4217 alphabetic code (three capital letters)."""
    if not isinstance(value, str) or not _CURRENCY.fullmatch(value.strip()):
        raise InvalidInput(
            f"{field} must be an ISO 4217 code of three capital letters: {value!r}", field=field
        )
    return value.strip()


def text(value: Any, field: str, *, required: bool = False) -> str:
    """Check a text value; strips surrounding white space."""
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be text", field=field)
    stripped = value.strip()
    if _NOT_XML.search(stripped):
        raise InvalidInput(f"{field} contains control characters", field=field)
    if required and not stripped:
        raise InvalidInput(f"{field} is required", field=field)
    return stripped


def optional_text(value: Any, field: str) -> str | None:
    """Text or None; an empty string becomes None."""
    if value is None:
        return None
    return text(value, field) or None


def code_in(value: Any, allowed: Iterable[Any], field: str) -> Any:
    """Check that a code is one of ``allowed`` (compared as strings)."""
    allowed = list(allowed)
    for candidate in allowed:
        if str(candidate) == str(value).strip():
            return candidate
    shown = ", ".join(str(a) for a in allowed)
    raise InvalidInput(f"{field} must be one of {shown}: {value!r}", field=field)


def items(values: Any, kind: type[T], field: str) -> tuple[T, ...]:
    """Turn a list or tuple into a tuple, checking that every item is a ``kind``."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise InvalidInput(f"{field} must be a list", field=field)
    result = tuple(values)
    for index, item in enumerate(result):
        if not isinstance(item, kind):
            raise InvalidInput(
                f"{field}[{index}] must be a {kind.__name__}", field=f"{field}[{index}]"
            )
    return result


def ordered(start: date | None, end: date | None, field: str) -> None:
    """Reject an end before its start."""
    if start is not None and end is not None and end < start:
        raise InvalidInput(f"{field} ends ({end}) before it starts ({start})", field=field)
