"""The one ingest path: every way in (HTTP, CreateObservations, MQTT, files, simulator).

Modules: ``write`` (``store_observations``, the single place observations are written),
``dataarray`` (the data
array extension's CreateObservations body), ``foi`` (FeaturesOfInterest: given, inline,
or made from the Thing's Location and reused), ``derived`` (a Datastream's times,
observed area and latest value), ``cache`` (what ingest looks up on every write, kept in
the writer thread). Observation bodies are parsed by ``cityops.datamodel.observation``.
"""
