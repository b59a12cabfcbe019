"""The city data hub: administrative and infrastructure layers as datasets.

Modules: ``readers`` (GeoJSON, CSV with coordinates, GeoPackage and zipped Shapefile via
pyogrio: features with their source CRS), ``geometry`` (to WGS 84 with pyproj, validated
and repaired with shapely or refused), ``catalogue`` (the datasets and features tables:
insert whole-or-nothing, list and read with the visibility rules), ``service`` (an import:
read, check every feature, store in one transaction).
"""
