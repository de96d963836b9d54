"""GET /api/identity: the host's identity as people compare it, and whether this page is encrypted.

A browser shows the safety code after the page loads, beside the one the host's window shows (and
the certificate's SHA-256 in the browser's own viewer): the person compares them once. The answer
itself proves nothing (a man in the middle would give his own); comparing the codes does.
"""

from __future__ import annotations

from typing import Annotated, Any

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
        # Whether what this page says crosses the network in the clear: TLS, or this machine.
        "encrypted": not in_clear(request.scope),
        "plain_http_allowed": state.config.allow_plain_http,
    }
