"""The TLS settings of both ends: the context a host serves with, and the one lanchat connects with.

Both speak TLS 1.3 only: every client lanchat serves (browsers since 2018, phones, Python's ssl)
has it, and it encrypts the certificate and leaves out the weak choices of earlier versions.

The connecting side does not trust the system's certificate authorities for a lanchat host: a
host's identity is the key its peer pinned (see pins.py), compared right after the handshake and
before a single byte of the conversation is written. A certificate a local CA signed for an
attacker's proxy is worth nothing here, unlike in a browser or a web view.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass

from cryptography import x509

from server.tls.host_identity import HostIdentity, spki_fingerprint
from server.tls.safety_code import fingerprint_in_link, safety_code

__all__ = ["ServingIdentity", "client_context", "peer_fingerprint", "server_context"]


def server_context(identity: HostIdentity) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    context.load_cert_chain(identity.cert_path, identity.key_path)
    context.set_alpn_protocols(["http/1.1"])  # uvicorn speaks HTTP/1.1 (and WebSocket over it)
    return context


def client_context() -> ssl.SSLContext:
    """For connecting to another lanchat host: the handshake checks nothing about the certificate;
    the caller compares the peer's key with the pin (`peer_fingerprint`) before it sends anything."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(["http/1.1"])
    return context


def peer_fingerprint(connection: ssl.SSLObject | ssl.SSLSocket) -> bytes:
    """The fingerprint of the key the peer proved it holds during the handshake just made."""
    der = connection.getpeercert(binary_form=True)
    if not der:
        raise ssl.SSLError("the host sent no certificate")
    return spki_fingerprint(x509.load_der_x509_certificate(der))


@dataclass(frozen=True, slots=True)
class ServingIdentity:
    """What a listener serves TLS with, and how the host is named to people and links."""

    identity: HostIdentity
    context: ssl.SSLContext

    @classmethod
    def of(cls, identity: HostIdentity) -> ServingIdentity:
        return cls(identity, server_context(identity))

    @property
    def fingerprint(self) -> bytes:
        return self.identity.fingerprint

    @property
    def link_fingerprint(self) -> str:
        """What a join link carries after `#fp=`."""
        return fingerprint_in_link(self.identity.fingerprint)

    @property
    def safety_code(self) -> str:
        return safety_code(self.identity.fingerprint)
