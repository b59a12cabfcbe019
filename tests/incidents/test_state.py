import pytest

from cityops.errors import Conflict, InvalidInput
from cityops.incidents import Action, Incident, Policy, State, observe


def _open(level: int = 1, name: str = "warning", time: float = 100.0) -> Incident:
    change = observe(None, "pakse-flood", "Pakse", level, name, time)
    assert change.action is Action.OPENED and change.incident is not None
    return change.incident


def test_level_zero_without_incident_does_nothing():
    change = observe(None, "r", "s", 0, "normal", 1.0)
    assert change.action is Action.NOTHING and change.incident is None and change.entries == ()


def test_open_escalate_deescalate_autoresolve_timeline():
    inc = _open()
    assert inc.state is State.OPEN and inc.level == 1 and inc.key == ("pakse-flood", "Pakse")
    assert observe(inc, "pakse-flood", "Pakse", 1, "warning", 150.0).action is Action.NOTHING
    assert observe(inc, "pakse-flood", "Pakse", 2, "danger", 200.0).action is Action.ESCALATED
    assert observe(inc, "pakse-flood", "Pakse", 1, "warning", 300.0).action is Action.DEESCALATED
    change = observe(inc, "pakse-flood", "Pakse", 0, "normal", 400.0)
    assert change.action is Action.RESOLVED
    assert inc.state is State.RESOLVED and inc.resolved_at == 400.0 and inc.max_level == 2
    assert [(e.kind, e.time, e.actor, e.from_value, e.to_value) for e in inc.timeline] == [
        ("opened", 100.0, "system", None, "warning"),
        ("escalated", 200.0, "system", "warning", "danger"),
        ("deescalated", 300.0, "system", "danger", "warning"),
        ("cleared", 400.0, "system", "warning", "normal"),  # no cool-down: resolved at once
        ("resolved", 400.0, "system", "open", "resolved"),
    ]
    assert inc.updated_at == 400.0


def test_no_auto_resolve_keeps_the_incident_open():
    inc = _open()
    change = observe(inc, "pakse-flood", "Pakse", 0, "normal", 200.0, Policy(auto_resolve=False))
    assert change.action is Action.NOTHING and inc.state is State.OPEN


def test_operator_actions_and_conflicts():
    inc = _open()
    e = inc.acknowledge("ana", 110.0, "seen")
    assert (e.kind, e.actor, e.from_value, e.to_value, e.note) == (
        "acknowledged",
        "ana",
        "open",
        "acknowledged",
        "seen",
    )
    with pytest.raises(Conflict):
        inc.acknowledge("ana", 111.0)
    e = inc.assign("ana", 120.0, "bounmy")
    assert (e.kind, e.from_value, e.to_value) == ("assigned", None, "bounmy")
    with pytest.raises(Conflict):
        inc.assign("ana", 121.0, "bounmy")
    assert inc.assign("ana", 122.0, None).from_value == "bounmy"
    with pytest.raises(InvalidInput):
        inc.annotate("ana", 130.0, "  ")
    inc.annotate("ana", 130.0, "sandbags at the market")
    e = inc.resolve("ana", 140.0, "water down")
    assert (e.kind, e.from_value, e.to_value) == ("resolved", "acknowledged", "resolved")
    for action in (
        lambda: inc.resolve("ana", 150.0),
        lambda: inc.acknowledge("ana", 150.0),
        lambda: inc.assign("ana", 150.0, "x"),
    ):
        with pytest.raises(Conflict):
            action()
    inc.annotate("ana", 160.0, "post-mortem: gauge read late")  # allowed after resolution
    assert [x.kind for x in inc.timeline] == [
        "opened",
        "acknowledged",
        "assigned",
        "assigned",
        "annotated",
        "resolved",
        "annotated",
    ]


def test_escalation_reopens_an_acknowledged_incident_by_default():
    inc = _open()
    inc.acknowledge("ana", 110.0)
    change = observe(inc, "pakse-flood", "Pakse", 2, "danger", 200.0)
    assert [e.kind for e in change.entries] == ["escalated", "reopened"]
    assert inc.state is State.OPEN
    inc.acknowledge("ana", 210.0)
    observe(inc, "pakse-flood", "Pakse", 1, "warning", 300.0)
    assert inc.state is State.ACKNOWLEDGED  # de-escalation keeps the acknowledgement
    other = _open()
    other.acknowledge("ana", 110.0)
    observe(other, "pakse-flood", "Pakse", 2, "danger", 200.0, Policy(reopen_on_escalation=False))
    assert other.state is State.ACKNOWLEDGED


def test_one_open_incident_per_rule_and_subject():
    inc = _open()
    with pytest.raises(Conflict):
        observe(inc, "pakse-flood", "Stung Treng", 2, "danger", 200.0)
    inc.resolve("ana", 300.0)
    with pytest.raises(Conflict):
        observe(inc, "pakse-flood", "Pakse", 2, "danger", 400.0)  # resolved: open a new one
    again = observe(None, "pakse-flood", "Pakse", 2, "danger", 400.0)
    assert again.action is Action.OPENED and again.incident is not inc


def test_replay_a_level_sequence():
    inc = None
    actions = []
    for time, (level, name) in enumerate(
        [(0, "normal"), (1, "w"), (2, "d"), (2, "d"), (0, "normal"), (1, "w")]
    ):
        change = observe(inc, "r", "s", level, name, float(time))
        actions.append(change.action.value)
        inc = change.incident if change.incident and change.incident.is_open else None
    assert actions == ["nothing", "opened", "escalated", "nothing", "resolved", "opened"]


def test_clear_recur_and_expire_with_a_cool_down():
    from cityops.incidents.state import Policy, expire

    policy = Policy(cooldown=100.0)
    inc = _open()
    assert observe(inc, "pakse-flood", "Pakse", 0, "normal", 200.0, policy).action is Action.CLEARED
    assert inc.is_open and inc.cleared_at == 200.0 and inc.current_level == 0
    change = observe(inc, "pakse-flood", "Pakse", 1, "warning", 250.0, policy)
    assert change.action is Action.RECURRED and inc.oscillations == 1 and inc.cleared_at is None
    observe(inc, "pakse-flood", "Pakse", 0, "normal", 300.0, policy)
    assert expire(inc, 399.0, policy).action is Action.NOTHING  # cool-down not over
    assert expire(inc, 400.0, policy).action is Action.RESOLVED and inc.resolved_at == 400.0
