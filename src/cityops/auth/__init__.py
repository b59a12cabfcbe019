"""Who is asking and what they may do (plain Python, with the store's tables).

Modules: ``principal`` (the caller every service call carries), ``policy`` (who may see
and change what, in one place), ``users`` (argon2 password hashes, roles, lock-out),
``tokens`` (API and device tokens, stored hashed), ``orgs`` (cities and partners),
``audit`` (one row per write, in the write's transaction), ``sessions`` (server-side login
sessions), ``lockout`` (failed logins per account and address), ``passwords`` (the password
policy), ``mqtt_clients`` (devices' accounts on the MQTT broker), ``accounts`` (organisations,
people and tokens administered on behalf of a principal, with who may do what).
"""
