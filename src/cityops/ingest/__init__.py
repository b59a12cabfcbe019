"""The one ingest path: every way in (HTTP, CreateObservations, MQTT, files, simulator)."""
