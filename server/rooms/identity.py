"""Identities without accounts: a client is known by a hash of a secret only it holds.

Each client (a browser profile, a desktop install) makes a random secret once and presents it in
its first frame (`hello`), never in a URL. The server keeps no secret: it derives the identity id
and forgets the rest. The id is what holds a name in a room (see hub.NameHolder).

The hash is domain-separated ("lanchat-identity-v1"), so the id says nothing about the secret
anywhere else it might be used, and a later scheme (an identity bound to a device key, proven
over TLS with a pinned certificate: the id then a hash of the key) gets its own prefix and
cannot collide with these.
"""

from __future__ import annotations

import hashlib

from server.protocol.limits import IDENTITY_ID_CHARS

__all__ = ["identity_of"]

_DOMAIN = b"lanchat-identity-v1\x00"


def identity_of(secret: str) -> str:
    """The identity id of a (validated) secret: IDENTITY_ID_CHARS hex digits."""
    return hashlib.sha256(_DOMAIN + secret.encode("ascii")).hexdigest()[:IDENTITY_ID_CHARS]
