"""TLS for tests that stand in for another host: a key and certificate of its own, and the
fingerprint a real host's data folder holds, for clients that pin it."""

from __future__ import annotations

import ssl
from pathlib import Path

from cryptography import x509

from server.tls.contexts import server_context
from server.tls.host_identity import CERT_FILE, HostIdentity, load_or_create, spki_fingerprint

__all__ = ["host_fingerprint", "identity_in", "serving_context"]


def identity_in(folder: Path) -> HostIdentity:
    """A host identity made (once) in `folder`, as a lanchat host makes its own."""
    return load_or_create(folder, ["127.0.0.1", "localhost"])


def serving_context(folder: Path) -> ssl.SSLContext:
    """What a stand-in host serves TLS 1.3 with: lanchat's own server settings, its own key."""
    return server_context(identity_in(folder))


def host_fingerprint(data_dir: Path) -> bytes:
    """The fingerprint of the host whose data folder is `data_dir` (its certificate's key)."""
    return spki_fingerprint(x509.load_pem_x509_certificate((data_dir / CERT_FILE).read_bytes()))
