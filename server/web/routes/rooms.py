"""GET /api/rooms: a page of the rooms, busiest first."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from server.protocol.limits import MAX_MESSAGE_ID, ROOM_LIST_PAGE, ROOM_LIST_PAGE_MAX
from server.rooms.queries import RoomListPage
from server.web.state import Services, running

__all__ = ["router"]

router = APIRouter()


@router.get("/api/rooms", response_model=None)
async def list_rooms(
    services: Annotated[Services, Depends(running)],
    offset: Annotated[int, Query(ge=0, le=MAX_MESSAGE_ID)] = 0,
    limit: Annotated[int, Query(ge=1, le=ROOM_LIST_PAGE_MAX)] = ROOM_LIST_PAGE,
) -> RoomListPage:
    """A page of the rooms with stored messages or members, busiest first."""
    return services.rooms.room_list_page(offset, limit)
