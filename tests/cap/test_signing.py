"""XML-DSig: sign with a key generated here, verify, and detect tampering."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree

from cityops.cap import build_alert_xml, parse_alert, sign_alert, verify_alert
from cityops.cap.signing import DSIG_NS
from cityops.errors import InvalidInput

from .conftest import assert_valid_cap, sample_alert


def _key_and_cert(name: str = "CityOps test signer") -> tuple[bytes, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return key_pem, cert.public_bytes(serialization.Encoding.PEM)


@pytest.fixture(scope="module")
def signer() -> tuple[bytes, bytes]:
    return _key_and_cert()


def test_sign_and_verify_round_trip(signer: tuple[bytes, bytes]) -> None:
    key, cert = signer
    alert = sample_alert(("en", "km"))
    signed = sign_alert(build_alert_xml(alert), key, cert)
    root = etree.fromstring(signed)
    sig = root[-1]
    assert sig.tag == f"{{{DSIG_NS}}}Signature"  # enveloped, last child of <alert>
    method = sig.find(f".//{{{DSIG_NS}}}SignatureMethod").get("Algorithm")
    assert method.endswith("rsa-sha256")
    assert_valid_cap(signed)
    verified = verify_alert(signed, cert)
    assert parse_alert(etree.tostring(verified)) == alert
    assert parse_alert(signed) == alert  # the signature does not disturb reading


def test_tampered_document_fails(signer: tuple[bytes, bytes]) -> None:
    key, cert = signer
    signed = sign_alert(build_alert_xml(sample_alert(("en",))), key, cert)
    tampered = signed.replace(b"<urgency>Expected</urgency>", b"<urgency>Past</urgency>", 1)
    assert tampered != signed
    with pytest.raises(InvalidInput) as err:
        verify_alert(tampered, cert)
    assert err.value.field == "signature"


def test_other_certificate_fails(signer: tuple[bytes, bytes]) -> None:
    key, cert = signer
    _, other_cert = _key_and_cert("someone else")
    signed = sign_alert(build_alert_xml(sample_alert(("en",))), key, cert)
    with pytest.raises(InvalidInput):
        verify_alert(signed, other_cert)


def test_unsigned_and_double_signing(signer: tuple[bytes, bytes]) -> None:
    key, cert = signer
    xml = build_alert_xml(sample_alert(("en",)))
    with pytest.raises(InvalidInput):
        verify_alert(xml, cert)
    with pytest.raises(InvalidInput):
        sign_alert(sign_alert(xml, key, cert), key, cert)


def test_signed_bytes_verify_with_capvalidator_and_signxml(signer: tuple[bytes, bytes]) -> None:
    """Receivers that drop whitespace between elements (capvalidator parses with
    remove_blank_text) must verify the same signature as a byte-exact verifier."""
    from capvalidator import check_signature
    from signxml import XMLVerifier

    key, cert = signer
    # a pretty-printed input: the signer must sign (and return) a compact document
    signed = sign_alert(build_alert_xml(sample_alert(("en", "th")), pretty=True), key, cert)
    result = check_signature(signed)
    assert result.passed, result.message
    XMLVerifier().verify(signed, x509_cert=cert.decode())  # as served, byte for byte
    body = signed.split(b"?>", 1)[1].strip()
    assert not re.search(rb">\s+<", body)  # compact: nothing for a receiver to normalise
