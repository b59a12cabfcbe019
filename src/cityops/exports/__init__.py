"""Exports: observations as CSV and Parquet, stations with their latest values as GeoJSON.

Every export reads with the caller's access (``auth.policy.visible``), like SensorThings
reads: what a caller may not see is not in the file.

Modules: ``query`` (which observations: one datastream or a SensorThings query),
``writers`` (CSV text or Parquet, chunk by chunk), ``geojson`` (stations).
"""
