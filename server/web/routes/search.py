"""GET /api/search: the messages holding every word of a query, in the rooms the caller may read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from server.protocol.limits import (
    MAX_FRAME_BYTES,
    MAX_SEARCH_OFFSET,
    ROOM_TOKEN_HEADER,
    SEARCH_PAGE,
    SEARCH_PAGE_MAX,
)
from server.protocol.refusals import Refused
from server.rooms.queries import SearchPage
from server.web.routes.refusal import http_refusal
from server.web.state import Services, running

__all__ = ["router"]

router = APIRouter()


@router.get("/api/search", response_model=None)
async def search(
    request: Request,
    services: Annotated[Services, Depends(running)],
    q: Annotated[str, Query(max_length=MAX_FRAME_BYTES)],
    room: Annotated[list[str] | None, Query()] = None,
    offset: Annotated[int, Query(ge=0, le=MAX_SEARCH_OFFSET)] = 0,
    limit: Annotated[int, Query(ge=1, le=SEARCH_PAGE_MAX)] = SEARCH_PAGE,
) -> SearchPage:
    """A page of the messages holding every word of `q`, newest first, in the rooms the caller
    may read (or the `room`s named); tokens for private and direct rooms in the token header."""
    tokens = request.headers.get(ROOM_TOKEN_HEADER)
    try:
        return services.rooms.search_page(q, room or [], offset, limit, tokens)
    except Refused as refusal:
        raise http_refusal(refusal) from None
