"""Optional XML-DSig of CAP documents: enveloped RSA-SHA256 signatures with signxml.

The signature is appended as the last child of ``<alert>``, where the CAP 1.2 schema allows
elements of the XML-DSig namespace. Verification pins the certificate given by the caller
and returns only what the signature covers. signxml (and the cryptography stack under it) is
imported on the first signature, not with the application: most deployments never sign.
"""

from __future__ import annotations

from lxml import etree

from cityops.cap.model import CAP_NS
from cityops.errors import InvalidInput
from cityops.safexml import parse_untrusted

DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"


def _pem(value: bytes | str) -> str:
    return value.decode("ascii") if isinstance(value, bytes) else value


def _compact(root: etree._Element) -> etree._Element:
    """Drop whitespace-only text between elements (CAP has no mixed content); the text of
    leaf elements is kept as it is."""
    for el in root.iter():
        if len(el) and el.text is not None and not el.text.strip():
            el.text = None
        if el.tail is not None and not el.tail.strip():
            el.tail = None
    return root


def sign_alert(
    document: bytes,
    key_pem: bytes | str,
    cert_pem: bytes | str,
    *,
    key_password: bytes | None = None,
) -> bytes:
    """Return ``document`` (a CAP XML) with an enveloped RSA-SHA256 XML signature.

    The certificate is embedded in ``ds:KeyInfo`` so receivers can check who signed. The
    document is made compact first (no whitespace between elements) and the signed bytes are
    returned exactly as they must be served: receivers that normalise whitespace before
    verifying (capvalidator parses with ``remove_blank_text``) and byte-exact verifiers then
    see the same tree, so the signature holds for both.
    """
    from signxml.algorithms import DigestAlgorithm, SignatureMethod
    from signxml.exceptions import SignXMLException
    from signxml.signer import XMLSigner

    root = _compact(parse_untrusted(document, field="cap"))
    if root.tag != f"{{{CAP_NS}}}alert":
        raise InvalidInput("only CAP 1.2 <alert> documents can be signed", field="cap")
    if root.find(f"{{{DSIG_NS}}}Signature") is not None:
        raise InvalidInput("document is already signed", field="cap")
    signer = XMLSigner(
        signature_algorithm=SignatureMethod.RSA_SHA256, digest_algorithm=DigestAlgorithm.SHA256
    )
    try:
        signed = signer.sign(root, key=key_pem, cert=_pem(cert_pem), passphrase=key_password)
    except (SignXMLException, ValueError, TypeError) as exc:
        raise InvalidInput(f"cannot sign: {exc}", field="key") from None
    data: bytes = etree.tostring(signed, xml_declaration=True, encoding="UTF-8")
    return data


def verify_alert(document: bytes, cert_pem: bytes | str) -> etree._Element:
    """Verify the enveloped signature of a CAP document against ``cert_pem``.

    Returns the verified ``<alert>`` element (only signed content). Raises ``InvalidInput``
    (field ``signature``) when the signature is missing, malformed or does not match.
    """
    from signxml.algorithms import DigestAlgorithm, SignatureMethod
    from signxml.exceptions import InvalidInput as SignxmlInvalidInput
    from signxml.exceptions import InvalidSignature, SignXMLException
    from signxml.verifier import SignatureConfiguration, XMLVerifier

    root = parse_untrusted(document, field="cap")
    if root.find(f"{{{DSIG_NS}}}Signature") is None:
        raise InvalidInput("document is not signed", field="signature")
    config = SignatureConfiguration(
        require_x509=True,
        signature_methods=frozenset({SignatureMethod.RSA_SHA256}),
        digest_algorithms=frozenset({DigestAlgorithm.SHA256}),
    )
    try:
        result = XMLVerifier().verify(root, x509_cert=_pem(cert_pem), expect_config=config)
    except (InvalidSignature, SignxmlInvalidInput, SignXMLException) as exc:
        raise InvalidInput(f"signature verification failed: {exc}", field="signature") from None
    if isinstance(result, list):  # only with several expected references, not configured
        raise InvalidInput("unexpected signature references", field="signature")
    verified = result.signed_xml
    if verified is None or verified.tag != f"{{{CAP_NS}}}alert":
        raise InvalidInput("the signature does not cover the CAP alert", field="signature")
    return verified
