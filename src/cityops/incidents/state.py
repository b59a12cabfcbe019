"""Pure incident state machine: open -> acknowledged -> resolved, with level changes.

An incident is the operators' unit of work: at most one open (not resolved) incident per
(rule, subject). Level observations from the hazard engine open, escalate, de-escalate
or auto-resolve it; operators acknowledge, assign, annotate and resolve it. Every change
appends a :class:`TimelineEntry`. No I/O: the caller loads the open incident for the key,
applies the change, and persists the incident and the new entries.

One event is one incident. When the level falls back to normal the incident is not
resolved at once: its condition is *cleared* (``cleared_at``) and a cool-down starts. A
rise within the cool-down *recurs* on the same incident (its timeline goes on; the rises
are counted in ``oscillations``, and only the first few are written to the timeline, so
flapping input stays bounded). The system resolves the incident when the cool-down has
passed - unless a person acknowledged or assigned it: such an incident stays open with
its condition cleared and waits for the operator.

Escalating an acknowledged incident returns it to ``open`` when the policy says so
(default), so that the higher level is acknowledged again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from cityops.errors import Conflict, InvalidInput

SYSTEM = "system"


class State(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class Action(StrEnum):
    """What a level observation did."""

    OPENED = "opened"
    ESCALATED = "escalated"
    DEESCALATED = "deescalated"
    CLEARED = "cleared"  # back at normal: the cool-down runs
    RECURRED = "recurred"  # back above normal within the cool-down
    RESOLVED = "resolved"
    NOTHING = "nothing"


@dataclass(frozen=True)
class TimelineEntry:
    """One change: ``kind`` (an Action value or acknowledged/assigned/annotated/reopened),
    when (s since epoch), who, the value before and after (level name, state or assignee)."""

    kind: str
    time: float
    actor: str
    from_value: str | None = None
    to_value: str | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        # enum members become plain strings, so entries compare and serialise simply
        for name in ("kind", "from_value", "to_value"):
            value = getattr(self, name)
            if isinstance(value, StrEnum):
                object.__setattr__(self, name, value.value)


#: Recurrences written to the timeline; later ones are only counted (bounded flapping).
FLAP_LOG = 3


@dataclass(frozen=True)
class Policy:
    """How level observations act on incidents. ``cooldown``: seconds at normal before
    the system resolves an incident (a rise within it continues the same incident)."""

    auto_resolve: bool = True
    reopen_on_escalation: bool = True
    cooldown: float = 0.0


@dataclass
class Incident:
    """One incident for a (rule, subject). ``id`` is set by the store."""

    rule: str
    subject: str
    level: int
    level_name: str
    opened_at: float
    state: State = State.OPEN
    max_level: int = 0
    assignee: str | None = None
    updated_at: float = 0.0
    resolved_at: float | None = None
    id: int | str | None = None
    timeline: list[TimelineEntry] = field(default_factory=list)
    cleared_at: float | None = None  # condition back to normal since (None: active)
    oscillations: int = 0  # rises after a clear within the cool-down
    held_by: str | None = None  # the person who acknowledged or assigned it

    @property
    def current_level(self) -> int:
        """The level in force now: 0 while the condition is cleared."""
        return 0 if self.cleared_at is not None else self.level

    @property
    def key(self) -> tuple[str, str]:
        return (self.rule, self.subject)

    @property
    def is_open(self) -> bool:
        return self.state is not State.RESOLVED

    def _add(self, entry: TimelineEntry) -> TimelineEntry:
        self.timeline.append(entry)
        self.updated_at = max(self.updated_at, entry.time)
        return entry

    def _require_open(self, action: str) -> None:
        if not self.is_open:
            raise Conflict(f"cannot {action} a resolved incident", field="state")

    def acknowledge(self, actor: str, time: float, note: str | None = None) -> TimelineEntry:
        """open -> acknowledged; Conflict if already acknowledged or resolved."""
        self._require_open("acknowledge")
        if self.state is State.ACKNOWLEDGED:
            raise Conflict("incident is already acknowledged", field="state")
        self.state = State.ACKNOWLEDGED
        self.held_by = self.held_by or (actor if actor != SYSTEM else None)
        return self._add(TimelineEntry("acknowledged", time, actor, State.OPEN, self.state, note))

    def assign(
        self, actor: str, time: float, assignee: str | None, note: str | None = None
    ) -> TimelineEntry:
        """Set (or clear, with None) the assignee; Conflict if resolved or unchanged."""
        self._require_open("assign")
        if assignee == self.assignee:
            raise Conflict(f"incident is already assigned to {assignee!r}", field="assignee")
        before, self.assignee = self.assignee, assignee
        self.held_by = self.held_by or (actor if actor != SYSTEM else None)
        return self._add(TimelineEntry("assigned", time, actor, before, assignee, note))

    def annotate(self, actor: str, time: float, note: str) -> TimelineEntry:
        """Add a note, in any state (notes after resolution serve the post-mortem)."""
        if not note or not note.strip():
            raise InvalidInput("note must not be empty", field="note")
        return self._add(TimelineEntry("annotated", time, actor, note=note))

    def resolve(self, actor: str, time: float, note: str | None = None) -> TimelineEntry:
        """open/acknowledged -> resolved; Conflict if already resolved."""
        self._require_open("resolve")
        before, self.state, self.resolved_at = self.state, State.RESOLVED, time
        return self._add(TimelineEntry("resolved", time, actor, before, self.state, note))

    def change_level(
        self, level: int, level_name: str, time: float, policy: Policy = Policy()
    ) -> list[TimelineEntry]:
        """Apply a new non-zero level from the engine to this open incident."""
        self._require_open("change the level of")
        if level <= 0:
            raise ValueError("use observe() for level 0")
        if level == self.level:
            return []
        kind = Action.ESCALATED if level > self.level else Action.DEESCALATED
        entries = [TimelineEntry(kind, time, SYSTEM, self.level_name, level_name)]
        self.level, self.level_name = level, level_name
        self.max_level = max(self.max_level, level)
        if (
            kind is Action.ESCALATED
            and policy.reopen_on_escalation
            and self.state is State.ACKNOWLEDGED
        ):
            self.state = State.OPEN
            entries.append(TimelineEntry("reopened", time, SYSTEM, State.ACKNOWLEDGED, State.OPEN))
        for e in entries:
            self._add(e)
        return entries


@dataclass(frozen=True)
class Change:
    """Result of :func:`observe`: the action, the incident it concerns (None when nothing
    is open and the level is 0) and the timeline entries it added."""

    action: Action
    incident: Incident | None
    entries: tuple[TimelineEntry, ...] = ()


def observe(
    current: Incident | None,
    rule: str,
    subject: str,
    level: int,
    level_name: str,
    time: float,
    policy: Policy = Policy(),
) -> Change:
    """Apply a level observation for (rule, subject) given its open incident, if any.

    Level > 0 with nothing open opens a new incident; on an open one it recurs (after a
    clear), escalates or de-escalates. Level 0 clears the condition (when
    ``policy.auto_resolve``, else nothing) and, once the cool-down has passed, resolves
    the incident unless a person holds it (see :func:`expire`).
    """
    if current is not None and (not current.is_open or current.key != (rule, subject)):
        raise Conflict("the incident given is not the open incident of this rule and subject")
    if current is None:
        if level <= 0:
            return Change(Action.NOTHING, None)
        inc = Incident(rule, subject, level, level_name, time, max_level=level, updated_at=time)
        entry = inc._add(TimelineEntry(Action.OPENED, time, SYSTEM, None, level_name))
        return Change(Action.OPENED, inc, (entry,))
    if level <= 0:
        if not policy.auto_resolve:
            return Change(Action.NOTHING, current)
        if current.cleared_at is None:
            return _clear(current, time, level_name, policy)
        return expire(current, time, policy)
    entries = _recur(current, time) if current.cleared_at is not None else []
    entries += current.change_level(level, level_name, time, policy)
    if not entries:
        return Change(Action.NOTHING, current)
    return Change(Action(entries[0].kind), current, tuple(entries))


def _clear(current: Incident, time: float, level_name: str, policy: Policy) -> Change:
    """Back at normal: the condition is cleared and the cool-down starts (with no
    cool-down, an incident nobody holds is resolved at once)."""
    current.cleared_at = time
    current.updated_at = max(current.updated_at, time)
    logged: tuple[TimelineEntry, ...] = ()
    if current.oscillations <= FLAP_LOG:
        note = "condition cleared" + ("; waits for the operator" if current.held_by else "")
        entry = TimelineEntry(Action.CLEARED, time, SYSTEM, current.level_name, level_name, note)
        logged = (current._add(entry),)
    done = expire(current, time, policy)
    action = Action.RESOLVED if done.entries else Action.CLEARED
    return Change(action, current, (*logged, *done.entries))


def _recur(inc: Incident, time: float) -> list[TimelineEntry]:
    """The condition is back within the cool-down: the same incident goes on."""
    since, inc.cleared_at = inc.cleared_at, None
    inc.oscillations += 1
    inc.updated_at = max(inc.updated_at, time)
    if inc.oscillations > FLAP_LOG + 1:
        return []  # flapping: counted, not logged
    when = datetime.fromtimestamp(since or time, UTC).isoformat(timespec="minutes")
    note = f"back within the cool-down (normal since {when})"
    if inc.oscillations == FLAP_LOG + 1:
        note = "flapping: further recurrences are counted, not logged"
    return [inc._add(TimelineEntry(Action.RECURRED, time, SYSTEM, "normal", inc.level_name, note))]


def expire(current: Incident, time: float, policy: Policy = Policy()) -> Change:
    """At ``time`` with the condition still cleared: resolve once the cool-down has
    passed, unless a person acknowledged or assigned the incident (it then waits)."""
    if (
        current.cleared_at is None
        or not current.is_open
        or current.held_by is not None
        or time - current.cleared_at < policy.cooldown
    ):
        return Change(Action.NOTHING, current)
    entry = current.resolve(SYSTEM, time, note="level back to normal after the cool-down")
    return Change(Action.RESOLVED, current, (entry,))
