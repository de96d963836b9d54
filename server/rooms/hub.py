"""Fan-out: who is in which room, and getting frames to them without one slow reader holding up the rest.

The seed's `ConnectionManager` (connect, disconnect, broadcast, active_connections)
keeps its names. What changed is how a frame reaches a member: broadcast makes the frame's
bytes on the wire once per shape (the v2 frame, the seed's) and appends that same bytes
object to each member's bounded outbox; a per-member pump task hands everything queued to
the socket in one write. Which shape a member gets is decided when it joins (a room keeps
its v2 and its seed members apart), not per delivery. Broadcast never awaits a socket, so a
member whose socket is full only grows its own outbox, and past OUTBOX_MAX_FRAMES or
OUTBOX_MAX_BYTES, while its socket takes no more data, it is dropped from the room and
closed with CloseCode.TOO_SLOW.

Where a delivery's time went before (cProfile of a burst in a room of 100): about two thirds
in uvicorn's ASGI `send` (a coroutine per frame per member, the frame serialised again by
websockets for each member, one write system call each), the rest in the pump's loop and the
enqueue. Now a member costs one append per frame and, per turn of the loop, one write of all
it has queued.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from server.policy import OUTBOX_MAX_BYTES, OUTBOX_MAX_FRAMES, PRESENCE_BURST, PRESENCE_PER_SECOND
from server.protocol.codes import CloseCode
from server.protocol.frames import MembersFrame, PresenceFrame, encode
from server.protocol.refusals import Refused
from server.protocol.wire import text_frame
from server.rooms.member import Member, Socket
from server.rooms.names import RoomNames
from server.rooms.rate_limit import RateLimiter

__all__ = [
    "ConnectionManager",
]

log = logging.getLogger("lanchat.hub")


# Produces the encoded history frames a member must receive before live ones.
Replay = Callable[[], Iterator[str]]


class Room:
    """A room's members, kept apart by the shape of frame they take, so that broadcast decides
    the shape once per frame and not once per member. Insertion-ordered dicts: fan-out order is
    join order, and a leave is O(1)."""

    __slots__ = ("members", "plain", "rich")

    def __init__(self) -> None:
        self.members: dict[Socket, Member] = {}
        self.rich: dict[Socket, Member] = {}  # asked for v2 frames
        self.plain: dict[Socket, Member] = {}  # the seed's clients

    def add(self, member: Member) -> None:
        self.members[member.websocket] = member
        (self.rich if member.rich else self.plain)[member.websocket] = member

    def remove(self, member: Member) -> bool:
        """Take `member` out, if it is the one in the room under its socket; whether it was."""
        if self.members.get(member.websocket) is not member:
            return False
        del self.members[member.websocket]
        del (self.rich if member.rich else self.plain)[member.websocket]
        return True


class ConnectionManager:
    def __init__(
        self,
        outbox_max_frames: int = OUTBOX_MAX_FRAMES,
        outbox_max_bytes: int = OUTBOX_MAX_BYTES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.outbox_max_frames = outbox_max_frames
        self.outbox_max_bytes = outbox_max_bytes
        self._rooms: dict[str, Room] = {}
        self.names = RoomNames(
            self._announce,
            clock,
            identified=lambda room, name: self._announce(room, "identified", name),
            renamed=lambda room, old, new: self._announce(room, "rename", new, old=old),
        )
        self._clock = clock
        # Per room: its presence budget, and whether changes wait to be folded into a members frame.
        self._presence: dict[str, RateLimiter] = {}
        self._presence_behind: set[str] = set()
        # A room's names on the other nodes of a cluster, and whose identities they are
        # (server/cluster); None on a single host.
        self.elsewhere: Callable[[str], Mapping[str, str | None]] | None = None

    # The seed's view: room -> its connections.
    @property
    def active_connections(self) -> dict[str, list[Socket]]:
        return {name: list(room.members) for name, room in self._rooms.items()}

    def connect(
        self,
        websocket: Socket,
        room: str,
        *,
        name: str | None = None,
        rich: bool = False,
        replay: Replay | None = None,
        welcome: Callable[[], Mapping[str, Any]] | None = None,
    ) -> Member:
        """Add an accepted socket to a room.

        `replay` yields the history frames to send before anything live; it is
        called from the member's pump, so frames published from now on queue up
        behind it and nothing falls in between. `welcome` builds the frame sent
        right after the replay.
        """
        member = Member(websocket, room, None, rich)
        joined = self._rooms.get(room)
        if joined is None:
            joined = self._rooms[room] = Room()
        joined.add(member)
        if name is not None:
            try:
                self.names.claim(member, name)
            except Refused:  # an identity's name: this may be its next tab, its hello will say
                member.pending_name = name
        member.pump = asyncio.get_running_loop().create_task(self._pump(member, replay, welcome))
        return member

    def disconnect(self, websocket: Socket, room: str) -> None:
        joined = self._rooms.get(room)
        member = joined.members.get(websocket) if joined is not None else None
        if member is None:
            return
        self._take_out(member)
        if member.pump is not None and member.pump is not asyncio.current_task():
            member.pump.cancel()
        member.outbox = []
        self.names.release(member)

    def broadcast(
        self,
        message: Mapping[str, Any],
        room: str,
        *,
        rich_only: bool = False,
        exclude: Member | None = None,
        seed: Mapping[str, Any] | None = None,
    ) -> None:
        """Queue a frame for every member of the room, in the same order for all. `seed`, when
        given, is what members without v2 get instead (the seed's shape of the same frame)."""
        joined = self._rooms.get(room)
        if joined is None:
            return
        frame = text_frame(encode(message))
        self._fan_out(joined.rich, frame, exclude)
        if not rich_only and joined.plain:
            self._fan_out(joined.plain, text_frame(encode(seed)) if seed is not None else frame, exclude)

    def send(self, member: Member, message: Mapping[str, Any]) -> None:
        """Queue a frame for one member, behind everything already queued for it."""
        self._enqueue(member, text_frame(encode(message)))

    def send_to(self, members: list[Member], message: Mapping[str, Any]) -> None:
        """Queue one frame for each of `members`: encoded once, whatever their number."""
        frame = text_frame(encode(message))
        for member in members:
            self._enqueue(member, frame)

    def name_member(self, member: Member, name: str) -> list[Member]:
        """Name or rename a member (see RoomNames.claim); the members that lost the name are returned."""
        return self.names.claim(member, name)

    def members_in(self, room: str) -> list[Member]:
        joined = self._rooms.get(room)
        return list(joined.members.values()) if joined is not None else []

    def all_members(self) -> Iterator[Member]:
        """Every connection in every room."""
        for joined in list(self._rooms.values()):
            yield from list(joined.members.values())

    def expel(self, member: Member, frame: Mapping[str, Any], code: int, reason: str) -> None:
        """Take a member out of its room at once (the others see it leave): it is sent `frame`
        behind what is queued for it, then its socket is closed with `code`."""
        if member.close_with is not None or member.dropped:
            return  # on its way out already (removed and banned at once, say)
        self._take_out(member)
        self.names.release(member)
        member.close_with = (code, reason)
        self._enqueue(member, text_frame(encode(frame)))

    def members_of(self, room: str) -> list[str]:
        if self.elsewhere is None:
            return self.names.members_of(room)
        return sorted({*self.names.members_of(room), *self.elsewhere(room)})

    def room_sizes(self) -> dict[str, int]:
        """Connections per room, for rooms with any."""
        return {name: len(room.members) for name, room in self._rooms.items()}

    def close_all(self) -> None:
        for joined in list(self._rooms.values()):
            for member in list(joined.members.values()):
                if member.pump is not None:
                    member.pump.cancel()

    # Internals -------------------------------------------------------------

    def _announce(self, room: str, event: str, name: str, *, old: str | None = None) -> None:
        # The change only: a full list per change made a name-churning client cost every member
        # the whole list twice per rename (issue 12 item 5). The welcome carries the full list.
        if room in self._presence_behind:
            return  # folded into the members frame already on its way
        budget = self._presence.get(room)
        if budget is None:
            budget = self._presence[room] = RateLimiter(PRESENCE_BURST, PRESENCE_PER_SECOND, self._clock)
        try:
            budget.take()
        except Refused as refusal:
            # Past the budget: this change and the ones after it wait, and go as one list.
            self._presence_behind.add(room)
            asyncio.get_running_loop().call_later(refusal.extra["retry_after"], self._catch_up, room)
            return
        if event == "identified":  # no join or leave: the list again, now saying whose the name is
            self.broadcast(self._members_frame(room), room, rich_only=True)
            return
        frame: PresenceFrame = {
            "type": "presence",
            "room": room,
            "event": event,  # type: ignore[typeddict-item]
            "name": name,
        }
        if old is not None:
            frame["old"] = old
        identity = self.names.identities_of(room).get(name) if event != "leave" else None
        if identity is not None:
            frame["identity"] = identity
        self.broadcast(frame, room, rich_only=True)

    def _members_frame(self, room: str) -> MembersFrame:
        frame: MembersFrame = {"type": "members", "room": room, "members": self.members_of(room)}
        identities = self.names.identities_of(room)
        if identities:  # only then, so a room of clients without identities sees the frame as before
            frame["identities"] = identities
        return frame

    def _room_emptied(self, room: str) -> None:
        del self._rooms[room]
        if room not in self._presence_behind:  # else _catch_up lets go of it
            self._presence.pop(room, None)

    def _catch_up(self, room: str) -> None:
        """The budget allows a frame again: the changes held back go as the whole list."""
        self._presence_behind.discard(room)
        budget = self._presence.get(room)
        if budget is not None:
            with contextlib.suppress(Refused):  # a refusal here only says the clock is coarse
                budget.take()  # what the wait was for
        self.broadcast(self._members_frame(room), room, rich_only=True)
        if room not in self._rooms:
            self._presence.pop(room, None)

    def _take_out(self, member: Member) -> None:
        joined = self._rooms.get(member.room)
        if joined is not None and joined.remove(member) and not joined.members:
            self._room_emptied(member.room)

    def _fan_out(self, members: dict[Socket, Member], frame: bytes, exclude: Member | None) -> None:
        """The broadcast path: per member, an append, and a wake when its pump is idle."""
        # A slow member is removed while we iterate, so iterate over a copy.
        for member in list(members.values()):
            if member is exclude:
                continue
            member.outbox.append(frame)
            wake = member.wake
            if wake is not None:
                member.wake = None
                if not wake.done():
                    wake.set_result(None)
            elif member.sending:
                self._count_stuck(member, frame)

    def _enqueue(self, member: Member, frame: bytes) -> None:
        if member.dropped:
            return
        member.outbox.append(frame)
        if member.sending:
            self._count_stuck(member, frame)
        self._wake(member)

    def _count_stuck(self, member: Member, frame: bytes) -> None:
        """A frame queued while the member's socket takes no more data: past the bounds, it is
        dropped. A burst can fill outboxes faster than the pumps get a turn, so only a member
        whose socket has stopped taking data is too slow; what a burst adds is bounded by the
        rate limit."""
        member.outbox_bytes += len(frame)
        if len(member.outbox) > self.outbox_max_frames or member.outbox_bytes > self.outbox_max_bytes:
            self._drop_slow(member)

    @staticmethod
    def _wake(member: Member) -> None:
        wake, member.wake = member.wake, None
        if wake is not None and not wake.done():
            wake.set_result(None)

    def _drop_slow(self, member: Member) -> None:
        log.warning(
            "dropping a member of %r that stopped reading (%d frames queued)", member.room, len(member.outbox)
        )
        member.dropped = True
        member.outbox = []
        member.outbox_bytes = 0
        self._take_out(member)
        self.names.release(member)
        # The pump is blocked in a send to this member; once the socket takes data
        # again it sees `dropped` and sends the close frame. If it never does, the
        # keepalive ping times out and the server closes the transport.
        self._wake(member)

    async def _pump(
        self, member: Member, replay: Replay | None, welcome: Callable[[], Mapping[str, Any]] | None
    ) -> None:
        send = member.websocket.send_frames
        try:
            # `sending` is True while a send is awaited: seen from another task, the socket is
            # not taking more data yet. (Set inline: this loop is the hot path.)
            member.sending = True
            # The catch-up, then the welcome, in one write.
            first = [text_frame(text) for text in replay()] if replay is not None else []
            if welcome is not None:
                first.append(text_frame(encode(welcome())))
            if first and not member.dropped:
                await send(first)
            # The pump outlives the join by hours: let go of what only the join needed (the
            # history's frames held here cost an idle member about 3 KiB).
            replay = welcome = None
            del first
            member.sending = False
            member.outbox_bytes = 0
            loop = asyncio.get_running_loop()
            while not member.dropped:
                if not member.outbox:
                    member.wake = loop.create_future()
                    await member.wake
                    continue
                # Take the whole outbox, one write for all of it: frames queued meanwhile start
                # a new one, counted while the send waits.
                batch, member.outbox = member.outbox, []
                member.sending = True
                await send(batch)
                member.sending = False
                member.outbox_bytes = 0
                if member.close_with is not None and not member.outbox:
                    await member.websocket.close(*member.close_with)
                    return
            await member.websocket.close(CloseCode.TOO_SLOW, "too slow: stopped reading")
        except asyncio.CancelledError:
            raise
        except Exception:
            # The socket is gone; the endpoint's receive loop sees the disconnect and cleans up.
            log.debug("pump for a member of %r ended", member.room, exc_info=True)
