"""GET /api/rooms/{room}/messages: a page of a room's history (a private or direct room's with its token)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from server.protocol.limits import HISTORY_PAGE_MAX, MAX_MESSAGE_ID, ROOM_TOKEN_HEADER
from server.protocol.refusals import Refused
from server.rooms.queries import HistoryPage
from server.web.routes.refusal import http_refusal
from server.web.state import Services, running

__all__ = ["router"]

router = APIRouter()


@router.get("/api/rooms/{room}/messages", response_model=None)
async def room_history(
    request: Request,
    services: Annotated[Services, Depends(running)],
    room: str,
    before: Annotated[int | None, Query(ge=1, le=MAX_MESSAGE_ID)] = None,
    around: Annotated[int | None, Query(ge=1, le=MAX_MESSAGE_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=HISTORY_PAGE_MAX)] = 50,
) -> HistoryPage:
    """A page of history, oldest first: the `limit` messages before id `before` (or the newest),
    or with `around` the page centred on that id (to jump to a message)."""
    try:
        token = request.headers.get(ROOM_TOKEN_HEADER)
        return services.rooms.history_page(room, before, limit, token, around=around)
    except Refused as refusal:
        raise http_refusal(refusal) from None
