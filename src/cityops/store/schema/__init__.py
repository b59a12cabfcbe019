"""All tables, as SQLAlchemy Core. Migrations in ``store/migrations`` create them.

Conventions:
- every SensorThings entity table carries ``org_id`` and ``visibility`` where access
  control needs them (Things, Locations, Datastreams, FeaturesOfInterest); Observations
  inherit the access of their Datastream.
- ``bbox_*`` columns hold the bounding box of a geometry, so that geometry predicates
  can be prefiltered by an ordinary index on SQLite; PostgreSQL also has a GiST index.
- times are ``UTCDateTime``; an interval is a ``*_start``/``*_end`` pair, an instant
  has ``*_end`` NULL.
"""

from __future__ import annotations

from cityops.store.schema.base import NAMING, BigId, metadata
from cityops.store.schema.datasets import dataset_features, datasets
from cityops.store.schema.engine import (
    incident_timeline,
    incidents,
    rules,
)
from cityops.store.schema.identity import (
    api_tokens,
    audit_log,
    ingest_receipts,
    login_attempts,
    mqtt_clients,
    sessions,
    users,
)
from cityops.store.schema.programmes import (
    exchange_rates,
    project_datastreams,
    project_facets,
    project_things,
    projects,
)
from cityops.store.schema.sta import (
    datastreams,
    features_of_interest,
    historical_location_locations,
    historical_locations,
    locations,
    observations,
    observed_properties,
    organisations,
    sensors,
    thing_locations,
    things,
)
from cityops.store.schema.warnings import (
    alert_areas,
    alert_deliveries,
    alert_subscriptions,
    alerts,
    external_alerts,
    server_secrets,
)

__all__ = [
    "NAMING",
    "BigId",
    "metadata",
    "organisations",
    "things",
    "locations",
    "thing_locations",
    "historical_locations",
    "historical_location_locations",
    "sensors",
    "observed_properties",
    "datastreams",
    "features_of_interest",
    "observations",
    "users",
    "api_tokens",
    "audit_log",
    "ingest_receipts",
    "login_attempts",
    "mqtt_clients",
    "sessions",
    "rules",
    "incidents",
    "incident_timeline",
    "alerts",
    "alert_areas",
    "alert_subscriptions",
    "alert_deliveries",
    "external_alerts",
    "server_secrets",
    "projects",
    "project_facets",
    "project_things",
    "project_datastreams",
    "exchange_rates",
    "datasets",
    "dataset_features",
]
