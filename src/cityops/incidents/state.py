"""Pure incident state machine: open -> acknowledged -> resolved, with level changes.

An incident is the operators' unit of work: at most one open (not resolved) incident per
(rule, subject). Level observations from the hazard engine open, escalate, de-escalate
or auto-resolve it; operators acknowledge, assign, annotate and resolve it. Every change
appends a :class:`TimelineEntry`. No I/O: the caller loads the open incident for the key,
applies the change, and persists the incident and the new entries.

Escalating an acknowledged incident returns it to ``open`` when the policy says so
(default), so that the higher level is acknowledged again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class Policy:
    """How level observations act on incidents."""

    auto_resolve: bool = True
    reopen_on_escalation: bool = True


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
        return self._add(TimelineEntry("acknowledged", time, actor, State.OPEN, self.state, note))

    def assign(
        self, actor: str, time: float, assignee: str | None, note: str | None = None
    ) -> TimelineEntry:
        """Set (or clear, with None) the assignee; Conflict if resolved or unchanged."""
        self._require_open("assign")
        if assignee == self.assignee:
            raise Conflict(f"incident is already assigned to {assignee!r}", field="assignee")
        before, self.assignee = self.assignee, assignee
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

    Level > 0 with nothing open opens a new incident; a different level escalates or
    de-escalates; level 0 resolves it when ``policy.auto_resolve`` (else nothing).
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
        entry = current.resolve(SYSTEM, time, note=f"level back to {level_name}")
        return Change(Action.RESOLVED, current, (entry,))
    entries = current.change_level(level, level_name, time, policy)
    if not entries:
        return Change(Action.NOTHING, current)
    return Change(Action(entries[0].kind), current, tuple(entries))
