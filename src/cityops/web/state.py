"""The one judgement of a datastream's state, shared by the map, the station list, the
station page and the data page, so a badge never disagrees with the incident beside it.

States, worst last: ``nodata`` (never a reading), ``normal``, ``stale`` (a reading, but
older than ``STALE_AFTER``: the value is shown and the badge says it may be out of date),
``warning``, ``danger``. A level - reached by the latest value, or held by an open incident
of a rule that reads the datastream - is judged by its CAP severity, exactly as the
incident is: Extreme or Severe is ``danger``, any lower severity ``warning``. So a
"Moderate" AQI incident is a warning, and Viet Nam's "Báo động II" (Severe) is danger.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any


def N_(message: str) -> str:
    """Marks an English msgid for ``pybabel extract`` (babel.cfg); pages translate it in
    the reader's language (``web.translations``), this pure module never does."""
    return message


STATES = ("nodata", "normal", "stale", "warning", "danger")  # worst last
LABELS = {
    "nodata": N_("No data"),
    "normal": N_("Normal"),
    "stale": N_("Stale"),
    "warning": N_("Warning"),
    "danger": N_("Danger"),
}
STALE_AFTER = timedelta(hours=24)
DANGER_SEVERITIES = frozenset({"Extreme", "Severe"})


@dataclass(frozen=True)
class Judgement:
    """A state with its label, the level behind it (if any) and a sentence saying why:
    ``message`` is an English msgid with ``%(name)s`` places filled from ``args``, so a
    page can say it in its reader's language (``reason`` is the English sentence)."""

    state: str
    level: str | None
    message: str
    args: Mapping[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return LABELS[self.state]

    @property
    def reason(self) -> str:
        return self.message % dict(self.args) if self.args else self.message


def _amount(value: float, unit: str) -> str:
    return f"{value:g} {unit}" if unit else f"{value:g}"


def severity_state(severity: str | None) -> str:
    """The badge state of a level from its CAP severity (the single mapping)."""
    return "danger" if severity in DANGER_SEVERITIES else "warning"


def worst(states: Iterable[str]) -> str:
    """The worst state; ``nodata`` only when nothing else is known."""
    known = [x for x in states if x in STATES]
    return max(known, key=STATES.index) if known else "nodata"


def reached_level(
    value: float, levels: Sequence[tuple[str, float, str]]
) -> tuple[str, float, str] | None:
    """The highest ``(name, bound, severity)`` that ``value`` reaches (levels ascending)."""
    reached = [lv for lv in levels if value >= lv[1]]
    return reached[-1] if reached else None


def judge(
    value: float | None,
    last_time: datetime | None,
    now: datetime,
    levels: Sequence[tuple[str, float, str]],
    incidents: Sequence[Mapping[str, Any]],
    unit: str = "",
) -> Judgement:
    """State of a datastream from its latest value, its levels and its open incidents.

    ``levels``: ascending ``(name, bound, CAP severity)``; ``incidents``: open incidents
    (``level_name``, ``severity``, ``subject``) of rules reading the datastream.
    """
    candidates: list[Judgement] = []
    for inc in incidents:
        name = str(inc.get("level_name") or "")
        candidates.append(
            Judgement(
                severity_state(inc.get("severity")),
                name or None,
                N_("Open incident: %(level)s (%(severity)s)"),
                {"level": name, "severity": str(inc.get("severity"))},
            )
        )
    if last_time is None or value is None:
        candidates.append(Judgement("nodata", None, N_("No reading received yet")))
    elif now - last_time > STALE_AFTER:
        hours = int(STALE_AFTER.total_seconds() // 3600)
        candidates.append(
            Judgement(
                "stale",
                None,
                N_("Latest reading is more than %(hours)s h old: may be out of date"),
                {"hours": str(hours)},
            )
        )
    else:
        hit = reached_level(value, levels)
        if hit is None:
            if levels:
                below = {"level": levels[0][0], "amount": _amount(levels[0][1], unit)}
                candidates.append(
                    Judgement(
                        "normal",
                        None,
                        N_("Latest value normal (below %(level)s, %(amount)s)"),
                        below,
                    )
                )
            else:
                candidates.append(Judgement("normal", None, N_("Latest value normal")))
        else:
            name, bound, severity = hit
            candidates.append(
                Judgement(
                    severity_state(severity),
                    name,
                    N_("At or above %(level)s (%(amount)s)"),
                    {"level": name, "amount": _amount(bound, unit)},
                )
            )
    state = worst(c.state for c in candidates)
    return next(c for c in candidates if c.state == state)
