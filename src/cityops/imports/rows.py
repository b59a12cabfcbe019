"""The parsed content of a file: good rows in compact arrays, bad rows with reasons.

Ten million rows must fit in memory comfortably, so times (epoch microseconds), values and
line numbers live in ``array`` buffers (20 bytes a row), not in Python objects.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field

import numpy as np

from cityops.errors import InvalidInput

MAX_REPORTED = 50  # problems listed in the rejection message (all are kept)


@dataclass(frozen=True)
class Problem:
    """A bad row: its 1-based line number in the file and why it is bad."""

    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


class ImportRejected(InvalidInput):
    """The file has bad rows; nothing was stored. ``problems`` lists every one."""

    def __init__(self, path: str, problems: list[Problem]) -> None:
        shown = "\n".join(f"  {p}" for p in problems[:MAX_REPORTED])
        more = len(problems) - MAX_REPORTED
        tail = f"\n  ... and {more} more" if more > 0 else ""
        super().__init__(
            f"{path}: {len(problems)} bad row(s), nothing imported:\n{shown}{tail}", field="file"
        )
        self.problems = problems


@dataclass
class Rows:
    """Good rows (time µs UTC, value, line) and the problems found while reading."""

    times: array[int] = field(default_factory=lambda: array("q"))
    values: array[float] = field(default_factory=lambda: array("d"))
    lines: array[int] = field(default_factory=lambda: array("q"))
    problems: list[Problem] = field(default_factory=list)
    repeats: int = 0  # rows repeating an earlier row exactly (same time and value): skipped
    blank: int = 0  # empty lines skipped

    def add(self, line: int, time_us: int, value: float) -> None:
        self.times.append(time_us)
        self.values.append(value)
        self.lines.append(line)

    def bad(self, line: int, reason: str) -> None:
        self.problems.append(Problem(line, reason))

    def __len__(self) -> int:
        return len(self.times)

    def finish(self, path: str) -> tuple[np.ndarray, np.ndarray]:
        """Sorted (times, values) without exact repeats; ImportRejected if any row is bad
        (including one time given twice with different values)."""
        times = np.frombuffer(self.times, dtype=np.int64) if len(self) else np.empty(0, np.int64)
        values = np.frombuffer(self.values, dtype=np.float64) if len(self) else np.empty(0)
        lines = np.frombuffer(self.lines, dtype=np.int64) if len(self) else np.empty(0, np.int64)
        order = np.argsort(times, kind="stable")
        times, values, lines = times[order], values[order], lines[order]
        same = np.flatnonzero(times[1:] == times[:-1]) + 1
        conflict = same[values[same] != values[same - 1]]
        for i in conflict.tolist():
            self.bad(
                int(lines[i]),
                f"time {_iso(int(times[i]))} repeats line {int(lines[i - 1])} "
                f"with another value ({values[i]:g}, not {values[i - 1]:g})",
            )
        if self.problems:
            self.problems.sort(key=lambda p: p.line)
            raise ImportRejected(path, self.problems)
        keep = np.ones(times.size, dtype=bool)
        keep[same] = False
        self.repeats = int(same.size)
        return times[keep], values[keep]


def _iso(us: int) -> str:
    from cityops.imports.timezones import from_epoch_us

    return from_epoch_us(us).strftime("%Y-%m-%dT%H:%M:%S") + "Z"
