"""ChatRooms: the one way into the rooms, for the room socket and the HTTP handlers alike.

The endpoint hands over decoded WebSocket events; this module never awaits a socket. Each verb
lives in its own module (admission, queries, replay, actions/); this facade holds the state they
share (RoomState) and dispatches a member's frames to them.
"""

from __future__ import annotations

import logging

from server.protocol.codes import CloseCode, ErrorCode
from server.protocol.frames import TokenFrame, json_number
from server.protocol.limits import MAX_CLIENT_ID_CHARS
from server.protocol.refusals import Refused, error_frame
from server.rooms import admission, queries
from server.rooms.actions.changes import change, publish_change
from server.rooms.actions.names import hello, settle
from server.rooms.actions.posting import post
from server.rooms.actions.typing_notice import send_typing
from server.rooms.client_frames import ChatMessage, Hello, Seen, Typing, decode_frame, parse_client_frame
from server.rooms.direct import is_direct_room
from server.rooms.in_clear import encryption_required
from server.rooms.member import Socket
from server.rooms.queries import HistoryPage, RoomListPage, RoomSummary, SearchPage
from server.rooms.replay import Catchup, ChangeKind
from server.rooms.room_tokens import grant_of
from server.rooms.state import RoomState, Session
from server.rooms.storing import database_away
from server.storage.history import StorageFailed, StoredMessage

# Token grants one connection keeps for revoking: a token lives ROOM_TOKEN_SECONDS and a fresh one
# comes every half of that, so only the last few can still open anything.
MAX_GRANTS_HELD = 4

__all__ = ["MAX_GRANTS_HELD", "ChatRooms"]

log = logging.getLogger("lanchat.rooms")


