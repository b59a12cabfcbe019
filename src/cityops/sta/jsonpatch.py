"""The six operations of RFC 6902 (JSON Patch) on plain JSON values."""

from __future__ import annotations

from typing import Any

from cityops.errors import Conflict, InvalidInput


def _pointer(path: Any, field: str) -> list[str]:
    if not isinstance(path, str) or (path and not path.startswith("/")):
        raise InvalidInput(
            f"{field}.path: must be a JSON pointer like /properties/name", field=field
        )
    return [p.replace("~1", "/").replace("~0", "~") for p in path.split("/")[1:]]


def _parent(doc: Any, parts: list[str], field: str) -> tuple[Any, str]:
    if not parts:
        raise InvalidInput(f"{field}.path: the whole document cannot be changed", field=field)
    node = doc
    for key in parts[:-1]:
        node = _child(node, key, field)
    return node, parts[-1]


def _child(node: Any, key: str, field: str) -> Any:
    try:
        return node[int(key)] if isinstance(node, list) else node[key]
    except (KeyError, IndexError, ValueError, TypeError):
        raise InvalidInput(f"{field}.path: {key!r} does not exist", field=field) from None


def _get(doc: Any, parts: list[str], field: str) -> Any:
    node = doc
    for key in parts:
        node = _child(node, key, field)
    return node


def _add(doc: Any, parts: list[str], value: Any, field: str) -> None:
    node, key = _parent(doc, parts, field)
    if isinstance(node, list):
        node.insert(len(node) if key == "-" else int(key), value)
    elif isinstance(node, dict):
        node[key] = value
    else:
        raise InvalidInput(f"{field}.path: cannot add into a {type(node).__name__}", field=field)


def _remove(doc: Any, parts: list[str], field: str) -> Any:
    node, key = _parent(doc, parts, field)
    value = _child(node, key, field)
    if isinstance(node, list):
        del node[int(key)]
    else:
        del node[key]
    return value


def apply_op(doc: dict[str, Any], op: dict[str, Any], field: str) -> None:
    """Apply one operation to ``doc`` in place."""
    kind, parts = op["op"], _pointer(op.get("path"), field)
    if kind in ("add", "replace", "test") and "value" not in op:
        raise InvalidInput(f"{field}.value: missing", field=field)
    if kind == "add":
        _add(doc, parts, op["value"], field)
    elif kind == "remove":
        _remove(doc, parts, field)
    elif kind == "replace":
        _get(doc, parts, field)
        node, key = _parent(doc, parts, field)
        node[int(key) if isinstance(node, list) else key] = op["value"]
    elif kind == "test":
        if _get(doc, parts, field) != op["value"]:
            raise Conflict(f"{field}: test failed at {op['path']}")
    else:
        source = _pointer(op.get("from"), field)
        value = _remove(doc, source, field) if kind == "move" else _get(doc, source, field)
        _add(doc, parts, value, field)
