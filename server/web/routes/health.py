"""GET /api/health: that this is a lanchat, which version and protocol, and which instance."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from server import __version__
from server.protocol.limits import PROTOCOL_VERSION
from server.web.state import WebState, web_state

__all__ = ["router"]

router = APIRouter()


@router.get("/api/health")
async def health(state: Annotated[WebState, Depends(web_state)]) -> dict[str, Any]:
    # `instance` tells a browsing host its own announcement, and one host at two addresses;
    # `name` only while announcing, when the network hears it anyway.
    discovery = state.discovery
    answer: dict[str, Any] = {
        "status": "ok",
        "version": __version__,
        "protocol": PROTOCOL_VERSION,
        "instance": discovery.instance,
    }
    if discovery.announced_name is not None:
        answer["name"] = discovery.announced_name
    return answer