class ChatRooms(RoomState):
    """The rooms' state plus what can be done to them."""

    # Who may come in (admission.py).
    def admit(self, room: str, address: str | None = None) -> None:
        admission.admit(self, room, address)

    def enter_direct(self, room: str, first_frame: str | None) -> tuple[Hello, str]:
        return admission.enter_direct(self, room, first_frame)

    def admit_direct(self, room: str, hello: Hello) -> None:
        admission.admit_direct(self, room, hello)

    # What the HTTP side reads (queries.py).
    def list_rooms(self) -> list[RoomSummary]:
        return queries.list_rooms(self)

    def room_list_page(self, offset: int, limit: int) -> RoomListPage:
        return queries.room_list_page(self, offset, limit)

    def history_page(
        self,
        room: str,
        before: int | None,
        limit: int,
        token: str | None = None,
        *,
        around: int | None = None,
    ) -> HistoryPage:
        return queries.history_page(self, room, before, limit, token, around)

    def require_access(self, room: str, token: str | None) -> None:
        """Refused unless `token` opens `room` (its history and its files)."""
        queries.check_readable(self, room, queries.opened_by(self, [token]))

    def search_page(
        self, query: str, rooms: list[str], offset: int, limit: int, tokens: str | None = None
    ) -> SearchPage:
        return queries.search_page(self, query, rooms, offset, limit, tokens)

    # A member's connection: join, frames, leave.
    def join(
        self,
        websocket: Socket,
        room: str,
        *,
        name: str | None,
        rich: bool,
        after: int | None,
        address: str | None = None,
        in_clear: bool = False,
    ) -> Session:
        """Register an accepted socket; what it missed comes first (replay.py), then what is live.
        `in_clear`: it came over plain HTTP from the network, and the room is told so."""
        catchup = Catchup(self, room, rich=rich, after=after)
        member = self.manager.connect(
            websocket, room, name=name, rich=rich, replay=catchup.frames, welcome=catchup.welcome_if_rich()
        )
        self.address_limits.hold(address)
        self.addresses[member] = address
        if in_clear:
            self.manager.broadcast(self.in_clear.joined(member), room, rich_only=True, exclude=member)
        return Session(member, address=address, in_clear=in_clear)

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
                # The refused frame is not read, but its client_id is named, so the client knows
                # which message to send again.
                client_id = _client_id_of(text)
                if client_id is not None:
                    refusal.extra["client_id"] = client_id
                self.manager.send(member, error_frame(refusal))
                return float(refusal.extra["retry_after"])
            if text is None:
                raise Refused(
                    ErrorCode.BINARY_NOT_SUPPORTED, "Binary frames are not supported; send JSON text."
                )
            frame = parse_client_frame(decode_frame(text), member.room)
            if isinstance(frame, Hello):
                if session.in_clear:  # the secret is readable on the wire: it identifies nobody
                    raise encryption_required("An identity's secret")
                hello(self, member, frame)
                return 0.0
            if not member.settled:
                settle(self, member, frame.sender if isinstance(frame, ChatMessage | Typing) else None)
            if isinstance(frame, Seen):
                self.receipts.seen(member, frame, self.store.position(member.room))
            elif isinstance(frame, Typing):
                send_typing(self, member, frame)
            elif isinstance(frame, ChatMessage):
                post(self, member, frame)
            else:
                change(self, member, frame)
        except Refused as refusal:
            self.manager.send(member, error_frame(refusal))
        except StorageFailed as exc:
            # What did not turn its own storage error into a refusal (a receipt, a hello's
            # lookups) while a cluster's database is away: the member is told, never dropped.
            log.warning("a frame in %r met the database away: %s", member.room, exc)
            self.manager.send(member, error_frame(database_away()))
        return 0.0

    def leave(self, session: Session) -> None:
        self.addresses.pop(session.member, None)
        self.receipts.leave(session.member)
        self.manager.disconnect(session.member.websocket, session.member.room)
        if not self.manager.members_in(session.member.room):
            self.typing.forget(session.member.room)
        self.address_limits.release(session.address)
        if session.in_clear and (frame := self.in_clear.left(session.member)) is not None:
            self.manager.broadcast(frame, session.member.room, rich_only=True)

    # Private and direct rooms' tokens and passwords.
    def refresh_token(self, session: Session) -> bool:
        """Send a member of a private or direct room a `token` frame with a fresh token; False
        (nothing sent) when its room is open now or the member is on its way out."""
        member = session.member
        room = member.room
        if member.close_with is not None or not (self.private.is_private(room) or is_direct_room(room)):
            return False
        token = self.private.issue_token(room)
        self.hold_token(session, token)
        frame: TokenFrame = {
            "type": "token",
            "room": room,
            "token": token,
            "expires_in": json_number(self.private.token_seconds),
        }
        self.manager.send(member, frame)
        return True

    def hold_token(self, session: Session, token: str) -> None:
        """`session` was given `token` (at its door, or fresh): removing or banning it revokes it."""
        grant = grant_of(token)
        if grant is None:
            return
        member = session.member
        member.grants = (*member.grants[-(MAX_GRANTS_HELD - 1) :], grant)
        if member.identity is not None:
            self.private.tokens.bind([grant], member.identity)

    def password_changed(self, room: str) -> None:
        """The room became private or has a new password: its members must enter it again."""
        refusal = Refused(
            ErrorCode.PASSWORD_REQUIRED, "The host gave this room a password; enter it to stay."
        )
        for member in self.manager.members_in(room):
            self.manager.expel(member, error_frame(refusal), CloseCode.PASSWORD_REQUIRED, "password required")

    def publish_change(self, message: StoredMessage, kind: ChangeKind) -> None:
        """Tell the room's v2 members that a message changed (the host's delete uses it too)."""
        publish_change(self, message, kind)


def _client_id_of(text: str | None) -> str | None:
    """The client_id a frame names, if it is a JSON object naming a valid one."""
    try:
        data = decode_frame(text) if text is not None else None
    except Refused:
        return None
    client_id = data.get("client_id") if data is not None else None
    return client_id if isinstance(client_id, str) and 0 < len(client_id) <= MAX_CLIENT_ID_CHARS else None
