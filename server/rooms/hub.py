"""Fan-out: who is in which room, and getting frames to them without one slow reader holding up the rest.

The seed's `ConnectionManager` (connect, disconnect, broadcast, active_connections)
keeps its names. What changed is how a frame reaches a member: broadcast encodes
it once and appends the text to each member's bounded outbox; a per-member pump
task writes the outbox to the socket. Broadcast never awaits a socket, so a member
whose socket is full only grows its own outbox, and past OUTBOX_MAX_FRAMES or
OUTBOX_MAX_BYTES, while its socket takes no more data, it is dropped from the room and
closed with CloseCode.TOO_SLOW.
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
from server.rooms.member import Member, Socket
from server.rooms.names import RoomNames
from server.rooms.rate_limit import RateLimiter

__all__ = [
    "ConnectionManager",
]

log = logging.getLogger("lanchat.hub")


# Produces the encoded history frames a member must receive before live ones.
Replay = Callable[[], Iterator[str]]


class ConnectionManager:
    def __init__(
        self,
        outbox_max_frames: int = OUTBOX_MAX_FRAMES,
        outbox_max_bytes: int = OUTBOX_MAX_BYTES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.outbox_max_frames = outbox_max_frames
        self.outbox_max_bytes = outbox_max_bytes
        # Insertion-ordered so fan-out order is join order; dict for O(1) leave.
        self._rooms: dict[str, dict[Socket, Member]] = {}
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

    # The seed's view: room -> its connections.
    @property
    def active_connections(self) -> dict[str, list[Socket]]:
        return {room: list(members) for room, members in self._rooms.items()}

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
        self._rooms.setdefault(room, {})[websocket] = member
        if name is not None:
            try:
                self.names.claim(member, name)
            except Refused:  # an identity's name: this may be its next tab, its hello will say
                member.pending_name = name
        member.pump = asyncio.get_running_loop().create_task(self._pump(member, replay, welcome))
        return member

    def disconnect(self, websocket: Socket, room: str) -> None:
        members = self._rooms.get(room)
        member = members.pop(websocket, None) if members else None
        if member is None:
            return
        if not members:
            self._room_emptied(room)
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
        members = self._rooms.get(room)
        if not members:
            return
        text = encode(message)
        seed_text = encode(seed) if seed is not None else text
        # A slow member is removed while we iterate, so iterate over a copy.
        for member in list(members.values()):
            if member is exclude or (rich_only and not member.rich):
                continue
            self._enqueue(member, text if member.rich else seed_text)

    def send(self, member: Member, message: Mapping[str, Any]) -> None:
        """Queue a frame for one member, behind everything already queued for it."""
        self._enqueue(member, encode(message))

    def name_member(self, member: Member, name: str) -> list[Member]:
        """Name or rename a member (see RoomNames.claim); the members that lost the name are returned."""
        return self.names.claim(member, name)

    def members_in(self, room: str) -> list[Member]:
        return list(self._rooms.get(room, {}).values())

    def all_members(self) -> Iterator[Member]:
        """Every connection in every room."""
        for members in list(self._rooms.values()):
            yield from list(members.values())

    def expel(self, member: Member, frame: Mapping[str, Any], code: int, reason: str) -> None:
        """Take a member out of its room at once (the others see it leave): it is sent `frame`
        behind what is queued for it, then its socket is closed with `code`."""
        if member.close_with is not None or member.dropped:
            return  # on its way out already (removed and banned at once, say)
        members = self._rooms.get(member.room)
        if members is not None and members.get(member.websocket) is member:
            del members[member.websocket]
            if not members:
                self._room_emptied(member.room)
        self.names.release(member)
        member.close_with = (code, reason)
        self._enqueue(member, encode(frame))

    def members_of(self, room: str) -> list[str]:
        return self.names.members_of(room)

    def room_sizes(self) -> dict[str, int]:
        """Connections per room, for rooms with any."""
        return {room: len(members) for room, members in self._rooms.items()}

    def close_all(self) -> None:
        for members in list(self._rooms.values()):
            for member in list(members.values()):
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

    def _enqueue(self, member: Member, text: str) -> None:
        if member.dropped:
            return
        member.outbox.append(text)
        member.outbox_frames += 1
        member.outbox_bytes += len(text)
        # A burst can fill outboxes faster than the pumps get a turn; only a member whose socket
        # has stopped taking data is too slow. What a burst can add is bounded by the rate limit.
        over = member.outbox_frames > self.outbox_max_frames or member.outbox_bytes > self.outbox_max_bytes
        if over and member.sending:
            self._drop_slow(member)
            return
        self._wake(member)

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
        member.outbox_frames = member.outbox_bytes = 0
        members = self._rooms.get(member.room)
        if members is not None and members.get(member.websocket) is member:
            del members[member.websocket]
            if not members:
                self._room_emptied(member.room)
        self.names.release(member)
        # The pump is blocked in a send to this member; once the socket takes data
        # again it sees `dropped` and sends the close frame. If it never does, the
        # keepalive ping times out and the server closes the transport.
        self._wake(member)

    async def _pump(
        self, member: Member, replay: Replay | None, welcome: Callable[[], Mapping[str, Any]] | None
    ) -> None:
        send = member.websocket.send_text
        try:
            # `sending` is True while a send is awaited: seen from another task, the send is
            # waiting for the socket to drain. (Set inline: this loop is the hot path.)
            member.sending = True
            if replay is not None:
                for text in replay():
                    await send(text)
            if welcome is not None and not member.dropped:
                await send(encode(welcome()))
            # The pump outlives the join by hours: let go of what only the join needed.
            replay = welcome = None
            member.sending = False
            loop = asyncio.get_running_loop()
            while not member.dropped:
                if not member.outbox:
                    member.wake = loop.create_future()
                    await member.wake
                    continue
                # Take the whole outbox: frames queued meanwhile start a new one.
                batch, member.outbox = member.outbox, []
                for text in batch:
                    if member.dropped:
                        break
                    member.outbox_frames -= 1
                    member.outbox_bytes -= len(text)
                    member.sending = True
                    await send(text)
                    member.sending = False
                if member.close_with is not None and not member.outbox:
                    await member.websocket.close(*member.close_with)
                    return
            await member.websocket.close(CloseCode.TOO_SLOW, "too slow: stopped reading")
        except asyncio.CancelledError:
            raise
        except Exception:
            # The socket is gone; the endpoint's receive loop sees the disconnect and cleans up.
            log.debug("pump for a member of %r ended", member.room, exc_info=True)
