"""Issued CAP documents signed with the configured key and certificate (XML-DSig,
RSA-SHA256), still valid against the XSD, verified with the certificate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from capvalidator import check_signature
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from cityops.cap import verify_alert
from cityops.settings import Settings
from cityops.store.base import Store
from tests.alerting.cap_support import AUTO, add_rule, alerts, cap_xml, make_world, observe


def _key_and_cert(folder: Path) -> tuple[Path, Path]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cityops test")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_path, cert_path = folder / "key.pem", folder / "cert.pem"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    key, cert = _key_and_cert(tmp_path)
    return Settings(
        database_url=db_url,
        secret_key="test-secret",
        anonymous_rate_per_min=100000,
        login_rate_per_min=1000,
        cap_signing_key=key,
        cap_signing_cert=cert,
    )


async def test_issued_documents_are_signed(
    client: httpx.AsyncClient, app: Any, store: Store, settings: Settings
) -> None:
    world = make_world(store)
    await add_rule(client, world, alert=AUTO, cooldown=0)
    await observe(app, store, world, 12.4, 12.4)
    await observe(app, store, world, 9.0)
    for item in await alerts(client, world["tok"]["operator"]):
        xml = await cap_xml(client, item["id"])  # XSD-valid with the signature
        assert settings.cap_signing_cert is not None
        verified = verify_alert(xml, settings.cap_signing_cert.read_bytes())
        assert verified.tag.endswith("alert")
        served = check_signature(xml)  # a receiver that normalises whitespace first
        assert served.passed, served.message
