"""HTTP only: parse requests, call the services, shape responses. FastAPI lives here and
nowhere else; ``cityops.app`` mounts the routers (docs/reference.md lists every route).

Modules:
- ``sta`` (the SensorThings API under /v1.1: reads, writes, CreateObservations);
- ``auth`` (login, logout, who am I), ``admin`` (organisations, users, tokens, audit),
  ``mqtt_clients`` (devices' MQTT broker accounts);
- ``incidents``, ``rules``, ``alerts`` (CAP alerts, documents, feeds), ``alert_channels``
  (subscriptions and deliveries), ``programmes``, ``exports``;
- ``datasets`` (publishing layers into the data hub), ``ogc`` (the data hub's datasets
  as OGC API – Features with CQL2, Records, DCAT);
- pages and their data: ``web_pages``, ``web_programmes``, ``web_admin`` (people and
  device tokens of a city, in forms), ``web_datasets`` (publishing a layer from the
  browser), ``web_data``, ``web_events``
  (Server-Sent Events), ``alert_pages`` (the public page of each CAP message, its
  ``<web>`` link), ``public`` (the installable public page, residents' subscriptions);
- shared: ``context`` (what every handler and worker needs: settings, store, services),
  ``deps`` (who is calling), ``body`` (JSON bodies), ``json`` (orjson responses), ``errors``
  (domain errors -> HTTP, once),
  ``middleware`` (body limit, security headers, rate limits), ``guard`` (URLs with NUL
  refused before routing), ``replica`` (GET requests read the read replica).
"""
