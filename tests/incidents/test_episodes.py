"""One event is one incident: cool-down, peak, persons' incidents, bounded flapping.

The fold (shared by the engine and replay) is driven with a real river rule; no store.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cityops.alerting.active import ActiveRule
from cityops.alerting.fold import Tracked, fold
from cityops.incidents.state import State
from cityops.rules import build_rule
from cityops.rules.base import default_cooldown

HOUR = 3600.0
T0 = 1_700_000_000.0


def _active(**config: Any) -> ActiveRule:
    doc = {"inputs": {"level": 1}, "levels": {"warning": 11.0, "danger": 12.0}, **config}
    rule = build_rule("river_level", doc)
    return ActiveRule(
        1, "flood", "river_level", "Pakse", None, rule, {"level": 1}, {}, None, rule.policy()
    )


def _run(active: ActiveRule, values: list[float], step: float = HOUR) -> list[Tracked]:
    """Fold ``values`` one reading at a time (as the engine does); every incident touched."""
    ls = active.rule.levels(
        {"level": _series(values, step)},
    )
    seen: dict[int, Tracked] = {}
    cur: Tracked | None = None
    for i in range(len(ls)):
        out = fold(
            active,
            ls.names,
            cur,
            0,
            ls.times[i : i + 1],
            ls.levels[i : i + 1],
            ls.values[i : i + 1],
        )
        for t in out.touched:
            seen[id(t)] = t
        cur = next((t for t in out.touched if t.incident.is_open), None)
    return list(seen.values())


def _series(values: list[float], step: float) -> Any:
    from cityops.rules import Series

    return Series(T0 + step * np.arange(len(values)), np.asarray(values, dtype=float))


def test_a_dip_within_the_cool_down_continues_the_incident() -> None:
    active = _active(cooldown=24 * HOUR)
    values = [10.0, 11.5, 12.3, 10.5, 10.4, 11.8, 12.6, 11.2] + [9.0] * 30
    [t] = _run(active, values)
    inc = t.incident
    assert inc.state is State.RESOLVED
    kinds = [e.kind for e in inc.timeline]
    assert kinds.count("opened") == 1 and "recurred" in kinds and kinds[-1] == "resolved"
    assert inc.oscillations == 1
    # the resolved incident keeps its peak, not its last level
    assert (inc.max_level, t.max_level_name, t.peak_value) == (2, "danger", 12.6)
    assert t.peak_at == T0 + 6 * HOUR


def test_the_system_never_closes_an_incident_a_person_took() -> None:
    active = _active(cooldown=2 * HOUR)
    ls = active.rule.levels({"level": _series([11.5, 12.2], HOUR)})
    [t] = fold(active, ls.names, None, 0, ls.times, ls.levels, ls.values).touched
    t.incident.acknowledge("op", T0 + 2 * HOUR)
    t.acknowledged_by = "op"
    later = active.rule.levels({"level": _series([12.2] * 2 + [9.0] * 20, HOUR)})
    out = fold(active, later.names, t, 2, later.times[2:], later.levels[2:], later.values[2:])
    [same] = out.touched
    assert same.incident.state is State.ACKNOWLEDGED and same.incident.is_open
    assert same.incident.cleared_at == T0 + 2 * HOUR
    assert "resolved" not in [e.kind for e in same.incident.timeline]


def test_assigned_incident_waits_for_the_operator_too() -> None:
    active = _active(cooldown=0.0)
    ls = active.rule.levels({"level": _series([11.5], HOUR)})
    [t] = fold(active, ls.names, None, 0, ls.times, ls.levels, ls.values).touched
    t.incident.assign("op", T0, "field-team")
    ls2 = active.rule.levels({"level": _series([11.5, 9.0, 9.0], HOUR)})
    [same] = fold(active, ls2.names, t, 1, ls2.times[1:], ls2.levels[1:], ls2.values[1:]).touched
    assert same.incident.is_open and same.incident.cleared_at is not None


def test_twenty_thousand_alternating_readings_make_one_incident() -> None:
    active = _active()
    values = [12.5, 9.0] * 10_000
    ls = active.rule.levels({"level": _series(values, 60.0)})
    out = fold(active, ls.names, None, 0, ls.times, ls.levels, ls.values)
    [t] = out.touched
    assert t.incident.oscillations == 9_999
    assert len(t.incident.timeline) < 10  # counted, not logged one by one


def _episodes(levels: np.ndarray, times: np.ndarray, cooldown: float) -> int:
    """Stretches above normal separated by at least ``cooldown`` s at normal."""
    count, last_above = 0, None
    for t, lv in zip(times.tolist(), levels.tolist(), strict=True):
        if lv > 0:
            quiet = None if last_above is None else _quiet_since(times, levels, last_above, t)
            if last_above is None or (quiet is not None and quiet >= cooldown):
                count += 1
            last_above = t
    return count


def _quiet_since(times: np.ndarray, levels: np.ndarray, after: float, until: float) -> float | None:
    """Time from the first normal reading after ``after`` to the last one before ``until``
    (None: no normal reading between)."""
    mask = (times > after) & (times < until) & (levels == 0)
    return float(times[mask][-1] - times[mask][0]) if mask.any() else None


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from([9.0, 10.9, 11.2, 11.9, 12.1, 12.8]), min_size=1, max_size=120),
    st.sampled_from([0.0, 2 * HOUR, 24 * HOUR]),
    st.integers(min_value=1, max_value=7),
)
def test_flapping_opens_at_most_one_incident_per_episode(
    values: list[float], cooldown: float, chunk: int
) -> None:
    active = _active(cooldown=cooldown)
    ls = active.rule.levels({"level": _series(values, HOUR)})
    seen: dict[int, Tracked] = {}
    cur: Tracked | None = None
    prev = 0
    for i in range(0, len(ls), chunk):  # batches of any size give the same incidents
        sl = slice(i, i + chunk)
        out = fold(active, ls.names, cur, prev, ls.times[sl], ls.levels[sl], ls.values[sl])
        for t in out.touched:
            seen[id(t)] = t
        cur = next((t for t in out.touched if t.incident.is_open), None)
        prev = out.level
    assert len(seen) == _episodes(ls.levels, ls.times, cooldown)
    assert sum(1 for t in seen.values() if t.incident.is_open) <= 1


def test_default_cool_downs_by_hazard() -> None:
    assert default_cooldown("river_level") >= 24 * HOUR
    assert default_cooldown("rainfall") >= HOUR
