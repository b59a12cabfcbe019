"""One typed settings object: ``CITYOPS_*`` environment variables and an optional TOML file.

Validated at start-up; ``load_settings`` turns a validation error into one line that
names the setting (the CLI prints it and exits).
"""

from __future__ import annotations

import os
import ssl
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from cityops.errors import InvalidInput

MQTT_PORTS = {"mqtt": 1883, "mqtts": 8883}


@dataclass(frozen=True)
class BrokerAddress:
    """An MQTT broker: where, who, and whether over TLS (``mqtts://``)."""

    host: str
    port: int
    username: str | None = None
    password: str | None = None
    tls: bool = False

    def client_options(self) -> dict[str, Any]:
        """Keyword arguments for an MQTT client (aiomqtt.Client): TLS verifies the broker's
        certificate against the system's certificate authorities."""
        return {
            "hostname": self.host,
            "port": self.port,
            "username": self.username,
            "password": self.password,
            "tls_context": ssl.create_default_context() if self.tls else None,
        }


def parse_mqtt_url(url: str) -> BrokerAddress:
    """``mqtt[s]://[user[:password]@]host[:port]``, with user and password %-decoded (a ``@``
    or ``:`` in them must be written ``%40``, ``%3A``). Default ports: 1883, TLS 8883.
    Raises ValueError saying what is wrong."""
    parts = urlsplit(url)
    if parts.scheme not in MQTT_PORTS:
        raise ValueError(f"{url!r}: the scheme must be mqtt:// or mqtts://")
    if not parts.hostname:
        raise ValueError(f"{url!r}: no host")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(f"{url!r}: only mqtt[s]://[user:password@]host[:port] is allowed")
    try:
        port = parts.port or MQTT_PORTS[parts.scheme]
    except ValueError:
        raise ValueError(f"{url!r}: the port must be a number from 1 to 65535") from None
    return BrokerAddress(
        parts.hostname,
        port,
        unquote(parts.username) if parts.username is not None else None,
        unquote(parts.password) if parts.password is not None else None,
        tls=parts.scheme == "mqtts",
    )


