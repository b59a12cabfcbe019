"""SensorThings MQTT: device ingest through a broker, and change notifications.

Topics (relative to ``v1.1/``; ``<p>`` is the ``mqtt_create_prefix`` setting, '' by default)
- create: a device publishes an Observation to ``<p>v1.1/Observations``,
  ``<p>v1.1/Datastreams(n)/Observations`` or ``<p>v1.1/FeaturesOfInterest(n)/Observations``
  (QoS 1). It is stored by ``ingest.write.store_observations``, the one write path, many
  messages per write job.
- notify: every create and update is published on its entity set (``v1.1/Things``), the
  entity (``v1.1/Things(1)``), its navigation collections
  (``v1.1/Datastreams(1)/Observations``), for updates each changed property
  (``v1.1/Things(1)/name``), and the ``$select`` topics listed in ``mqtt_select_topics``.
- errors: a rejected message is answered on a topic that names no owner (the device's own
  ``<p>devices/<user>/errors`` with broker authentication, else ``cityops/errors/t<token
  id>`` or ``cityops/errors/anonymous``) and, when the message carries an MQTT 5 Response
  Topic, there too (with its Correlation Data): ``{"code", "error", "topic"}``.
- status: counters retained on ``cityops/status/<client id>``.

Device authentication with ``mqtt_device_auth = "broker"``: devices log in to the broker
with accounts CityOps provisions (``dynsec``) and publish below ``<p>devices/<user>/``; no
credential is in any message. Otherwise (``"property"``): Mosquitto cannot check CityOps
tokens, and CityOps, as a subscriber, never sees the credentials a client connected with.
So each create message carries the device's CityOps token in the MQTT 5 user property
``authorization: Bearer <token>``; the token's principal (a device may write only to the
Datastreams of its own Thing) is checked by ``store_observations`` as for HTTP. MQTT 3.1.1
clients cannot create (no properties). User properties reach every subscriber of the
topic, so in production devices connect to a Mosquitto listener with ``mount_point
cityops/in/`` (and CityOps runs with ``mqtt_create_prefix = "cityops/in/"``): a device
still publishes to ``v1.1/...``, but the message lands under ``cityops/in/``, which the
broker ACL lets only CityOps read, and subscribers of ``v1.1/#`` see only CityOps'
notifications (docs/architecture.md, "MQTT").

Exactly once: see ``service``. Idempotency key of a message: the user property
``message-id`` if the device sends one, else a hash of topic and payload when the payload
gives a ``phenomenonTime``; a message with neither is a new reading each time it arrives
(its time is the time of receipt) and is delivered at least once.

Modules: ``worker`` (the app worker), ``service`` (the broker connection: batches,
acknowledgements after the commit, reconnects), ``ingest`` (messages -> observations),
``topics`` (which topics create, where changes go), ``notify`` (store events ->
notifications), ``stats`` (the counters), ``paho_speed`` (faster MQTT 5 properties for
paho, same results; plain paho on another version), ``aiomqtt_adapter`` (the one use of
aiomqtt's wrapped paho client).
"""
