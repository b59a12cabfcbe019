"""``cityops demo``: a world of ASEAN pilot cities and Mekong stations, served and fed by a
simulator, so that CityOps can be seen at work with one command.

Modules: ``run`` (end to end: seed, serve in-process, simulate, print URLs and logins),
``world`` (organisations, stations, monitors), ``catalog`` (sensors, observed properties,
datastream kinds), ``reference`` (the facts the world is built from, embedded),
``setup`` (rules, demo users, simulator tokens), ``simulator`` (seeded synthetic streams
through the public ingest paths), ``models`` (the synthetic signals: plausible, not
science), ``scenario`` (the Pakse 2011 flood season replayed), ``vietnam`` (Tam Ky, the platform
city: its gauges with Viet Nam's alarm levels, its wards), ``datasets`` (the data hub's
demo layers: Tam Ky's census wards, Champasak's districts, synthetic facilities).
"""
