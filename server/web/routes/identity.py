"""GET /api/identity: the host's identity as people compare it, and whether this page is encrypted.

A browser shows the safety code after the page loads, beside the one the host's window shows (and
the certificate's SHA-256 in the browser's own viewer): the person compares them once. The answer
itself proves nothing (a man in the middle would give his own); comparing the codes does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from fastapi import APIRouter, Depends, Request

from server.web.state import WebState, web_state
from server.web.transport import in_clear

__all__ = ["router"]

router = APIRouter()


@router.get("/api/identity")
async def identity(request: Request, state: Annotated[WebState, Depends(web_state)]) -> dict[str, Any]:
    tls = state.tls
    return {
        "fingerprint": tls.link_fingerprint if tls is not None else None,
        "safety_code": tls.safety_code if tls is not None else None,
        # What every browser's certificate viewer shows (the key's SHA-256 only some do); it changes
        # when the certificate is renewed, the identity does not.
        "certificate_sha256": certificate_sha256(tls.identity.cert_path) if tls is not None else None,
        # Whether what this page says crosses the network in the clear: TLS, or this machine.
        "encrypted": not in_clear(request.scope),
        "plain_http_allowed": state.config.allow_plain_http,
    }


def certificate_sha256(path: Path) -> str | None:
    """The SHA-256 of the (first) certificate in `path`, hex; None when it cannot be read."""
    try:
        certificate = x509.load_pem_x509_certificate(path.read_bytes())
    except (OSError, ValueError):
        return None
    return certificate.fingerprint(hashes.SHA256()).hex()
