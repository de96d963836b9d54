"""What the HTTP side asks of the rooms: the room list, a page of history, a search, and whether
the caller may read a room at all. Reads only: nothing here changes a room."""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict

from server.protocol.codes import ErrorCode
from server.protocol.frames import MessageFrame, SearchResult
from server.protocol.limits import MAX_SEARCH_OFFSET, MAX_SEARCH_ROOMS, MAX_SEARCH_TOKENS
from server.protocol.refusals import Refused
from server.rooms.direct import is_direct_room
from server.rooms.message_frames import message_frames
from server.rooms.room_tokens import room_key
from server.rooms.state import RoomState
from server.rooms.validation import validate_room
from server.storage.search import hit_frame, query_terms

__all__ = [
    "HistoryPage",
    "RoomListPage",
    "RoomSummary",
    "SearchPage",
    "check_readable",
    "history_page",
    "list_rooms",
    "opened_by",
    "room_list_page",
    "search_page",
]


class RoomSummary(TypedDict):
    name: str
    # A private room's counts are None: who is there and how much was said is for its members.
    members: int | None
    messages: int | None
    private: NotRequired[Literal[True]]  # only on private rooms, so an open room's entry is as it was


class RoomListPage(TypedDict):
    rooms: list[RoomSummary]
    total: int  # rooms in the whole list
    next_offset: int | None  # where the next page starts; None after the last


class HistoryPage(TypedDict):
    room: str
    messages: list[MessageFrame]
    has_more: bool
    has_newer: NotRequired[bool]  # only for ?around=: newer messages follow the page


class SearchPage(TypedDict):
    results: list[SearchResult]
    next_offset: int | None  # where the next page starts; None after the last


def list_rooms(rooms: RoomState) -> list[RoomSummary]:
    """Rooms with stored messages or members, busiest first."""
    private = rooms.private.rooms()
    # Direct conversations are never listed, not even their names (which name both people).
    sizes = {
        name: n
        for name, n in rooms.manager.room_sizes().items()
        if name not in private and not is_direct_room(name)
    }
    counts = {
        name: n for name, n in rooms.store.rooms().items() if name not in private and not is_direct_room(name)
    }
    # Private rooms after the open ones, by name: their place must not tell how busy they are.
    names = sorted(
        sizes.keys() | counts.keys() | private,
        key=lambda name: (name in private, -sizes.get(name, 0), -counts.get(name, 0), name),
    )
    return [
        {"name": name, "members": None, "messages": None, "private": True}
        if name in private
        else {"name": name, "members": sizes.get(name, 0), "messages": counts.get(name, 0)}
        for name in names
    ]


def room_list_page(rooms: RoomState, offset: int, limit: int) -> RoomListPage:
    """`limit` rooms of the list from `offset` on. The order moves as people come and go, so a
    client paging through may see a room twice or miss one that just moved up."""
    listed = list_rooms(rooms)
    end = offset + limit
    return {
        "rooms": listed[offset:end],
        "total": len(listed),
        "next_offset": end if end < len(listed) else None,
    }


def history_page(
    rooms: RoomState, room: str, before: int | None, limit: int, token: str | None, around: int | None
) -> HistoryPage:
    """The `limit` messages before id `before` (or the newest), oldest first; with `around`,
    the page centred on that id instead (and `has_newer` says whether newer ones follow).

    Raises Refused for an invalid room name, and for a private room without a valid `token`."""
    check_readable(rooms, room, opened_by(rooms, [token]))
    newer: bool | None = None
    if around is not None:
        page, newer = rooms.store.around(room, around, limit)
    else:
        page = rooms.store.before(room, before, limit)
    answer: HistoryPage = {
        "room": room,
        "messages": message_frames(rooms.store, page, rooms.files),
        "has_more": bool(page) and page[0].id > rooms.store.first_id(room),
    }
    if newer is not None:
        answer["has_newer"] = newer
    return answer


def opened_by(rooms: RoomState, tokens: list[str | None]) -> set[bytes]:
    """The rooms (as room_key digests) that the caller's live tokens open."""
    return {key for token in tokens if (key := rooms.private.tokens.room_of(token)) is not None}


def check_readable(rooms: RoomState, room: str, opened: set[bytes]) -> None:
    """Refused unless `room` is a valid name the caller may read: an open room, or a private or
    direct one that one of the caller's tokens opens (`opened`, room digests)."""
    validate_room(room)
    unlocked = room_key(room) in opened
    if is_direct_room(room) and not unlocked:
        raise Refused(
            ErrorCode.DIRECT_FORBIDDEN,
            "This is a direct conversation: its history needs the token its socket gave after the hello.",
        )
    if rooms.private.is_private(room) and not unlocked:
        raise Refused(
            ErrorCode.PASSWORD_REQUIRED,
            "This room is private: its history needs the token its socket gave after the password.",
        )


def search_page(
    rooms: RoomState, query: str, wanted: list[str], offset: int, limit: int, tokens: str | None
) -> SearchPage:
    """A page of the messages holding every word of `query`, newest first, in `wanted` (or every
    room the caller may read). `tokens`: the room token header, comma-separated.

    Raises Refused: search_invalid for the query or too many rooms or tokens, and as
    history_page for a named room the caller may not read."""
    terms = query_terms(query)
    token_list = [token.strip() for token in (tokens or "").split(",") if token.strip()]
    if len(token_list) > MAX_SEARCH_TOKENS:
        raise Refused(ErrorCode.SEARCH_INVALID, f"A search carries at most {MAX_SEARCH_TOKENS} room tokens.")
    if len(wanted) > MAX_SEARCH_ROOMS:
        raise Refused(ErrorCode.SEARCH_INVALID, f"A search names at most {MAX_SEARCH_ROOMS} rooms.")
    opened = opened_by(rooms, list(token_list))
    if wanted:
        for room in wanted:
            check_readable(rooms, room, opened)
        searched = list(dict.fromkeys(wanted))
    else:
        private = rooms.private.rooms()
        searched = [
            room
            for room in rooms.store.rooms()
            if not (room in private or is_direct_room(room)) or room_key(room) in opened
        ]
    hits = rooms.store.search(terms, searched, offset, limit + 1)
    more = len(hits) > limit and offset + limit <= MAX_SEARCH_OFFSET
    return {
        "results": [hit_frame(hit, terms) for hit in hits[:limit]],
        "next_offset": offset + limit if more else None,
    }
