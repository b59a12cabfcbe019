"""The city data hub: administrative and infrastructure layers as datasets.

Modules: ``readers`` (GeoJSON, CSV with coordinates, GeoPackage and zipped Shapefile via
pyogrio: features with their source CRS), ``geometry`` (to WGS 84 with pyproj, validated
and repaired with shapely or refused), ``catalogue`` (the datasets and features tables:
insert whole-or-nothing, list and read with the visibility rules), ``service`` (an import:
read, check every feature, store in one transaction), ``items`` (a collection's features
with bbox, datetime and filter, paged), ``cql`` (CQL2 parsed by pygeofilter, compiled to
SQL), ``ogc`` (the /ogc documents: landing, conformance, collections, Records, DCAT),
``html`` (their HTML views).
"""
