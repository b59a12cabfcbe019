"""Turn a LevelSeries into transitions and episodes, for replay and for the engine."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .base import LevelSeries


@dataclass(frozen=True)
class Transition:
    """The level changed from ``from_level`` to ``to_level`` at ``time`` (value then)."""

    time: float
    from_level: int
    to_level: int
    value: float


@dataclass(frozen=True)
class Episode:
    """A stretch above level 0: from ``start`` to ``end`` (the first time back at level 0,
    ``None`` if still going), with its highest level, largest value and the first time at
    that level."""

    start: float
    end: float | None
    max_level: int
    max_value: float
    max_level_time: float


def transitions(series: LevelSeries, initial_level: int = 0) -> list[Transition]:
    """Every change of level, given the level in force before the first element."""
    lv = np.asarray(series.levels)
    if lv.size == 0:
        return []
    prev = np.concatenate(([initial_level], lv[:-1]))
    idx = np.flatnonzero(lv != prev)
    return [
        Transition(float(series.times[i]), int(prev[i]), int(lv[i]), float(series.values[i]))
        for i in idx
    ]


def episodes(series: LevelSeries) -> list[Episode]:
    """Episodes of non-zero level, in time order."""
    lv = np.asarray(series.levels)
    out: list[Episode] = []
    active = lv > 0
    if not active.any():
        return out
    edges = np.diff(np.concatenate(([False], active, [False])).astype(np.int8))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    for s, e in zip(starts, stops, strict=True):
        seg = lv[s:e]
        vals = series.values[s:e]
        top = int(seg.max())
        first_top = s + int(np.argmax(seg == top))
        top_value = float(np.nanmax(vals)) if np.isfinite(vals).any() else float("nan")
        end = float(series.times[e]) if e < lv.size else None
        out.append(
            Episode(float(series.times[s]), end, top, top_value, float(series.times[first_top]))
        )
    return out