class Settings(BaseSettings):
    """Every setting of CityOps. Environment: ``CITYOPS_<NAME>`` (upper case)."""

    model_config = SettingsConfigDict(env_prefix="CITYOPS_", extra="forbid")

    database_url: str = Field(
        "sqlite:///cityops.db",
        description="SQLAlchemy URL: sqlite:///path.db (default) or postgresql://user@host/db",
    )
    database_read_url: str | None = Field(
        None,
        description="postgresql:// URL of a streaming replica (hot standby) that GET requests "
        "(dashboards, exports, SensorThings reads) read from; writes, reads after a write in "
        "the same request, and background workers use database_url. Unset: everything reads "
        "database_url",
    )
    partition_months_ahead: int = Field(
        2,
        ge=1,
        le=24,
        description="PostgreSQL: monthly partitions of observations created ahead of the "
        "current month (at start and hourly); times without one go to the default partition",
    )
    host: str = Field("127.0.0.1", description="Address the HTTP server listens on")
    port: int = Field(8000, ge=1, le=65535, description="Port the HTTP server listens on")
    public_url: str | None = Field(
        None,
        description="Base URL clients see (selfLinks, feed links); unset: the request's host "
        "if allowed (allowed_hosts, the listen address, loopback), else the listen address",
    )
    access_log: bool = Field(
        False, description="Log every HTTP request (costs ~10 % of ingest throughput)"
    )
    default_top: int = Field(100, ge=1, description="Page size when a request gives no $top")
    max_top: int = Field(10000, ge=1, description="Largest page a request may ask for")
    max_body_bytes: int = Field(
        16 * 1024 * 1024, ge=1024, description="Largest request body accepted (413 above)"
    )
    group_commit_max: int = Field(
        2000, ge=1, description="Most write jobs the writer commits in one transaction"
    )
    read_pool_size: int = Field(8, ge=1, description="Read connections kept open")
    secret_key: str | None = Field(
        None,
        description="Unused since sessions are stored server-side (the cookie holds a random "
        "session id, nothing signed); accepted so that existing configurations still load",
    )
    trusted_proxies: str = Field(
        "",
        description="Reverse proxies whose X-Forwarded-For/-Proto are believed: addresses "
        "or CIDR networks, separated by spaces or commas; unset: the headers are ignored",
    )
    anonymous_rate_per_min: int = Field(
        6000, ge=1, description="Requests a minute an anonymous client (by address) may make"
    )
    login_rate_per_min: int = Field(10, ge=1, description="Login attempts a minute per address")
    events_url: str | None = Field(
        None,
        description="nats://host:port[,nats://host:port...] of the NATS JetStream cluster that "
        "carries the event log when several CityOps nodes act as one (needs PostgreSQL; "
        "observation writes are then acknowledged once the log holds them); unset: one "
        "process, events in-process (the embedded default)",
    )
    engine_partitions: int = Field(
        16,
        ge=1,
        le=1024,
        description="Partitions of the hazard engine on a cluster (events_url set): datastreams "
        "are hashed to them and each is evaluated by one node at a time; the same on every node",
    )
    engine_lease_seconds: float = Field(
        6.0,
        ge=1.0,
        le=300.0,
        description="Lifetime of a node's lease on an engine partition (renewed every third of "
        "it): a dead node's partitions are taken over after about this time",
    )
    mqtt_url: str | None = Field(
        None,
        description="mqtt[s]://[user:password@]host[:port] of the broker (user and password "
        "%-escaped; mqtts: TLS, port 8883 by default); unset: no MQTT",
    )
    mqtt_client_id: str = Field(
        "cityops",
        description="MQTT client id: fixed, so the broker keeps the session (and the "
        "messages queued for it) across restarts; with mqtt_shared_group a slot suffix is added",
    )
    mqtt_session_expiry: int = Field(
        7 * 24 * 3600,
        ge=0,
        description="Seconds the broker keeps CityOps' session while it is "
        "down (MQTT 5 session expiry)",
    )
    mqtt_shared_group: str | None = Field(
        None,
        description="MQTT 5 shared-subscription group ($share/<group>/...) for several "
        "workers or hosts; unset: one plain subscription",
    )
    mqtt_create_prefix: str = Field(
        "",
        description="Prefix of the topics devices create observations on: '' for the spec "
        "topics (v1.1/...), or e.g. 'cityops/in/' behind a Mosquitto listener mount_point",
    )
    mqtt_device_auth: Literal["property", "broker"] = Field(
        "property",
        description="How devices prove who they are over MQTT: 'broker' (they log in to "
        "the broker with credentials CityOps provisions through Mosquitto's dynamic-security "
        "plugin and publish under <prefix>devices/<user>/; no credential is ever in a "
        "message) or 'property' (a device token in the MQTT 5 user property "
        "'authorization', which every subscriber of the topic sees: only with a broker ACL "
        "that lets CityOps alone read the create topics)",
    )
    mqtt_notify: bool = Field(
        True,
        description="Publish every create and update on the SensorThings MQTT topics; "
        "off when only devices use the broker (saves most of the MQTT ingest cost)",
    )
    mqtt_notify_qos: int = Field(
        0, ge=0, le=1, description="QoS of the create/update notifications CityOps publishes"
    )
    mqtt_select_topics: str = Field(
        "",
        description="Space-separated $select topics to publish notifications on too, e.g. "
        "'v1.1/Observations?$select=result,phenomenonTime' (a broker does not tell which "
        "topics have subscribers)",
    )
    mqtt_batch_max: int = Field(
        5000, ge=1, description="Most MQTT messages stored in one write job"
    )
    assets_dir: Path | None = Field(
        None, description="Folder holding node_modules with the web libraries (default: repo root)"
    )
    tile_url: str | None = Field(None, description="Optional map tile URL template ({z}/{x}/{y})")
    cap_sender: str = Field("cityops@example.org", description="CAP sender of alerts")
    mrc_data: Path | None = Field(
        None,
        description="Folder (or file) of Mekong River Commission CSV exports, read by "
        "`cityops demo --scenario` (never packaged: MRC terms of use)",
    )
    cap_oid: str = Field("2.49.0.0.0.0", description="WMO alerting-authority OID for identifiers")
    cap_contact: str | None = Field(
        None,
        description="CAP info/contact of issued alerts (phone, e-mail or URL of the duty desk)",
    )
    cap_signing_key: Path | None = Field(
        None,
        description="PEM private key (RSA) to sign issued CAP documents (XML-DSig); "
        "needs cap_signing_cert",
    )
    cap_signing_cert: Path | None = Field(
        None, description="PEM X.509 certificate embedded in the signature of CAP documents"
    )
    smtp_host: str | None = Field(
        None, description="SMTP server for e-mail alerts; unset: the e-mail channel is off"
    )
    smtp_port: int = Field(25, ge=1, le=65535, description="Port of the SMTP server")
    smtp_username: str | None = Field(None, description="SMTP login (optional)")
    smtp_password: str | None = Field(None, description="SMTP password (optional)")
    smtp_starttls: bool = Field(False, description="Upgrade the SMTP connection with STARTTLS")
    smtp_from: str = Field("cityops@localhost", description="From address of e-mail alerts")
    mqtt_alert_topic: str = Field(
        "cityops/alerts/{org}",
        description="Default MQTT topic of alert messages ({org}: "
        "the organisation's slug); published on the broker of mqtt_url",
    )
    delivery_timeout: float = Field(
        10.0, gt=0, description="Seconds one delivery attempt (webhook, e-mail, MQTT) may take"
    )
    delivery_max_attempts: int = Field(
        6, ge=1, description="Attempts before a delivery goes to the dead-letter list"
    )
    delivery_backoff: float = Field(
        30.0, gt=0, description="Seconds before the first retry; doubled after each failure"
    )
    delivery_backoff_max: float = Field(
        3600.0, gt=0, description="Longest wait between two attempts, in seconds"
    )
    escalate_after: float = Field(
        900.0,
        ge=0,
        description="Seconds an incident may stay unacknowledged before it is escalated to "
        "the city admin (0: never)",
    )
    escalation_targets: list[str] = Field(
        default_factory=list,
        description="Where escalations go, as channel:target (webhook:https://..., "
        "email:admin@city.example, mqtt:topic); the city admins' own addresses",
    )
    delivery_poll_interval: float = Field(
        5.0,
        gt=0,
        description="Seconds between checks for due deliveries (retries, other processes' alerts)",
    )
    public_all_clear_hours: float = Field(
        6.0,
        ge=0,
        le=24 * 14,
        description="Hours the public page keeps an all-clear notice after a Cancel or an "
        "all-clear Update (0: none)",
    )
    public_basemap_file: Path | None = Field(
        None,
        description="Optional offline basemap of the city (a .pmtiles file of raster tiles), "
        "served at /public/basemap.pmtiles and drawn under the warnings",
    )
    push_subject: str | None = Field(
        None,
        description="VAPID 'sub' claim of Web Push (mailto: or https: contact of the operator "
        "of this CityOps); default: mailto: the SMTP From address",
    )
    push_allowed_hosts: list[str] = Field(
        default_factory=list,
        description="Hosts a Web Push endpoint may be on although they are loopback, private "
        "or plain http (an on-premises push service, tests); others must be public https",
    )
    feed_max_bytes: int = Field(
        5 * 1024 * 1024, ge=1024, description="Largest outside feed or CAP document imported"
    )

    # -- bounded cost of one request (docs/architecture.md, "Bounded cost") ----------
    max_expand_depth: int = Field(
        5, ge=1, le=20, description="Deepest $expand nesting a query may ask for (400 above)"
    )
    max_expression_nodes: int = Field(
        1000,
        ge=10,
        le=100_000,
        description="Most terms (operators, values, paths) in one $filter or $orderby key",
    )
    max_expression_depth: int = Field(
        128,
        ge=8,
        le=200,
        description="Deepest nesting of one $filter or $orderby key (a chain of 'or' counts "
        "one level per operator); at most 200 so that no stage runs out of stack",
    )
    max_response_entities: int = Field(
        100_000,
        ge=100,
        description="Most entities one SensorThings answer may hold, expanded ones included "
        "(400 above: ask for smaller $top inside $expand)",
    )
    max_json_depth: int = Field(
        64,
        ge=4,
        le=200,
        description="Deepest nesting of a JSON request body or MQTT message (400 above): "
        "nothing is stored that the server could not serialise again",
    )
    min_year: int = Field(
        1900, ge=1, description="Earliest year accepted in times of requests and files"
    )
    max_year: int = Field(
        2200, le=9998, description="Latest year accepted in times of requests and files"
    )
    statement_timeout: float = Field(
        30.0,
        gt=0,
        description="Seconds one request's database work may take before it is stopped "
        "and answered 503 with Retry-After",
    )
    outgoing_allow: str = Field(
        "",
        description="Loopback, private or link-local targets that webhooks, Web Push and "
        "outside feed imports may reach anyway: host names, addresses or CIDR networks, separated "
        "by commas or spaces (e.g. '10.20.0.0/16, intranet.city.example'); every other "
        "inside address is refused",
    )
    allowed_hosts: str = Field(
        "",
        description="Host names (Host header) for which absolute links (selfLink, "
        "nextLink, feed links) may be built from the request when public_url is unset; "
        "other hosts get links to public_url, or to host:port of this server",
    )
    shutdown_grace: int = Field(
        5,
        ge=1,
        le=300,
        description="Seconds a shutdown waits for running requests before it stops them "
        "(their database work is interrupted; live event streams are closed)",
    )

    @field_validator("mqtt_url")
    @classmethod
    def _mqtt_url(cls, value: str | None) -> str | None:
        if value:
            parse_mqtt_url(value)  # ValueError: refused when the settings load
        return value or None

    @property
    def mqtt_broker(self) -> BrokerAddress | None:
        """The broker of ``mqtt_url``, decoded once for every MQTT user; None if unset."""
        return parse_mqtt_url(self.mqtt_url) if self.mqtt_url else None

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        # Any installed storage backend (entry points of cityops.storage), not only built-ins.
        from cityops.store.dialect import backends

        scheme = value.split(":", 1)[0].split("+", 1)[0]
        if ":" not in value or scheme not in backends:
            known = " or ".join(f"{name}:" for name in backends.names())
            raise ValueError(f"must start with {known}")
        return value

    @field_validator("database_read_url")
    @classmethod
    def _read_replica(cls, value: str | None) -> str | None:
        if value is not None and not value.split(":", 1)[0].startswith("postgresql"):
            raise ValueError("must be a postgresql:// URL (a streaming replica of database_url)")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, value: str) -> str:
        import ipaddress

        for part in value.replace(",", " ").split():
            try:
                ipaddress.ip_network(part, strict=False)
            except ValueError:
                raise ValueError(f"{part!r} is not an address or network") from None
        return value

    @field_validator("max_top")
    @classmethod
    def _max_top(cls, value: int, info: Any) -> int:
        default = info.data.get("default_top", 1)
        if value < default:
            raise ValueError(f"must be at least default_top ({default})")
        return value


