"""Who is called what in each room: names held by identities, and how often a connection renames.

A name in use in a room has one holder: either one identity (a client that said hello; all its
connections, a person's tabs and windows, share the name) or clients without one (seed clients,
or v2 clients that never said hello), who share it among themselves. While an identity holds a
name, nobody else may post or type under it in that room (NAME_TAKEN). An identity that claims a
name held only by clients without one takes it over, and they lose it: a name is a label on an
identity, and those clients are guests using a name nobody had claimed.

Names compare by `validation.name_keys` (case, joiners, runs of spaces and look-alike letters from
other scripts do not tell names apart); the member list shows a name as its holder first spelled it.

A v2 client connects with `?name=` and then says hello, so when the name is an identity's, the
connection cannot know at once whether it is that identity's next tab: the name waits
(`pending_name`) until its first frame says who it is.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from server.protocol.codes import ErrorCode
from server.protocol.refusals import Refused
from server.rooms.validation import check_rename, name_keys

if TYPE_CHECKING:
    from server.rooms.member import Member

__all__ = ["NameHolder", "RoomNames"]

# (room, "join" or "leave", name): told when a name appears in or vanishes from a room's list.
Announce = Callable[[str, str, str], None]
# (room, name): told when an identity takes a name that was held without one (no join, no leave).
AnnounceIdentified = Callable[[str, str], None]
# (room, old name, new name): told instead of a leave and a join when one connection's rename
# takes its old name out of the list and puts the new one in.
AnnounceRenamed = Callable[[str, str, str], None]


class NameHolder:
    """A name in use in a room, and the connections using it."""

    __slots__ = ("display", "identity", "keys", "members")

    def __init__(self, display: str, identity: str | None) -> None:
        self.display = display  # as its first user spelled it: what the member list shows
        self.keys = name_keys(display)  # the room's dict holds the holder under both
        self.identity = identity  # None: held by clients without an identity
        self.members: list[Member] = []  # a list: a person has one or a few connections


class RoomNames:
    def __init__(
        self,
        announce: Announce,
        clock: Callable[[], float] = time.monotonic,
        identified: AnnounceIdentified | None = None,
        renamed: AnnounceRenamed | None = None,
    ) -> None:
        self._announce = announce
        self._identified = identified
        self._renamed = renamed
        # While a rename is under way: the changes it makes, told together once it is done.
        self._held_back: list[tuple[str, str]] | None = None
        self.clock = clock
        # room -> either of name_keys(name) -> holder.
        self._rooms: dict[str, dict[str, NameHolder]] = {}

    def members_of(self, room: str) -> list[str]:
        return sorted(holder.display for holder in self._held(room))

    def identities_of(self, room: str) -> dict[str, str]:
        """Each name an identity holds in the room, and that identity's id (not a secret: a hash)."""
        return {holder.display: holder.identity for holder in self._held(room) if holder.identity is not None}

    def claim(self, member: Member, name: str) -> list[Member]:
        """Name (or rename) a member; the members that lost the name to it are returned.

        Raises Refused (and changes nothing) when another identity holds the name, or when the
        member renamed less than RENAME_MIN_INTERVAL_SECONDS ago.
        """
        if member.dropped or member.name == name:
            return []
        holders = self._holders(member.room, name)
        for other in holders:
            if member not in other.members and other.identity not in (None, member.identity):
                raise Refused(
                    ErrorCode.NAME_TAKEN,
                    f"Someone else is using the name {other.display!r} in this room; choose another name.",
                )
        holder = holders[0] if holders else None
        ours = holder is not None and member in holder.members
        if member.name is not None:
            now = self.clock()
            check_rename(member.renamed_at, now)
            member.renamed_at = now
        evicted: list[Member] = []
        if holder is not None and not ours and holder.identity is None and member.identity is not None:
            evicted = self._take_over(holder, member.identity, keep=None)
        self._held_back = []
        try:
            self.release(member)
            self._add(member, name)
        finally:
            told, self._held_back = self._held_back, None
        if self._renamed is not None and [event for event, _ in told] == ["leave", "join"]:
            # One person's new name, not someone leaving and someone else arriving.
            self._renamed(member.room, told[0][1], told[1][1])
        else:
            for event, shown in told:
                self._announce(member.room, event, shown)
        return evicted

    def identify(self, member: Member, identity: str) -> list[Member]:
        """The member said hello: its name becomes its identity's. Returns the members that lost it."""
        member.identity = identity
        member.settled = True
        if member.name is not None:
            # Only clients without an identity can share a holder with a member that had none.
            holder = self._holders(member.room, member.name)[0]
            newly_held = holder.identity is None
            evicted = self._take_over(holder, identity, keep=member)
            if newly_held and self._identified is not None:  # whose it is: for direct conversations
                self._identified(member.room, holder.display)
            return evicted
        return self.settle(member)

    def settle(self, member: Member) -> list[Member]:
        """The member's first frame came: a name waiting for it is claimed now (or refused)."""
        member.settled = True
        name, member.pending_name = member.pending_name, None
        return self.claim(member, name) if name is not None else []

    def release(self, member: Member) -> None:
        """The member leaves its name (disconnected, dropped or renaming)."""
        if member.name is None:
            return
        names = self._rooms.get(member.room)
        holder = next((h for h in self._holders(member.room, member.name) if member in h.members), None)
        member.name = None
        if names is None or holder is None:
            return
        holder.members = [other for other in holder.members if other is not member]
        if not holder.members:
            for key in holder.keys:
                if names.get(key) is holder:
                    del names[key]
            if not names:
                del self._rooms[member.room]
            self._tell(member.room, "leave", holder.display)

    def _tell(self, room: str, event: str, name: str) -> None:
        if self._held_back is not None:
            self._held_back.append((event, name))
        else:
            self._announce(room, event, name)

    @staticmethod
    def _take_over(holder: NameHolder, identity: str, keep: Member | None) -> list[Member]:
        """Give a name held without identity to `identity`; the members that lose it are returned.

        A member whose first frame has not come yet may be the same identity's other tab, its
        hello on the way: its name waits for that hello instead (see `pending_name`).
        """
        holder.identity = identity
        others = [other for other in holder.members if other is not keep]
        holder.members = [keep] if keep is not None else []
        for other in others:
            if not other.settled:
                other.pending_name = other.name
            other.name = None
        return [other for other in others if other.settled]

    def _held(self, room: str) -> list[NameHolder]:
        """Each holder in the room once (the room's dict has each under both its keys)."""
        return list({id(holder): holder for holder in self._rooms.get(room, {}).values()}.values())

    def _holders(self, room: str, name: str) -> list[NameHolder]:
        """The holders of names that are `name` by either key: usually one, at most two."""
        names = self._rooms.get(room, {})
        found: list[NameHolder] = []
        for key in name_keys(name):
            holder = names.get(key)
            if holder is not None and holder not in found:
                found.append(holder)
        return found

    def _add(self, member: Member, name: str) -> None:
        member.name = name
        member.pending_name = None
        names = self._rooms.setdefault(member.room, {})
        holders = self._holders(member.room, name)
        holder = holders[0] if holders else None
        if holder is None:
            holder = NameHolder(name, member.identity)
            for key in holder.keys:
                names.setdefault(key, holder)
            self._tell(member.room, "join", name)
        holder.members.append(member)
