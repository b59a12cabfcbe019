"""Identity and access (users, tokens, audit) and idempotent-ingest receipts."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Text

from cityops.store.schema.base import BigId, metadata
from cityops.store.types import JSONDoc, UTCDateTime

# Identity and access --------------------------------------------------------------

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(128), nullable=False, unique=True),
    Column("display_name", Text),
    Column("password_hash", Text),
    Column("role", String(16), nullable=False),
    Column("org_id", Integer, ForeignKey("organisations.id")),
    Column("disabled", Boolean, nullable=False, server_default="0"),
    Column("failed_logins", Integer, nullable=False, server_default="0"),
    Column("locked_until", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("name", Text),
    Column("user_id", Integer, ForeignKey("users.id")),
    Column("thing_id", BigId, ForeignKey("things.id", ondelete="CASCADE")),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime),
    Column("revoked_at", UTCDateTime),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("time", UTCDateTime, nullable=False),
    Column("actor", Text, nullable=False),
    Column("user_id", Integer),
    Column("token_id", Integer),
    Column("org_id", Integer, index=True),  # the actor's organisation
    # The organisation whose entity was acted on, where it is not the actor's own: the
    # action then shows in both organisations' views of the log.
    Column("subject_org_id", Integer, index=True),
    Column("action", String(32), nullable=False),
    Column("entity", String(64), nullable=False),
    Column("entity_id", Text),
    Column("detail", JSONDoc),
    Column("remote_addr", String(64)),
    Index("ix_audit_log_time", "time"),
)

# Idempotent ingest (MQTT redelivery, file re-import): one row per source message key.
ingest_receipts = Table(
    "ingest_receipts",
    metadata,
    Column("source", String(64), primary_key=True),
    Column("key", String(256), primary_key=True),
    Column("observation_id", BigId),
)
