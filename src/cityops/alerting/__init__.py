"""The hazard engine in the running system, incidents in the store, and public warnings.

Plain Python: no FastAPI here. The pure parts live in ``cityops.rules`` (rule types),
``cityops.hazards`` (science), ``cityops.incidents.state`` (the state machine) and
``cityops.cap`` (CAP documents).

Modules:
- hazard engine: ``engine`` (incremental evaluation on each committed ingest batch),
  ``active`` (a stored rule made ready to run), ``windows`` (recent observations per
  datastream, in memory), ``evaluate`` (one rule over its windows), ``fold`` (levels ->
  the incident of a rule and subject; shared with replay), ``persist`` (the engine's
  outcomes as write jobs), ``replay`` (the same rules over stored history), ``catalog``
  (rules as stored, checked against the store), ``engine_worker`` (the engine as an app
  worker);
- incidents: ``incident_store`` (load and save with timeline entries), ``operations`` (list,
  read, acknowledge, assign, annotate, resolve), ``downstream`` (the stations below a river
  incident on the river_lag network, with the wave's expected arrival and level);
- public warnings: ``cap_alerts`` (drafts from incidents, edits, Update/Cancel),
  ``auto_issue`` (when the system may issue: only where a city enabled it, after the
  condition persisted, rate-limited), ``escalation`` (unacknowledged incidents to the
  city admin),
  ``cap_sources`` (what an alert is made of), ``cap_codec`` (CAP info blocks as JSON),
  ``cap_issue`` (validate, sign, store once), ``cap_queries`` (reading alerts and feed
  items), ``alert_worker`` (incident changes -> alerts; deliveries), ``channels``
  (webhook, e-mail, MQTT, Web Push), ``alert_areas`` (a city's alert areas), ``external``
  (outside CAP feeds), ``composer`` (a draft from an incident, message-wide fields, the
  draft as issued now), ``residents`` (residents' push and e-mail subscriptions).
"""
