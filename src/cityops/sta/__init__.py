"""SensorThings API v1.1 services: reads, writes and serialisation (plain Python; the HTTP
routes are in ``cityops.api.sta``; the entity model and value parsing, shared with
``cityops.ingest``, are in ``cityops.datamodel``).

Modules: ``resource_paths`` (resolve a resource path), ``query`` (the query language:
parser, SQL compiler, evaluator), ``read`` (filter, count, order, page, select, expand),
``serialize`` (rows -> SensorThings JSON), ``access`` (the organisation and visibility of
a new entity, and changes of visibility), ``guard`` (which entities a link or relink
touches, checked with ``auth.policy.WriteGuard``), ``create`` (with deep insert),
``update`` (PATCH, JSON Patch in the write job, PUT), ``jsonpatch`` (RFC 6902 with the
``jsonpatch`` library), ``delete`` (with the specification's cascades, never across
organisations).
"""
