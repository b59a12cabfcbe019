"""JSON Patch (RFC 6902) on an entity's JSON document, with the ``jsonpatch`` library.

The library follows the RFC where a hand-written version had drifted: no negative array
indices, no leading zeros, ``add`` at most one past the end, ``test`` comparing JSON types
(``true`` is not ``1``; ``1.0`` is ``1``). Operations are applied one at a time so that an
error names the operation (``JSON Patch[2]``). A failed ``test`` is a Conflict (409, the
resource is not in the state the client expected); any other error is InvalidInput (400).

``sta.update.patch_entity`` applies the patch inside the write job, to the entity as read
in that transaction, so that ``test`` guards the write it belongs to.
"""

from __future__ import annotations

import copy
from typing import Any

import jsonpatch
import jsonpointer

from cityops.errors import Conflict, InvalidInput


def apply_patch(doc: dict[str, Any], ops: Any) -> dict[str, Any]:
    """A patched copy of ``doc`` (a JSON object; the patch may not replace it whole)."""
    if not isinstance(ops, list):
        raise InvalidInput("JSON Patch: the body must be an array of operations", field="body")
    out = copy.deepcopy(doc)
    for i, op in enumerate(ops):
        field = f"JSON Patch[{i}]"
        if not isinstance(op, dict):
            raise InvalidInput(f"{field}: an operation must be a JSON object", field=field)
        if op.get("path") == "" or op.get("from") == "":
            raise InvalidInput(f"{field}: the whole document cannot be changed", field=field)
        try:
            out = jsonpatch.JsonPatch([op]).apply(out, in_place=True)
        except jsonpatch.JsonPatchTestFailed as exc:
            raise Conflict(f"{field}: test of {op.get('path')} failed: {exc}") from None
        except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException) as exc:
            name = op.get("op")
            raise InvalidInput(f"{field} ({name}): {exc}", field=field) from None
        except (TypeError, KeyError, AttributeError) as exc:  # e.g. a path that is not text
            raise InvalidInput(f"{field}: malformed operation ({exc})", field=field) from None
    return out
