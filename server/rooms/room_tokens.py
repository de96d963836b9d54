"""Room tokens: what opens a private or direct room's HTTP side (history, search, files).

A token is signed, not stored: the room (as a digest), its expiry, the room's generation and a
random grant id, with an HMAC under a key this process makes at start. Nothing is kept per token,
so no number of tokens issued to others can push a member's token out (a table of live tokens
once could be flooded until every private-room member's history failed). A token stops opening
its room when it expires, when the room's password changes or the room opens (its generation
moves on), or when its grant is revoked: the host removed or banned whoever held it.

A grant is revoked by the node that knew whose it was (it bound it to a connection). A cluster's
other nodes learn of it through their shared database (server/cluster/shared_state.py): a node
hands what it revokes to `revoked_here`, and adopts what the others revoked (`adopt_revoked`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import struct
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable

__all__ = ["MAX_BOUND_GRANTS", "RoomTokens", "grant_of", "room_key"]

# room digest, expiry (the issuer's clock), the room's generation, grant id; then the MAC.
_PAYLOAD = struct.Struct(">16sdI8s")
_MAC_BYTES = 16
_TOKEN_BYTES = _PAYLOAD.size + _MAC_BYTES
# Grants remembered as an identity's, so that banning it revokes tokens its connections held
# even after they left; past it the oldest are forgotten (their tokens then only expire).
MAX_BOUND_GRANTS = 65536


def room_key(room: str) -> bytes:
    return hashlib.sha256(b"lanchat-room\x00" + room.encode()).digest()[:16]


def _decode(token: str | None) -> bytes | None:
    if not token or len(token) > 2 * _TOKEN_BYTES:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == _TOKEN_BYTES else None


def grant_of(token: str | None) -> bytes | None:
    """The grant id a well-formed token names (unchecked: for revoking, never for opening)."""
    raw = _decode(token)
    return _PAYLOAD.unpack(raw[: _PAYLOAD.size])[3] if raw is not None else None


class RoomTokens:
    """Thread-safe enough for its callers: issuing and checking touch no shared table but the
    revocations, whose dict operations are atomic."""

    def __init__(
        self, token_seconds: float, clock: Callable[[], float] = time.monotonic, key: bytes | None = None
    ) -> None:
        """`key`: the cluster's shared one (every node then opens the tokens of every other; give
        them a wall `clock` too, since expiries then cross machines); None makes one for this process."""
        self.token_seconds = token_seconds
        self._clock = clock
        self._key = key if key is not None else secrets.token_bytes(32)
        self._generations: dict[bytes, int] = {}  # room digest -> times its tokens were revoked
        self._revoked: dict[bytes, float] = {}  # grant -> when its token would expire anyway
        self._bound: OrderedDict[bytes, tuple[str, float]] = OrderedDict()  # grant -> identity, expiry
        # A cluster node's: given each batch of grants revoked here, with when each would expire.
        self.revoked_here: Callable[[list[tuple[bytes, float]]], None] | None = None

    def issue(self, room: str) -> str:
        key = room_key(room)
        payload = _PAYLOAD.pack(
            key, self._clock() + self.token_seconds, self._generations.get(key, 0), secrets.token_bytes(8)
        )
        return base64.urlsafe_b64encode(payload + self._mac(payload)).rstrip(b"=").decode()

    def room_of(self, token: str | None) -> bytes | None:
        """The room digest (room_key) a live token opens, or None."""
        raw = _decode(token)
        if raw is None:
            return None
        payload, mac = raw[: _PAYLOAD.size], raw[_PAYLOAD.size :]
        if not hmac.compare_digest(mac, self._mac(payload)):
            return None
        key, expires, generation, grant = _PAYLOAD.unpack(payload)
        if self._clock() >= expires or generation != self._generations.get(key, 0) or grant in self._revoked:
            return None
        return bytes(key)

    def opens(self, token: str | None, room: str) -> bool:
        key = self.room_of(token)
        return key is not None and hmac.compare_digest(key, room_key(room))

    def revoke_room(self, room: str) -> None:
        """Every token of `room` issued so far stops opening it (a new password, an open room)."""
        key = room_key(room)
        self._generations[key] = self._generations.get(key, 0) + 1

    def adopt_generations(self, generations: dict[str, int]) -> None:
        """Each room's generation as the cluster's database keeps it (rooms not named: 0)."""
        self._generations = {room_key(room): generation for room, generation in generations.items()}

    def bind(self, grants: Iterable[bytes], identity: str) -> None:
        """These grants were given to `identity`'s connection: banning it revokes them."""
        expires = self._clock() + self.token_seconds
        for grant in grants:
            self._bound[grant] = (identity, expires)
            self._bound.move_to_end(grant)
        while len(self._bound) > MAX_BOUND_GRANTS:
            self._bound.popitem(last=False)

    def revoke(self, grants: Iterable[bytes]) -> None:
        expires = self._clock() + self.token_seconds
        revoked = [(grant, expires) for grant in grants]
        for grant, _ in revoked:
            self._revoked[grant] = expires
        self._forget_expired()
        if revoked and self.revoked_here is not None:
            self.revoked_here(revoked)

    def adopt_revoked(self, revoked: Iterable[tuple[bytes, float]]) -> None:
        """Grants another node of the cluster revoked, each with when its token would expire."""
        for grant, expires in revoked:
            self._revoked[grant] = max(expires, self._revoked.get(grant, expires))
        self._forget_expired()

    def revoke_identity(self, identity: str) -> None:
        self.revoke([grant for grant, (holder, _) in self._bound.items() if holder == identity])

    def _forget_expired(self) -> None:
        now = self._clock()
        for grant in [grant for grant, expires in self._revoked.items() if expires <= now]:
            del self._revoked[grant]
        while self._bound and next(iter(self._bound.values()))[1] <= now:
            self._bound.popitem(last=False)

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()[:_MAC_BYTES]
