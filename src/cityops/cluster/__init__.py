"""Several CityOps nodes acting as one, over NATS JetStream (``settings.events_url``).

- the NATS connection and streams are ``events.nats`` (shared with the event log, below).
- ``codec``: observations and principals as stream messages.
- ``ids``: Observation ids reserved up front from PostgreSQL's sequence, in blocks per node.
- ``check``: the synchronous checks of a write before it is published (the client must see
  them): the Datastream exists, the caller may write it, a named FeatureOfInterest exists.
- ``ingest``: ``IngestLog`` publishes observation writes to the stream and acknowledges them
  once the stream holds them; its consumer writes them to the database in batches through
  ``ingest.write`` and acknowledges the stream only after the commit.
- ``ratelimit``: rate-limit usage shared between nodes.
- ``broker``: the start-up check of an MQTT broker's queue limits.
- ``worker``: the ``cityops.workers`` entry point that starts all of it.

With ``events_url`` unset none of this runs.
"""
