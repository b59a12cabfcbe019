"""The SensorThings data model, shared by the API (``sta``) and the write path (``ingest``).

It sits below both so that neither imports the other for it (no import cycle):
``sta`` and ``ingest`` import ``datamodel``; ``datamodel`` imports only ``errors`` and
``store.schema``.

- entities: the eight entity types, their properties, kinds and navigation links.
- values: parsing and formatting of times, intervals, geometries and results.
- rows: SensorThings JSON properties <-> table rows, for any entity type.
- observation: an Observation body -> a validated ``ObservationIn`` ready to store.
"""
