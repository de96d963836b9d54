"""The lanchat hosts around: those browsing found (this machine's window only), and those this
host knows and that answer (anyone: how a host on another subnet is found through a peer)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from server.peers.directory import SharedHost
from server.peers.discovery import is_loopback_client
from server.web.state import WebState, web_state

__all__ = ["router"]

router = APIRouter()


@router.get("/api/discovered", response_model=None)
async def discovered(request: Request, state: Annotated[WebState, Depends(web_state)]) -> Any:
    """Hosts found by browsing: for this machine's own window only (it says who is around)."""
    if not is_loopback_client(request):
        return JSONResponse({"error": "only this machine may ask"}, status_code=403)
    return state.discovery.discovered_json()


@router.get("/api/hosts", response_model=None)
async def known_hosts(state: Annotated[WebState, Depends(web_state)]) -> dict[str, list[SharedHost]]:
    """The lanchat hosts this one knows and that answer: for anyone, so that a host on another
    subnet known to one peer is found by everyone who reaches that peer."""
    return state.discovery.shared_json()
