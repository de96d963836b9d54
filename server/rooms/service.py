"""What happens when someone joins a room or sends a frame: the rules, the store and the fan-out together.

The endpoint hands over decoded WebSocket events; this module never awaits a socket.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal, NotRequired, TypedDict

from server.files.store import FileStore, StoredUpload
from server.protocol.codes import CloseCode, ErrorCode
from server.protocol.frames import (
    AckFrame,
    DirectFrame,
    ErrorFrame,
    IdentifiedFrame,
    MessageFrame,
    SearchResult,
    TokenFrame,
    TypingFrame,
    UpdateFrame,
    WelcomeFrame,
    encode,
    welcome_limits,
)
from server.protocol.limits import (
    EDIT_WINDOW_SECONDS,
    HISTORY_ON_JOIN,
    MAX_REACTIONS_PER_MESSAGE,
    MAX_SEARCH_OFFSET,
    MAX_SEARCH_ROOMS,
    MAX_SEARCH_TOKENS,
)
from server.protocol.refusals import Refused
from server.rooms.bans import BanList, banned_refusal
from server.rooms.capacity import AddressRateLimits, NewRoomLimits, admit_member
from server.rooms.client_frames import (
    ChatMessage,
    Delete,
    Edit,
    Hello,
    React,
    Seen,
    Typing,
    decode_frame,
    parse_client_frame,
)
from server.rooms.direct import check_direct_capacity, direct_pair, is_direct_room
from server.rooms.hub import ConnectionManager
from server.rooms.identity import identity_of
from server.rooms.member import Member, Socket
from server.rooms.message_frames import message_frames, seed_frame, seed_frames
from server.rooms.private import PrivateRooms
from server.rooms.rate_limit import RateLimiter
from server.rooms.receipts import ReadReceipts
from server.rooms.validation import validate_room
from server.storage.history import DiskNearlyFull, HistoryStore, StoredMessage
from server.storage.search import hit_frame, query_terms

__all__ = ["ChatRooms", "HistoryPage", "RoomListPage", "RoomSummary", "SearchPage", "Session", "error_frame"]

log = logging.getLogger("lanchat.chat")

# History is replayed from the store in pages so a long resume never sits in memory whole.
REPLAY_PAGE = 200


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


def error_frame(refusal: Refused) -> ErrorFrame:
    frame: ErrorFrame = {"type": "error", "code": refusal.code, "detail": refusal.detail}
    frame.update(refusal.extra)  # type: ignore[typeddict-item]
    return frame


ChangeKind = Literal["edit", "delete", "reaction"]


@dataclass
class Session:
    """A member plus what the rules track per connection."""

    member: Member
    limiter: RateLimiter = field(default_factory=RateLimiter)
    address: str | None = None  # the client's, for the limits shared by all its connections


class ChatRooms:
    def __init__(
        self,
        store: HistoryStore,
        manager: ConnectionManager,
        private: PrivateRooms | None = None,
        bans: BanList | None = None,
        edit_window_seconds: float = EDIT_WINDOW_SECONDS,
        files: FileStore | None = None,
    ) -> None:
        self.store = store
        self.files = files  # attachments (server/files/store.py); None: messages carry no files
        # How long after posting a sender may edit (0: not at all); the host's window may change it.
        self.edit_window_seconds = edit_window_seconds
        self.manager = manager
        self.receipts = ReadReceipts(store.path, manager)
        self.private = private if private is not None else PrivateRooms()
        self.bans = bans if bans is not None else BanList(None)
        self.addresses: dict[Member, str | None] = {}  # each member's client address, for bans
        self.address_limits = AddressRateLimits()
        self.new_rooms = NewRoomLimits()

    def admit(self, room: str, address: str | None = None) -> None:
        """Raise Refused when the room may take no one more, or is new and the server is full or
        `address` has made its share of new rooms, or the host banned `address`."""
        if self.bans.banned_address(address):
            raise banned_refusal()
        sizes = self.manager.room_sizes()
        counts = self.store.rooms()
        exists = room in sizes or room in counts
        admit_member(room_exists=exists, rooms=len(sizes.keys() | counts.keys()), members=sizes.get(room, 0))
        if not exists:
            self.new_rooms.take(address)

    def enter_direct(self, room: str, first_frame: str | None) -> tuple[Hello, str]:
        """A direct conversation's door: its first frame must be the hello of one of its two
        identities. Returns that hello and a token for the room's HTTP history; Refused otherwise
        (banned, or a new room past the identity's limit, included)."""
        pair = direct_pair(room)
        assert pair is not None
        refusal = Refused(
            ErrorCode.DIRECT_FORBIDDEN,
            "This is a direct conversation between two people: only their hello opens it.",
        )
        try:
            frame = parse_client_frame(decode_frame(first_frame), room) if first_frame is not None else None
        except Refused:
            raise refusal from None
        if not isinstance(frame, Hello):
            raise refusal
        identity = identity_of(frame.secret)
        if self.bans.banned_identity(identity):
            raise banned_refusal()
        if identity not in pair:
            raise refusal
        self.admit_direct(room, frame)  # again at the join: the door's send may let others in
        return frame, self.private.issue_token(room)

    def admit_direct(self, room: str, hello: Hello) -> None:
        """Refuse a new direct conversation past its identity's limit (the door checked the hello).

        Called with no await before the join, as `admit`, so two sockets cannot both squeeze in."""
        existing = self.manager.room_sizes().keys() | self.store.rooms().keys()
        check_direct_capacity(identity_of(hello.secret), room, existing)

    def list_rooms(self) -> list[RoomSummary]:
        """Rooms with stored messages or members, busiest first."""
        private = self.private.rooms()
        # Direct conversations are never listed, not even their names (which name both people).
        sizes = {
            name: n
            for name, n in self.manager.room_sizes().items()
            if name not in private and not is_direct_room(name)
        }
        counts = {
            name: n
            for name, n in self.store.rooms().items()
            if name not in private and not is_direct_room(name)
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

    def room_list_page(self, offset: int, limit: int) -> RoomListPage:
        """`limit` rooms of the list from `offset` on. The order moves as people come and go, so a
        client paging through may see a room twice or miss one that just moved up."""
        rooms = self.list_rooms()
        end = offset + limit
        return {
            "rooms": rooms[offset:end],
            "total": len(rooms),
            "next_offset": end if end < len(rooms) else None,
        }

    def history_page(
        self,
        room: str,
        before: int | None,
        limit: int,
        token: str | None = None,
        *,
        around: int | None = None,
    ) -> HistoryPage:
        """The `limit` messages before id `before` (or the newest), oldest first; with `around`,
        the page centred on that id instead (and `has_newer` says whether newer ones follow).

        Raises Refused for an invalid room name, and for a private room without a valid `token`."""
        self.require_access(room, token)
        newer: bool | None = None
        if around is not None:
            page, newer = self.store.around(room, around, limit)
        else:
            page = self.store.before(room, before, limit)
        answer: HistoryPage = {
            "room": room,
            "messages": message_frames(self.store, page, self.files),
            "has_more": bool(page) and page[0].id > self.store.first_id(room),
        }
        if newer is not None:
            answer["has_newer"] = newer
        return answer

    def require_access(self, room: str, token: str | None) -> None:
        """Refused unless `token` opens `room` (its history and its files): see _check_readable."""
        self._check_readable(room, {self.private.token_room(token)} - {None})

    def _check_readable(self, room: str, token_rooms: set[str | None]) -> None:
        """Refused unless `room` is a valid name the caller may read: an open room, or a private or
        direct one that one of the caller's tokens opens."""
        validate_room(room)
        if is_direct_room(room) and room not in token_rooms:
            raise Refused(
                ErrorCode.DIRECT_FORBIDDEN,
                "This is a direct conversation: its history needs the token its socket gave after the hello.",
            )
        if self.private.is_private(room) and room not in token_rooms:
            raise Refused(
                ErrorCode.PASSWORD_REQUIRED,
                "This room is private: its history needs the token its socket gave after the password.",
            )

    def search_page(
        self, query: str, rooms: list[str], offset: int, limit: int, tokens: str | None = None
    ) -> SearchPage:
        """A page of the messages holding every word of `query`, newest first, in `rooms` (or
        every room the caller may read). `tokens`: the room token header, comma-separated.

        Raises Refused: search_invalid for the query or too many rooms or tokens, and as
        history_page for a named room the caller may not read."""
        terms = query_terms(query)
        token_list = [token.strip() for token in (tokens or "").split(",") if token.strip()]
        if len(token_list) > MAX_SEARCH_TOKENS:
            raise Refused(
                ErrorCode.SEARCH_INVALID, f"A search carries at most {MAX_SEARCH_TOKENS} room tokens."
            )
        if len(rooms) > MAX_SEARCH_ROOMS:
            raise Refused(ErrorCode.SEARCH_INVALID, f"A search names at most {MAX_SEARCH_ROOMS} rooms.")
        token_rooms = {self.private.token_room(token) for token in token_list} - {None}
        if rooms:
            for room in rooms:
                self._check_readable(room, token_rooms)
            wanted = list(dict.fromkeys(rooms))
        else:
            private = self.private.rooms()
            wanted = [
                room
                for room in self.store.rooms()
                if room in token_rooms or not (room in private or is_direct_room(room))
            ]
        hits = self.store.search(terms, wanted, offset, limit + 1)
        more = len(hits) > limit and offset + limit <= MAX_SEARCH_OFFSET
        return {
            "results": [hit_frame(hit, terms) for hit in hits[:limit]],
            "next_offset": offset + limit if more else None,
        }

    def join(
        self,
        websocket: Socket,
        room: str,
        *,
        name: str | None,
        rich: bool,
        after: int | None,
        address: str | None = None,
    ) -> Session:
        """Register an accepted socket. Everything after position `after` (or the recent history)
        comes first: for a v2 client one `update` for each message up to `after` that changed
        since, in the order of those changes, then the messages after it in their current state."""
        until = self.store.position(room)
        start = self.store.recent_start(room, HISTORY_ON_JOIN) if after is None else min(after, until)
        replayed: list[int] = []  # the first replayed message's id, once there is one

        def changes() -> Iterator[str]:
            cursor = start
            while True:
                page = self.store.changed(room, start, until, REPLAY_PAGE, since=cursor)
                for message, frame in zip(page, message_frames(self.store, page, self.files), strict=True):
                    assert message.changed_at is not None
                    yield encode(_update(frame, message.changed_at, _change_of(message)))
                    cursor = message.changed_at
                if len(page) < REPLAY_PAGE:
                    return

        def replay() -> Iterator[str]:
            if rich and after is not None:
                yield from changes()
            cursor = start
            while cursor < until:
                page = self.store.after(room, cursor, REPLAY_PAGE)
                page = [message for message in page if message.id <= until]
                if not page:
                    return
                if not replayed:
                    replayed.append(page[0].id)
                if rich:
                    yield from map(encode, message_frames(self.store, page, self.files))
                else:
                    yield from map(encode, seed_frames(page, self.files))
                cursor = page[-1].id

        def welcome() -> WelcomeFrame:
            frame: WelcomeFrame = {
                "type": "welcome",
                "room": room,
                "members": self.manager.members_of(room),
                # The oldest messages may have been dropped (history.py keeps within its limits).
                "first_id": replayed[0] if replayed else 0,
                "last_id": until,
                "limits": welcome_limits(self.edit_window_seconds),
            }
            identities = self.manager.names.identities_of(room)
            if identities:  # whose names they are, so a member can open a direct room with one
                frame["identities"] = identities
            return frame

        member = self.manager.connect(
            websocket, room, name=name, rich=rich, replay=replay, welcome=welcome if rich else None
        )
        self.address_limits.hold(address)
        self.addresses[member] = address
        return Session(member, address=address)

    def refresh_token(self, session: Session) -> bool:
        """Send a member of a private or direct room a `token` frame with a fresh token; False
        (nothing sent) when its room is open now or the member is on its way out."""
        member = session.member
        room = member.room
        if member.close_with is not None or not (self.private.is_private(room) or is_direct_room(room)):
            return False
        frame: TokenFrame = {
            "type": "token",
            "room": room,
            "token": self.private.issue_token(room),
            "expires_in": self.private.token_seconds,
        }
        self.manager.send(member, frame)
        return True

    def password_changed(self, room: str) -> None:
        """The room became private or has a new password: its members must enter it again."""
        refusal = Refused(
            ErrorCode.PASSWORD_REQUIRED, "The host gave this room a password; enter it to stay."
        )
        for member in self.manager.members_in(room):
            self.manager.expel(member, error_frame(refusal), CloseCode.PASSWORD_REQUIRED, "password required")

    def leave(self, session: Session) -> None:
        self.addresses.pop(session.member, None)
        self.receipts.leave(session.member)
        self.manager.disconnect(session.member.websocket, session.member.room)
        self.address_limits.release(session.address)

    def receive(self, session: Session, text: str | None) -> float:
        """One incoming frame: `text` is None for a binary frame. Returns how long to read nothing
        more from this connection: past a rate limit, its `retry_after` (0 otherwise)."""
        member = session.member
        if member.close_with is not None:
            return 0.0  # removed or banned: what it sent on the way out is not read
        try:
            try:
                session.limiter.take()
                self.address_limits.take(session.address)
            except Refused as refusal:
                # One error frame, then the sender is slowed by TCP itself while the endpoint
                # does not read: a flood costs the server one refusal per pause, not per frame.
                self.manager.send(member, error_frame(refusal))
                return float(refusal.extra["retry_after"])
            if text is None:
                raise Refused(
                    ErrorCode.BINARY_NOT_SUPPORTED, "Binary frames are not supported; send JSON text."
                )
            frame = parse_client_frame(decode_frame(text), member.room)
            if isinstance(frame, Hello):
                self._hello(member, frame)
                return 0.0
            if not member.settled:
                self._settle(member, frame.sender if isinstance(frame, ChatMessage | Typing) else None)
            if isinstance(frame, Seen):
                self.receipts.seen(member, frame, self.store.position(member.room))
            elif isinstance(frame, Typing):
                self._typing(member, frame)
            elif isinstance(frame, ChatMessage):
                self._post(member, frame)
            else:
                self._change(member, frame)
        except Refused as refusal:
            self.manager.send(member, error_frame(refusal))
        return 0.0

    def _hello(self, member: Member, hello: Hello) -> None:
        if member.settled:
            raise Refused(
                ErrorCode.HELLO_UNEXPECTED,
                "A hello must be the connection's first frame, and come once; reconnect to say it.",
            )
        identity = identity_of(hello.secret)
        if self.bans.banned_identity(identity):
            refusal = banned_refusal()
            self.manager.expel(member, error_frame(refusal), CloseCode.BANNED, "banned by the host")
            return
        identified: IdentifiedFrame = {"type": "identified", "identity": identity}
        seen = self.receipts.hello(member, identity, receipts=hello.receipts)
        if seen is not None:
            identified["seen"] = seen
        self.manager.send(member, identified)
        self._tell_evicted(self.manager.names.identify(member, identity))

    def _settle(self, member: Member, sender: str | None) -> None:
        """The first frame of a client that said no hello: a name waiting for it is decided now."""
        if sender is not None:  # the frame names its sender itself, and its answer says if it may
            member.pending_name = None
        try:
            self._tell_evicted(self.manager.names.settle(member))
        except Refused as refusal:  # said, and the frame itself still gets its answer
            self.manager.send(member, error_frame(refusal))

    def _tell_evicted(self, evicted: list[Member]) -> None:
        for other in evicted:
            refusal = Refused(
                ErrorCode.NAME_TAKEN,
                "Someone who identified themselves now uses your name in this room; choose another name.",
            )
            self.manager.send(other, error_frame(refusal))

    def _typing(self, member: Member, typing: Typing) -> None:
        if typing.sender is not None:
            self._tell_evicted(self.manager.name_member(member, typing.sender))
        if member.name is None:
            raise Refused(
                ErrorCode.SENDER_MISSING, "A typing notice needs a sender (or ?name= when connecting)."
            )
        frame: TypingFrame = {"type": "typing", "room": member.room, "sender": member.name}
        self.manager.broadcast(frame, member.room, rich_only=True, exclude=member)

    def _post(self, member: Member, message: ChatMessage) -> None:
        room = member.room
        try:
            if message.client_id is not None:
                existing = self.store.find_client_id(room, message.client_id)
                if existing is not None:
                    # A re-send after a lost acknowledgement: confirm, do not repeat.
                    self.manager.send(member, _ack(existing, duplicate=True))
                    return
            if message.reply_to is not None:
                self._check_reply(member, message)
            uploads = self._attachable(room, message)
            self._speak_as(member, message)
            stored = self.store.append(
                room,
                message.sender,
                message.text,
                message.client_id,
                identity=member.identity,
                reply_to=message.reply_to,
            )
            attached = self.files.attach(room, stored.id, uploads) if self.files and uploads else []
            if self.files is not None:
                # The history keeps within its limits by dropping a room's oldest messages: their
                # files go too.
                self.files.detach_up_to(room, 0, self.store.first_id(room) - 1)
        except DiskNearlyFull as exc:
            log.error("not storing a message in %r: %s", room, exc)
            raise Refused(
                ErrorCode.STORAGE_FULL,
                "The server's disk is nearly full, so it did not store the message."
                " Its host must free some space.",
                **({"client_id": message.client_id} if message.client_id else {}),
            ) from exc
        except sqlite3.Error as exc:
            log.error("could not store a message in %r: %s", room, exc)
            raise Refused(
                ErrorCode.STORAGE_FAILED,
                "The server could not store the message, so it was not sent. Try again.",
                **({"client_id": message.client_id} if message.client_id else {}),
            ) from exc
        (frame,) = message_frames(self.store, [stored], self.files)
        self.manager.broadcast(frame, room, seed=seed_frame(stored, attached))
        if message.client_id is not None:
            self.manager.send(member, _ack(stored, duplicate=False))
        if is_direct_room(room):
            self._tell_direct(room, stored.sender)

    def _tell_direct(self, room: str, sender: str) -> None:
        """Tell the other person, wherever else on this host they are, that they have a message:
        nobody else learns of it (only the pair's identities), and nothing of its text."""
        pair = direct_pair(room) or ()
        present = {member.identity for member in self.manager.members_in(room)}
        frame: DirectFrame = {"type": "direct", "room": room, "sender": sender}
        for other in self.manager.all_members():
            if other.rich and other.identity in pair and other.identity not in present:
                self.manager.send(other, frame)

    def _attachable(self, room: str, message: ChatMessage) -> list[StoredUpload]:
        """The finished uploads the message attaches, checked before anything is stored."""
        if not message.attachments:
            return []
        pin = {"client_id": message.client_id} if message.client_id else {}
        if self.files is None:
            raise Refused(ErrorCode.ATTACHMENT_INVALID, "This host takes no files.", **pin)
        try:
            return self.files.attachable(room, list(message.attachments))
        except Refused as refusal:
            refusal.extra.update(pin)
            raise

    def _check_reply(self, member: Member, message: ChatMessage) -> None:
        assert message.reply_to is not None
        pin = {"id": message.reply_to, **({"client_id": message.client_id} if message.client_id else {})}
        if member.identity is None:
            raise Refused(ErrorCode.IDENTITY_REQUIRED, "A reply needs a hello first (an identity).", **pin)
        original = self.store.get(member.room, message.reply_to)
        if original is None:
            raise Refused(ErrorCode.MESSAGE_NOT_FOUND, "The message you reply to is not in this room.", **pin)
        if original.deleted:
            raise Refused(ErrorCode.MESSAGE_DELETED, "The message you reply to was deleted.", **pin)

    def _change(self, member: Member, change: Edit | Delete | React) -> None:
        """An edit, delete or reaction: checked, stored at the room's next position, and sent to the
        room's v2 members as one `update` frame (a seed client sees the text at its next join)."""
        pin: dict[str, object] = {"id": change.id}
        if not isinstance(change, React) and change.client_id is not None:
            pin["client_id"] = change.client_id
        try:
            if member.identity is None:
                raise Refused(
                    ErrorCode.IDENTITY_REQUIRED,
                    "Editing, deleting and reacting need a hello first: whose message it is is an identity.",
                )
            message = self.store.get(member.room, change.id)
            if message is None:
                raise Refused(ErrorCode.MESSAGE_NOT_FOUND, f"This room keeps no message {change.id}.")
            if message.deleted:
                raise Refused(ErrorCode.MESSAGE_DELETED, "That message was deleted.")
            changed, kind = self._apply(member, member.identity, message, change)
        except Refused as refusal:
            for key, value in pin.items():
                refusal.extra.setdefault(key, value)
            raise
        except DiskNearlyFull as exc:
            log.error("not storing a change in %r: %s", member.room, exc)
            raise Refused(
                ErrorCode.STORAGE_FULL,
                "The server's disk is nearly full, so it did not store the change."
                " Its host must free some space.",
                **pin,
            ) from exc
        except sqlite3.Error as exc:
            log.error("could not store a change in %r: %s", member.room, exc)
            raise Refused(
                ErrorCode.STORAGE_FAILED, "The server could not store the change. Try again.", **pin
            ) from exc
        if changed is not None:
            self.publish_change(changed, kind)

    def _apply(
        self, member: Member, identity: str, message: StoredMessage, change: Edit | Delete | React
    ) -> tuple[StoredMessage | None, ChangeKind]:
        room = member.room
        if isinstance(change, React):
            reactions = self.store.reactions
            if (
                change.on
                and not reactions.has_emoji(room, message.id, change.emoji)
                and reactions.emoji_count(room, message.id) >= MAX_REACTIONS_PER_MESSAGE
            ):
                raise Refused(
                    ErrorCode.TOO_MANY_REACTIONS,
                    f"A message carries at most {MAX_REACTIONS_PER_MESSAGE} different reactions;"
                    " add one of those it has.",
                )
            name = member.name or ""
            return self.store.react(room, message.id, change.emoji, identity, name, change.on), "reaction"
        if message.identity != identity:
            raise Refused(ErrorCode.NOT_YOUR_MESSAGE, "Only the person who sent a message may change it.")
        if isinstance(change, Delete):
            return self.store.delete(room, message.id), "delete"
        window = self.edit_window_seconds
        if window <= 0 or time.time() - message.timestamp > window:
            raise Refused(
                ErrorCode.EDIT_WINDOW_PASSED,
                "This host does not allow edits."
                if window <= 0
                else f"A message may be edited for {window / 3600:g} h after it was sent; this one is older.",
            )
        return self.store.edit(room, message.id, change.text), "edit"

    def publish_change(self, message: StoredMessage, kind: ChangeKind) -> None:
        """Tell the room's v2 members that a message changed (the host's delete uses it too)."""
        assert message.changed_at is not None
        if kind == "delete" and self.files is not None:
            self.files.detach(message.room, message.id)  # its files go with it
        (frame,) = message_frames(self.store, [message], self.files)
        self.manager.broadcast(_update(frame, message.changed_at, kind), message.room, rich_only=True)

    def _speak_as(self, member: Member, message: ChatMessage) -> None:
        """A message under another sender renames its connection, or is refused (and not stored)."""
        try:
            self._tell_evicted(self.manager.name_member(member, message.sender))
        except Refused as refusal:
            if message.client_id is not None:
                refusal.extra.setdefault("client_id", message.client_id)
            raise


def _update(frame: MessageFrame, seq: int, change: ChangeKind) -> UpdateFrame:
    return {"type": "update", "room": frame["room"], "seq": seq, "change": change, "message": frame}


def _change_of(message: StoredMessage) -> ChangeKind:
    """What an update on resume calls the message's changes: several folded into one frame are the
    latest state, named by what it shows (deleted, else edited, else only reactions changed)."""
    if message.deleted:
        return "delete"
    return "edit" if message.edited is not None else "reaction"


def _ack(message: StoredMessage, *, duplicate: bool) -> AckFrame:
    assert message.client_id is not None
    return {
        "type": "ack",
        "client_id": message.client_id,
        "id": message.id,
        "timestamp": message.timestamp,
        "duplicate": duplicate,
    }