def masked_url(url: str) -> str:
    """``url`` with its password replaced by ``***``, for banners and logs."""
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        host = parts.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    except ValueError:
        return "<unparseable URL>"


def public_endpoint(url: str) -> str:
    """``url`` without user name and password: what clients may be told (service root)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Build the settings: explicit overrides (CLI flags) > environment > TOML file > defaults.

    The TOML file is ``config_file`` or ``$CITYOPS_CONFIG``. Raises InvalidInput with one
    line naming the setting when a value is bad.
    """
    env_path = os.environ.get("CITYOPS_CONFIG")
    path = config_file or (Path(env_path) if env_path else None)
    file_values: dict[str, Any] = {}
    if path is not None:
        try:
            file_values = tomllib.loads(path.read_text())
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise InvalidInput(f"config file {path}: {exc}", field="config") from exc
    env_names = {f"CITYOPS_{n.upper()}" for n in Settings.model_fields}
    from_env = {k for k in env_names if k in os.environ}
    values = {k: v for k, v in file_values.items() if f"CITYOPS_{k.upper()}" not in from_env}
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return Settings(**values)
    except ValidationError as exc:
        err = exc.errors()[0]
        name = ".".join(str(p) for p in err["loc"]) or "settings"
        raise InvalidInput(
            f"setting {name} (CITYOPS_{name.upper()}): {err['msg']}", field=name
        ) from None
