"""Evaluate one active rule over in-memory windows and pick the outputs not applied yet."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cityops.rules import Series

from .active import ActiveRule
from .windows import Window


@dataclass
class Outcome:
    """New level samples of one rule since its watermark."""

    active: ActiveRule
    names: tuple[str, ...]
    times: np.ndarray
    levels: np.ndarray
    values: np.ndarray


def inputs_of(active: ActiveRule, windows: dict[int, Window]) -> dict[str, Series]:
    """The rule's input series, converted to the units it asks for."""
    out = {}
    for role, ds_id in active.inputs.items():
        w = windows[ds_id]
        out[role] = Series(w.times, active.converters[role](w.values))
    return out


def evaluate(
    active: ActiveRule,
    windows: dict[int, Window],
    mark: float | None,
    first_new: float,
    now: float | None = None,
) -> Outcome | None:
    """Levels after ``mark`` (first run: from the output covering ``first_new``)."""
    ls = active.rule.levels(inputs_of(active, windows), now=now)
    if not len(ls):
        return None
    if mark is None:
        start = max(int(np.searchsorted(ls.times, first_new, side="right")) - 1, 0)
    else:
        start = int(np.searchsorted(ls.times, mark, side="right"))
    if start >= len(ls):
        return None
    return Outcome(active, ls.names, ls.times[start:], ls.levels[start:], ls.values[start:])
