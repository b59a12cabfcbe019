"""The hazard engine in the running system: rules stored and checked against the
datastreams (``catalog``), incremental evaluation on each committed ingest batch
(``engine``), incident persistence (``incidents``) and replay over history (``replay``).

Plain Python: no FastAPI here. The pure parts live in ``cityops.rules`` (rule types),
``cityops.hazards`` (science) and ``cityops.incidents.state`` (the state machine).
"""
