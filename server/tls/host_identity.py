"""This host's TLS identity: an ECDSA P-256 key made once, and a self-signed certificate for it.

The identity is the key, not the certificate: its fingerprint is the SHA-256 of the certificate's
SubjectPublicKeyInfo, so renewing the certificate (before its 825 days run out, or when the host
gains an address) keeps every pin others hold. The certificate carries what strict verifiers ask
for (SKI and AKI, a critical BasicConstraints without CA, KeyUsage, ExtendedKeyUsage serverAuth)
and every address and name the host serves under, so a browser shows its usual one-time warning
and nothing worse. Key and certificate are kept in the data folder, 0600, written atomically.
A host with its organisation's certificate gives its own files instead (`from_files`).
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from server.addresses import ip_of
from server.storage.private_files import write_private

__all__ = [
    "CERT_FILE",
    "CERT_VALIDITY_DAYS",
    "KEY_FILE",
    "RENEW_BEFORE_DAYS",
    "HostIdentity",
    "HostIdentityError",
    "load_or_create",
    "spki_fingerprint",
]

KEY_FILE = "host-key.pem"
CERT_FILE = "host-cert.pem"
# Apple's limit for a server certificate; browsers on other systems accept it too.
CERT_VALIDITY_DAYS = 825
# A certificate this close to its end is renewed at start (same key, same fingerprint).
RENEW_BEFORE_DAYS = 30
# How far back the certificate's validity starts: a peer whose clock is a little behind accepts it.
CLOCK_SKEW = datetime.timedelta(hours=1)


class HostIdentityError(ValueError):
    """The key or certificate files cannot be used; the sentence says which and why, `path` which."""

    def __init__(self, sentence: str, path: Path) -> None:
        super().__init__(sentence)
        self.path = path


@dataclass(frozen=True, slots=True)
class HostIdentity:
    cert_path: Path
    key_path: Path
    fingerprint: bytes  # SHA-256 of the SubjectPublicKeyInfo: what peers pin
    not_after: datetime.datetime


def spki_fingerprint(certificate: x509.Certificate) -> bytes:
    return hashlib.sha256(_spki(certificate.public_key())).digest()


def _spki(public_key: object) -> bytes:
    return public_key.public_bytes(  # type: ignore[attr-defined, no-any-return]
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _same_key(certificate: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> bool:
    return _spki(certificate.public_key()) == _spki(key.public_key())


def load_or_create(folder: Path, names: list[str], now: datetime.datetime | None = None) -> HostIdentity:
    """The identity kept in `folder`, made on first use; its certificate renewed when it nears its
    end or does not name all of `names` (addresses and DNS names the host serves under)."""
    now = now or datetime.datetime.now(datetime.UTC)
    key_path, cert_path = folder / KEY_FILE, folder / CERT_FILE
    key = _load_key(key_path) if key_path.exists() else _new_key(key_path)
    certificate = _load_certificate(cert_path) if cert_path.exists() else None
    if certificate is None or _needs_renewal(certificate, key, names, now):
        certificate = _certificate(key, names, now)
        write_private(cert_path, certificate.public_bytes(serialization.Encoding.PEM).decode("ascii"))
    return HostIdentity(cert_path, key_path, spki_fingerprint(certificate), certificate.not_valid_after_utc)


def from_files(cert_path: Path, key_path: Path) -> HostIdentity:
    """An identity the host was given (`--tls-cert`, `--tls-key`): checked to match, never changed."""
    certificate = _load_certificate(cert_path)
    key = _load_key(key_path)
    if not _same_key(certificate, key):
        raise HostIdentityError(
            f"the key in {key_path} is not the one of the certificate in {cert_path}", key_path
        )
    return HostIdentity(cert_path, key_path, spki_fingerprint(certificate), certificate.not_valid_after_utc)


def _new_key(path: Path) -> ec.EllipticCurvePrivateKey:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    write_private(path, pem.decode("ascii"))
    return key


def _load_key(path: Path) -> ec.EllipticCurvePrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise HostIdentityError(f"the host's key in {path} cannot be read ({exc})", path) from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise HostIdentityError(f"the host's key in {path} is not an elliptic-curve key", path)
    return key


def _load_certificate(path: Path) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise HostIdentityError(f"the host's certificate in {path} cannot be read ({exc})", path) from exc


def _needs_renewal(
    certificate: x509.Certificate, key: ec.EllipticCurvePrivateKey, names: list[str], now: datetime.datetime
) -> bool:
    if not _same_key(certificate, key):
        return True
    if certificate.not_valid_after_utc - now < datetime.timedelta(days=RENEW_BEFORE_DAYS):
        return True
    try:
        named = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return True
    return not set(_alt_names(names)) <= set(named)


def _alt_names(names: list[str]) -> list[x509.GeneralName]:
    alt: list[x509.GeneralName] = []
    for name in dict.fromkeys(["localhost", "127.0.0.1", "::1", *names]):
        ip = ip_of(name)
        alt.append(x509.IPAddress(ip) if ip is not None else x509.DNSName(name.lower()))
    return alt


def _certificate(
    key: ec.EllipticCurvePrivateKey, names: list[str], now: datetime.datetime
) -> x509.Certificate:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "lanchat host")])
    public = key.public_key()
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(now + datetime.timedelta(days=CERT_VALIDITY_DAYS) - CLOCK_SKEW)
        .add_extension(x509.SubjectAlternativeName(_alt_names(names)), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
