"""Mapping of rule levels to CAP 1.2 severities (Extreme, Severe, Moderate, Minor, Unknown).

Default, when a rule does not list ``severities`` itself:
1. a level whose name is known gets its usual meaning (table ``_BY_NAME``), e.g.
   caution / advisory / yellow / light -> Minor; warning / alarm / BD1 -> Moderate;
   danger / flood / critical / orange / BD2 / heavy -> Severe;
   extreme danger / hazardous / red / BD3 / very heavy -> Extreme; Viet Nam's
   "Báo động I/II/III" like BD1-3; VN_AQI Poor / Bad / Very bad like the EPA's
   sensitive-groups / unhealthy / very unhealthy;
2. otherwise by position from the top: the highest level Severe, the one below Moderate,
   all lower Minor.
3. a level never gets a lower severity than the level below it.
So a river rule with "warning" and "danger" maps to Moderate and Severe by default; a
city that treats its danger level as life-threatening sets ``severities = ["Severe",
"Extreme"]`` on the rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

CAP_SEVERITIES = ("Extreme", "Severe", "Moderate", "Minor", "Unknown")

_BY_NAME = {
    "extreme danger": "Extreme",
    "extreme": "Extreme",
    "hazardous": "Extreme",
    "very unhealthy": "Severe",
    "very heavy": "Extreme",
    "extremely dry": "Extreme",
    "red": "Extreme",
    "bd3": "Extreme",
    "báo động iii": "Extreme",
    "danger": "Severe",
    "flood": "Severe",
    "critical": "Severe",
    "severe": "Severe",
    "heavy": "Severe",
    "orange": "Severe",
    "bd2": "Severe",
    "báo động ii": "Severe",
    "very bad": "Severe",
    "severely dry": "Severe",
    "unhealthy": "Severe",
    "warning": "Moderate",
    "alarm": "Moderate",
    "moderate": "Moderate",
    "extreme caution": "Moderate",
    "bd1": "Moderate",
    "báo động i": "Moderate",
    "bad": "Severe",
    "moderately dry": "Moderate",
    "unhealthy for sensitive groups": "Moderate",
    "poor": "Moderate",
    "watch": "Minor",
    "advisory": "Minor",
    "caution": "Minor",
    "yellow": "Minor",
    "light": "Minor",
    "suspect": "Minor",
}


def default_severities(names: Sequence[str], by_name: Mapping[str, str] | None = None) -> list[str]:
    """CAP severity per level name (lowest first), by name (``by_name`` first, then the
    table above) or else by position; never decreasing as the level rises, since a higher
    level that reads as less severe than a lower one would mislead the public."""
    n = len(names)
    out: list[str] = []
    for i, name in enumerate(names):
        key = name.strip().lower()
        known = (by_name or {}).get(key) or _BY_NAME.get(key)
        from_top = n - 1 - i
        sev = known or ("Severe" if from_top == 0 else "Moderate" if from_top == 1 else "Minor")
        if out and _RANK[sev] < _RANK[out[-1]]:
            sev = out[-1]
        out.append(sev)
    return out


_RANK = {"Unknown": 0, "Minor": 1, "Moderate": 2, "Severe": 3, "Extreme": 4}
