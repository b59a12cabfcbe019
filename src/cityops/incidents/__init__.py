"""Incidents: the operators' unit of work. ``state`` is the pure state machine (open ->
acknowledged -> resolved, with level changes); storing incidents is ``alerting.incident_store``.
"""

from .state import Action, Change, Incident, Policy, State, TimelineEntry, observe

__all__ = ["Action", "Change", "Incident", "Policy", "State", "TimelineEntry", "observe"]
