"""A new host identity, made on purpose (Settings): when the host's key may have leaked.

The old key and certificate are moved aside (renamed, never deleted: a mistake can be undone by
hand) and a new identity is made and served at once. Connections made with the old key are
closed: hosting starts again on the same port. Everyone who pinned the old identity then sees
"This host's identity has changed" and must compare the new safety code with the host's person.
"""

from __future__ import annotations

import datetime
import logging
from typing import TypedDict

from server.runtime.host_tls import serving_identity
from server.tls.host_identity import CERT_FILE, KEY_FILE

from .hosting import Hosting

__all__ = ["NewIdentity", "make_new_host_identity"]

log = logging.getLogger("lanchat.desktop")


class NewIdentity(TypedDict):
    safety_code: str
    fingerprint: str  # as a join link carries it


def make_new_host_identity(hosting: Hosting) -> NewIdentity:
    server = hosting.server
    app = server.app
    if app is None or not server.running:
        raise RuntimeError("the window's server is not running")
    if server.config.tls_cert is not None:
        raise RuntimeError("this host serves a certificate it was given; replace those files instead")
    folder = server.config.data_dir
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d-%H%M%S")
    for name in (KEY_FILE, CERT_FILE):
        path = folder / name
        if path.exists():
            path.rename(folder / f"{name}.replaced-{stamp}")
    identity = serving_identity(server.config)
    app.state.tls = identity  # every new connection gets the new key
    hosting.restart()  # and those made with the old one end
    log.info("made a new host identity (the old one is kept aside as *.replaced-%s)", stamp)
    return {"safety_code": identity.safety_code, "fingerprint": identity.link_fingerprint}
