"""Fuzz a real `lanchat serve` with random and malformed traffic while well-behaved clients chat.

Run from the repository root (the test suite runs a 20 s version, tests/security/test_fuzz.py):

    .venv/bin/python -m tests.fuzz.fuzz_server --seconds 600 [--seed N] [--workers 16]

The server is `lanchat serve` on loopback (discovery off). Three identified people (Alice, Борис,
Chen) chat in two rooms, a message every 0.2-0.5 s each with a `client_id`. Meanwhile another
process (so its CPU does not starve the people's reading) runs `--workers` attackers, each picking
one attack after another at random (ATTACKS below): wrong types, huge and deeply nested JSON,
invalid UTF-8, binary, fragmented and partial frames, half-open TCP, abrupt closes and resets,
slow readers, HTTP junk, name spoofing (posting and typing under the people's names, in
their case and spacing variants, with and without an identity), tampering with the people's
messages (edits, deletes, reactions and replies of every shape, from other identities and none),
and password guessing on the private room (from 127.0.0.2, its own lockout, so the people's
address is not locked out).

After it, the run passes when: the server still runs and logged no traceback; /api/health
answers within HEALTH_MAX_SECONDS five times in a row; every message a person sent was
acknowledged and received by everyone else in its room, in id order, with nothing missing; no
person was refused anything; no message or typing notice under a person's name came from anyone
else; none of the people's messages was edited or deleted by anyone (reactions from anyone are
allowed); nobody else's message reached the private room, no guess entered it and the lockout held
(at most PASSWORD_FAILURES_BEFORE_LOCKOUT wrong guesses a lockout); and the server's RSS is back
within RSS_MARGIN_MIB of its start (measured once the people have joined, before the attack)
within RSS_SETTLE_SECONDS.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import os
import random
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))

# Nothing started here may multicast on the machine's interfaces.
os.environ["LANCHAT_DISCOVERY"] = "off"

import httpx
import psutil
import websockets

from server.policy import PASSWORD_FAILURES_BEFORE_LOCKOUT, PASSWORD_LOCKOUT_SECONDS
from server.protocol.limits import (
    MAX_FILE_BYTES,
    MAX_FRAME_BYTES,
    MAX_ROOM_PASSWORD_CHARS,
    MIN_ROOM_PASSWORD_CHARS,
    TRANSPORT_MAX_FRAME_BYTES,
)
from server.rooms.validation import name_key
from tests.support.server_process import ServeProcess
from tests.support.tus_client import OFFSET_TYPE, TUS, create_headers

__all__ = ["HEALTH_MAX_SECONDS", "RSS_MARGIN_MIB", "FuzzReport", "run"]

# "Healthy": /api/health answers within this, five times in a row, right after the attack.
HEALTH_MAX_SECONDS = 0.5
# "Back near its start": RSS at most this much above the RSS measured before the attack. The
# attack makes the server parse frames up to 1 MiB and hold hundreds of connections; CPython keeps
# some of the memory it freed, so "near" is a margin, not equality.
RSS_MARGIN_MIB = 40
RSS_SETTLE_SECONDS = 15.0

PRIVATE_ROOM = "vault"  # `--private-room`: Alice and Chen know its password, the attackers do not
PEOPLE = {
    "Alice": ["lobby", "team", PRIVATE_ROOM],
    "Борис": ["lobby", "team"],
    "Chen": ["lobby", PRIVATE_ROOM],
}
GOOD_ROOMS = ["lobby", "team", PRIVATE_ROOM]
GUESSER_ADDRESS = "127.0.0.2"  # loopback too, but its own lockout bucket
# Rooms the attackers also use; few, so MAX_ROOMS is never what is tested here.
JUNK_ROOMS = [f"fz-{n}" for n in range(12)]
BAD_ROOMS = ["a/b", "..", " x", "x" * 65, "%00", "a%2Fb", "<script>", "%E2%80%AE"]


# Well-behaved people ----------------------------------------------------------------------


@dataclass
class Person:
    """One person's connection to one room, and everything it sent and saw."""

    name: str
    room: str
    secret: str
    sent: list[str] = field(default_factory=list)  # client_ids, in order
    acked: dict[str, int] = field(default_factory=dict)  # client_id -> id
    received: list[tuple[int, str, str | None]] = field(default_factory=list)  # (id, sender, client_id)
    errors: list[dict[str, Any]] = field(default_factory=list)
    spoofed: list[dict[str, Any]] = field(default_factory=list)
    tampered: list[dict[str, Any]] = field(default_factory=list)  # edits/deletes of the people's messages
    strangers: list[dict[str, Any]] = field(default_factory=list)  # in the private room: not ours
    closed: str | None = None
    ws: Any = None


async def person_reads(person: Person, everyone: list[Person]) -> None:
    try:
        async for raw in person.ws:
            frame = json.loads(raw)
            kind = frame.get("type")
            if kind == "ack":
                person.acked[frame["client_id"]] = frame["id"]
            elif kind == "error":
                person.errors.append(frame)
            elif kind == "update":
                # The people never edit or delete: any such change of one of theirs is an attacker's.
                changed = frame["message"].get("client_id")
                if frame["change"] != "reaction" and any(changed in other.sent for other in everyone):
                    person.tampered.append(frame)
            elif kind in ("message", "typing"):
                if kind == "message":
                    person.received.append((frame["id"], frame["sender"], frame.get("client_id")))
                if person.room == PRIVATE_ROOM and not any(
                    frame.get("client_id") in other.sent for other in everyone if other.room == PRIVATE_ROOM
                ):
                    person.strangers.append(frame)
                key = name_key(frame["sender"])
                owner = next((p for p in everyone if p.room == person.room and name_key(p.name) == key), None)
                if owner is None:
                    continue  # nobody of ours holds that name in this room
                if (
                    kind == "typing" or frame.get("client_id") not in owner.sent
                ):  # the people send no typing notices: any under their name is a spoof
                    person.spoofed.append(frame)
    except websockets.ConnectionClosed as closed:
        person.closed = f"closed {closed.rcvd.code if closed.rcvd else 'without a close frame'}"


async def person_chats(person: Person, until: float, rng: random.Random) -> None:
    n = 0
    while time.monotonic() < until and person.closed is None:
        client_id = f"good-{person.secret[:6]}-{person.room}-{n}"
        person.sent.append(client_id)  # before sending: the broadcast may arrive before send returns
        text = rng.choice(["hello", "Привет", "ok 👍", "x" * rng.randint(1, 3000)]) + f" #{n}"
        await person.ws.send(json.dumps({"text": text, "sender": person.name, "client_id": client_id}))
        n += 1
        await asyncio.sleep(rng.uniform(0.2, 0.5))


# Attackers (a separate process: --attack) -------------------------------------------------------


def ws_frame(
    opcode: int, payload: bytes, *, fin: bool = True, rsv: int = 0, length: int | None = None
) -> bytes:
    """A client frame, masked. `length` may lie about the payload (for partial frames)."""
    size = len(payload) if length is None else length
    first = (0x80 if fin else 0) | (rsv << 4) | opcode
    if size < 126:
        head = struct.pack("!BB", first, 0x80 | size)
    elif size < 1 << 16:
        head = struct.pack("!BBH", first, 0x80 | 126, size)
    else:
        head = struct.pack("!BBQ", first, 0x80 | 127, size)
    key = os.urandom(4)
    repeated = (key * (len(payload) // 4 + 1))[: len(payload)]
    masked = (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(len(payload), "big")
    return head + key + masked


class Attacker:
    def __init__(self, host: str, port: int, rng: random.Random, only: tuple[str, ...] = ()) -> None:
        self.host, self.port, self.rng = host, port, rng
        self.attacks = only or self.ATTACKS
        self.counts: Counter[str] = Counter()

    # Helpers

    def room(self) -> str:
        pick = self.rng.random()
        if pick < 0.5:
            return self.rng.choice(GOOD_ROOMS)
        return self.rng.choice(JUNK_ROOMS) if pick < 0.9 else self.rng.choice(BAD_ROOMS)

    def query(self) -> str:
        parts = []
        if self.rng.random() < 0.7:
            parts.append("v=2")
        if self.rng.random() < 0.5:
            parts.append("name=" + self.rng.choice([*PEOPLE, "Mallory", "alice", "%E2%80%AEecilA", "x" * 40]))
        if self.rng.random() < 0.1:
            parts.append(self.rng.choice(["after=-1", "after=99999999999999999999", "v=abc", "after=0"]))
        return "?" + "&".join(parts)

    async def raw_socket(self, path: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, bool]:
        reader, writer = await asyncio.open_connection(self.host, self.port)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        return reader, writer, head.startswith(b"HTTP/1.1 101")

    def junk_value(self, depth: int = 0) -> Any:
        pick = self.rng.randrange(9 if depth < 4 else 6)
        if pick == 0:
            return None
        if pick == 1:
            return self.rng.choice([True, False, 0, -1, 2**64, 1e308, -0.0])
        if pick == 2:
            return "".join(
                chr(self.rng.choice([0, 0x202E, 0x200B, 0xFEFF, 65, 0x44F, 0x1F600])) for _ in range(5)
            )
        if pick in (3, 4, 5):
            return self.rng.choice(
                [
                    "message",
                    "typing",
                    "hello",
                    "edit",
                    "delete",
                    "react",
                    "",
                    " ",
                    "lobby",
                    "Alice",
                    "x" * 5000,
                ]
            )
        if pick == 6:
            return [self.junk_value(depth + 1) for _ in range(self.rng.randrange(4))]
        keys = ["type", "text", "sender", "room", "client_id", "secret", "id", "__proto__", "emoji", "on"]
        keys += ["reply_to"]
        return {self.rng.choice(keys): self.junk_value(depth + 1) for _ in range(self.rng.randrange(5))}

    async def drain_some(self, ws: Any, seconds: float) -> None:
        with contextlib.suppress(asyncio.TimeoutError, websockets.ConnectionClosed):
            async with asyncio.timeout(seconds):
                async for _ in ws:
                    pass

    def url(self, room: str | None = None) -> str:
        return f"ws://{self.host}:{self.port}/ws/{room or self.room()}{self.query()}"

    # Attacks: each one connection's worth of trouble.

    async def wrong_types(self) -> None:
        async with websockets.connect(self.url(), max_size=None) as ws:
            for _ in range(self.rng.randint(1, 25)):
                await ws.send(json.dumps(self.junk_value()))
            await self.drain_some(ws, 0.5)

    async def huge_json(self) -> None:
        async with websockets.connect(self.url(), max_size=None) as ws:
            size = self.rng.choice(
                [MAX_FRAME_BYTES - 10, MAX_FRAME_BYTES + 1, 500_000, TRANSPORT_MAX_FRAME_BYTES + 1]
            )
            body = self.rng.choice(["x", "я", "\\u0000"]) * (size // 2)
            await ws.send(json.dumps({"text": body, "sender": "Mallory"}))
            depth = self.rng.choice([999, 1001, 5000, 20000])
            await ws.send("[" * depth + "]" * depth)
            await ws.send('{"a":' * depth + "1" + "}" * depth)
            await self.drain_some(ws, 0.5)

    async def invalid_utf8(self) -> None:
        reader, writer, upgraded = await self.raw_socket("/ws/" + self.room() + self.query())
        if upgraded:
            payload = self.rng.choice(
                [b"\xff\xfe", b'{"text":"\xc3(","sender":"M"}', b"\xed\xa0\x80", os.urandom(64)]
            )
            writer.write(ws_frame(0x1, payload))
            await writer.drain()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(reader.read(4096), 1)
        writer.close()

    async def odd_frames(self) -> None:
        """Binary, fragmented, reserved bits, unknown opcodes, oversized control frames."""
        reader, writer, upgraded = await self.raw_socket("/ws/" + self.room() + self.query())
        if upgraded:
            text = json.dumps({"text": "frag", "sender": "Mallory"}).encode()
            choices = [
                ws_frame(0x2, os.urandom(self.rng.randint(0, 3000))),
                ws_frame(0x1, text[:5], fin=False) + ws_frame(0x0, text[5:]),
                ws_frame(0x1, text[:5], fin=False) + ws_frame(0x1, text[5:]),  # a new message mid-fragment
                ws_frame(0x1, text, rsv=self.rng.randint(1, 7)),
                ws_frame(self.rng.choice([0x3, 0x7, 0xB, 0xF]), b"??"),
                ws_frame(0x9, b"p" * 200),  # a ping over 125 bytes
                ws_frame(0x8, b"\x03"),  # a close with a one-byte payload
            ]
            writer.write(b"".join(self.rng.sample(choices, self.rng.randint(1, 3))))
            await writer.drain()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(reader.read(65536), 1)
        writer.close()

    async def partial_frame(self) -> None:
        """A frame header promising more than comes, then a stall, a close or a reset."""
        _reader, writer, upgraded = await self.raw_socket("/ws/" + self.rng.choice(GOOD_ROOMS) + "?v=2")
        if upgraded:
            frame = ws_frame(
                0x1, b'{"text":"never finished', length=self.rng.choice([200, 70_000, 2_000_000])
            )
            writer.write(frame[: self.rng.randint(1, len(frame))])
            await writer.drain()
            await asyncio.sleep(self.rng.uniform(0, 3))
        self.close_rudely(writer)

    async def half_open_tcp(self) -> None:
        """TCP without a request, half a request, or a request and then our write side shut."""
        _reader, writer = await asyncio.open_connection(self.host, self.port)
        pick = self.rng.randrange(3)
        if pick == 1:
            writer.write(b"GET /ws/lobby HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgr")
        elif pick == 2:
            writer.write(f"GET /api/health HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n\r\n".encode())
            await writer.drain()
            writer.write_eof()
        await writer.drain()
        await asyncio.sleep(self.rng.uniform(0.5, 4))
        self.close_rudely(writer)

    async def abrupt_close(self) -> None:
        """Join a people's room, maybe post, and vanish without a close frame (or with a reset)."""
        _reader, writer, upgraded = await self.raw_socket(f"/ws/{self.rng.choice(GOOD_ROOMS)}?v=2")
        if upgraded and self.rng.random() < 0.5:
            writer.write(ws_frame(0x1, json.dumps({"text": "bye", "sender": "Ghost"}).encode()))
            await writer.drain()
        self.close_rudely(writer)

    async def slow_reader(self) -> None:
        """A member of a busy room that reads nothing for seconds, with a tiny receive buffer."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, (self.host, self.port))
        _reader, writer = await asyncio.open_connection(sock=sock)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(
            f"GET /ws/{self.rng.choice(GOOD_ROOMS)}?v=2 HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        await writer.drain()
        await asyncio.sleep(self.rng.uniform(2, 8))
        self.close_rudely(writer)

    async def spoof_names(self) -> None:
        """Post and type under a person's name (exact, other case, padded), with or without a hello."""
        person = self.rng.choice(list(PEOPLE))
        room = self.rng.choice(PEOPLE[person])
        variant = self.rng.choice(
            [
                person,
                person.upper(),
                person.lower(),
                f"  {person} ",
                person.replace("e", "e\u00a0"),
                person + "\u034f",  # a combining grapheme joiner: draws nothing
                person + "\ufe0f",  # a variation selector after a letter
                person + "\U000e0100",
                person.replace("l", "I"),  # a capital I for an l
                person.replace("A", "\u0410").replace("i", "\u0456"),  # Cyrillic look-alikes
            ]
        )
        query = self.rng.choice(["?v=2", f"?v=2&name={person}", ""])
        async with websockets.connect(f"ws://{self.host}:{self.port}/ws/{room}{query}") as ws:
            if self.rng.random() < 0.6:
                secret = base64.urlsafe_b64encode(os.urandom(24)).decode().rstrip("=")
                await ws.send(json.dumps({"type": "hello", "secret": secret}))
            for _ in range(self.rng.randint(1, 6)):
                if self.rng.random() < 0.5:
                    await ws.send(json.dumps({"type": "typing", "sender": variant}))
                else:
                    await ws.send(
                        json.dumps({"text": "it is me, really", "sender": variant, "client_id": "spoof"})
                    )
            await self.drain_some(ws, 0.3)

    async def tamper_messages(self) -> None:
        """Edit, delete, react to and reply to messages of a good room by id (the people's among
        them), with a fresh identity, none, or junk in every field."""
        room = self.rng.choice(["lobby", "team"])
        async with websockets.connect(f"ws://{self.host}:{self.port}/ws/{room}?v=2&name=Mallory") as ws:
            if self.rng.random() < 0.7:
                secret = base64.urlsafe_b64encode(os.urandom(24)).decode().rstrip("=")
                await ws.send(json.dumps({"type": "hello", "secret": secret}))
            for _ in range(self.rng.randint(1, 10)):
                target = self.rng.choice([self.rng.randint(1, 400), 0, -1, 2**63, "1", None, 1.5, True])
                kind = self.rng.choice(["edit", "delete", "react", "message"])
                frame: dict[str, Any] = {"type": kind, "id": target}
                if kind == "edit":
                    frame["text"] = self.rng.choice(["pwned", "", "x" * 5000, self.junk_value()])
                elif kind == "react":
                    frame["emoji"] = self.rng.choice(["👍", "", "\u202e", "x" * 17, "a b", self.junk_value()])
                    frame["on"] = self.rng.choice([True, False, "yes", None])
                elif kind == "message":
                    frame = {"text": "re", "sender": "Mallory", "reply_to": target}
                if self.rng.random() < 0.3:
                    frame[self.rng.choice(["id", "text", "emoji", "client_id"])] = self.junk_value()
                await ws.send(json.dumps(frame))
            await self.drain_some(ws, 0.3)

    async def lookalike_rooms(self) -> None:
        """Join rooms spelled like the people's (case, Cyrillic letters, a Hangul filler): each is
        refused as a new room, so none can pose as theirs (the private one included)."""
        room = self.rng.choice(GOOD_ROOMS)
        twin = self.rng.choice(
            [
                room.upper(),
                room.capitalize(),
                room.replace("o", "\u043e").replace("a", "\u0430"),
                room + "\u3164",
            ]
        )
        with contextlib.suppress(websockets.ConnectionClosed):
            async with websockets.connect(self.url(urllib.parse.quote(twin))) as ws:
                await ws.send(json.dumps({"text": "this is the real one", "sender": "Mallory"}))
                await self.drain_some(ws, 0.3)

    async def reuse_client_ids(self) -> None:
        """Read a people's room, then post under the client ids seen there: each is another
        sender's, so it must be stored as a new message of Mallory's, never swallow theirs."""
        room = self.rng.choice(["lobby", "team"])
        async with websockets.connect(f"ws://{self.host}:{self.port}/ws/{room}?name=Mallory") as ws:
            seen: list[str] = []
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(0.5):
                    async for text in ws:
                        frame = json.loads(text)
                        if isinstance(frame.get("client_id"), str):
                            seen.append(frame["client_id"])
            for client_id in seen[-5:]:
                await ws.send(json.dumps({"text": "copy", "sender": "Mallory", "client_id": client_id}))
            await self.drain_some(ws, 0.3)

    async def squat_uploads(self) -> None:
        """Announce uploads as large as allowed and send nothing, or an empty PATCH to keep one
        alive: that reserves nothing, so nobody else's files are refused for it."""
        base = f"http://{self.host}:{self.port}"
        async with httpx.AsyncClient(base_url=base, timeout=5) as client:
            length = self.rng.choice([MAX_FILE_BYTES, MAX_FILE_BYTES + 1, 1, 0, -1])
            room = self.rng.choice(["lobby", "team"])
            created = await client.post(
                "/api/uploads", headers=create_headers(room, length, "A" * 43 + "=", "x", "")
            )
            location = created.headers.get("location")
            if location and self.rng.random() < 0.5:
                empty = {**TUS, "Upload-Offset": "0", "Content-Type": OFFSET_TYPE}
                await client.patch(location, headers=empty, content=b"")

    async def http_junk(self) -> None:
        base = f"http://{self.host}:{self.port}"
        requests = [
            ("GET", "/api/rooms?offset=-1&limit=100000"),
            ("GET", "/api/rooms/lobby/messages?before=9223372036854775808"),
            ("GET", "/api/rooms/..%2F..%2Fetc/messages"),
            ("GET", "/api/rooms/" + "x" * 5000 + "/messages"),
            ("POST", "/api/rooms"),
            ("GET", "/api/diagnose?address=127.0.0.1:1"),
            ("GET", "/" + "%" * 100),
        ]
        async with httpx.AsyncClient(base_url=base, timeout=5) as client:
            method, path = self.rng.choice(requests)
            headers = {"Host": "evil.example"} if self.rng.random() < 0.2 else {}
            await client.request(method, path, headers=headers)

    async def guess_room_password(self) -> None:
        """A wrong password for the private room, sometimes with a message right behind it."""
        url = f"ws://{self.host}:{self.port}/ws/{PRIVATE_ROOM}{self.query()}"
        async with websockets.connect(url, local_addr=(GUESSER_ADDRESS, 0)) as ws:
            guess = self.rng.choice(["1234", "password", "vault", "x" * 128, "x" * 129, "", "Vault2026"])
            await ws.send(json.dumps({"type": "password", "password": guess}))
            if self.rng.random() < 0.5:
                await ws.send(json.dumps({"text": "let me in", "sender": "Guesser", "client_id": "guess"}))
            answer = json.loads(await asyncio.wait_for(ws.recv(), 5))
            kind = answer.get("code") if answer.get("type") == "error" else answer.get("type")
            # A password of the wrong length is refused unjudged and not counted toward the lockout.
            judged = MIN_ROOM_PASSWORD_CHARS <= len(guess) <= MAX_ROOM_PASSWORD_CHARS
            self.counts[f"password {kind}" + ("" if judged else " (unjudged length)")] += 1

    ATTACKS = (
        "wrong_types",
        "huge_json",
        "invalid_utf8",
        "odd_frames",
        "partial_frame",
        "half_open_tcp",
        "abrupt_close",
        "slow_reader",
        "spoof_names",
        "tamper_messages",
        "http_junk",
        "guess_room_password",
        "lookalike_rooms",
        "reuse_client_ids",
        "squat_uploads",
    )

    @staticmethod
    def close_rudely(writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        if sock is not None and random.random() < 0.5:
            # SO_LINGER 0: the close is a reset, not a FIN.
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.close()

    async def worker(self, until: float) -> None:
        while time.monotonic() < until:
            attack = self.rng.choice(self.attacks)
            try:
                await asyncio.wait_for(getattr(self, attack)(), 15)
                self.counts[attack] += 1
            except (TimeoutError, OSError, websockets.WebSocketException, httpx.HTTPError, EOFError):
                # asyncio.IncompleteReadError is an EOFError: the server hung up mid-handshake.
                self.counts[attack + " (refused or cut)"] += 1


async def attack(
    host: str, port: int, seconds: float, workers: int, seed: int, only: tuple[str, ...] = ()
) -> dict[str, int]:
    attacker = Attacker(host, port, random.Random(seed), only)
    until = time.monotonic() + seconds
    await asyncio.gather(*(attacker.worker(until) for _ in range(workers)))
    return dict(attacker.counts)


# The run -------------------------------------------------------------------------------------


@dataclass
class FuzzReport:
    seconds: float
    attacks: dict[str, int]
    messages_sent: int
    problems: list[str]
    health_max_during: float
    health_after: list[float]
    rss_start_mib: float
    rss_peak_mib: float
    rss_end_mib: float
    connections_peak: int

    def summary(self) -> str:
        lines = [
            # "password ..." counts are the answers to guess_room_password, counted there already.
            f"fuzzed for {self.seconds:.0f} s:"
            f" {sum(n for kind, n in self.attacks.items() if not kind.startswith('password '))} attacks, "
            f"{self.messages_sent} messages from the people",
            "attacks: " + ", ".join(f"{k} {v}" for k, v in sorted(self.attacks.items())),
            f"/api/health: slowest during {self.health_max_during * 1000:.0f} ms; after "
            + ", ".join(f"{t * 1000:.0f}" for t in self.health_after)
            + " ms",
            f"RSS: {self.rss_start_mib:.1f} MiB at start, {self.rss_peak_mib:.1f} peak, "
            f"{self.rss_end_mib:.1f} after (margin {RSS_MARGIN_MIB} MiB);"
            f" peak connections {self.connections_peak}",
            "problems: " + ("none" if not self.problems else "\n  " + "\n  ".join(self.problems)),
        ]
        return "\n".join(lines)


def rss_mib(pid: int) -> float:
    return psutil.Process(pid).memory_info().rss / 2**20


async def health(base: str) -> float:
    started = time.monotonic()
    async with httpx.AsyncClient(timeout=10) as client:
        answer = await client.get(base + "api/health")
    answer.raise_for_status()
    return time.monotonic() - started


async def run_async(
    seconds: float, workers: int, seed: int, folder: Path, only: tuple[str, ...] = ()
) -> FuzzReport:
    rng = random.Random(seed)
    password = base64.urlsafe_b64encode(os.urandom(18)).decode()
    password_file = folder / "vault-password.txt"
    password_file.write_text(password + "\n", encoding="utf-8")
    server = ServeProcess(folder / "data", extra_args=("--private-room", f"{PRIVATE_ROOM}={password_file}"))
    server.start()
    assert server.process is not None
    pid = server.process.pid
    problems: list[str] = []
    try:
        everyone: list[Person] = []
        secrets_ = {name: base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=") for name in PEOPLE}
        for name, rooms in PEOPLE.items():
            for room in rooms:
                person = Person(name, room, secrets_[name])
                person.ws = await websockets.connect(f"{server.ws_base}/ws/{room}?v=2", max_size=None)
                if room == PRIVATE_ROOM:
                    await person.ws.send(json.dumps({"type": "password", "password": password}))
                await person.ws.send(json.dumps({"type": "hello", "secret": person.secret}))
                everyone.append(person)
        readers = [asyncio.create_task(person_reads(p, everyone)) for p in everyone]
        # Each takes its name before the attack: the first frame under it.
        for person in everyone:
            person.sent.append(f"good-{person.secret[:6]}-{person.room}-hi")
            await person.ws.send(
                json.dumps({"text": "hi", "sender": person.name, "client_id": person.sent[-1]})
            )
        await asyncio.sleep(1.0)
        rss_start = rss_mib(pid)
        rss_peak, connections_peak, health_max = rss_start, 0, 0.0

        attackers = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.fuzz.fuzz_server", "--attack", server.host,
            "--seconds", str(seconds), "--workers", str(workers), "--seed", str(seed),
            "--only", ",".join(only),
            cwd=REPO_ROOT, stdout=subprocess.PIPE,
        )  # fmt: skip
        until = time.monotonic() + seconds
        chatting = [asyncio.create_task(person_chats(p, until, rng)) for p in everyone]
        while time.monotonic() < until:
            await asyncio.sleep(0.5)
            try:
                health_max = max(health_max, await health(server.url))
            except httpx.HTTPError as exc:
                problems.append(f"/api/health failed during the attack: {exc!r}")
            process = psutil.Process(pid)
            rss_peak = max(rss_peak, process.memory_info().rss / 2**20)
            connections_peak = max(connections_peak, len(process.net_connections("tcp")))
        await asyncio.gather(*chatting)
        out, _ = await asyncio.wait_for(attackers.communicate(), 60)
        attacks = json.loads(out.decode().strip().splitlines()[-1])
        if not only or "guess_room_password" in only:
            problems += password_problems(attacks, seconds)

        # Every acknowledgement, then every message at everyone else in the room.
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not all_delivered(everyone):
            await asyncio.sleep(0.2)
        problems += delivery_problems(everyone)
        for person in everyone:
            await person.ws.close()
        await asyncio.gather(*readers, return_exceptions=True)

        health_after = [await health(server.url) for _ in range(5)]
        if max(health_after) > HEALTH_MAX_SECONDS:
            problems.append(f"/api/health took up to {max(health_after):.2f} s after the attack")
        deadline = time.monotonic() + RSS_SETTLE_SECONDS
        while rss_mib(pid) > rss_start + RSS_MARGIN_MIB and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
        rss_end = rss_mib(pid)
        if rss_end > rss_start + RSS_MARGIN_MIB:
            problems.append(
                f"RSS {rss_end:.1f} MiB, more than {RSS_MARGIN_MIB} MiB over its start {rss_start:.1f}"
            )
        if server.process.poll() is not None:
            problems.append(f"the server exited with {server.process.returncode}")
        tracebacks = [line for line in server.output if "Traceback" in line or "Exception in" in line]
        if tracebacks:
            index = server.output.index(tracebacks[0])
            problems.append("the server logged a traceback:\n" + "\n".join(server.output[index : index + 40]))
        return FuzzReport(
            seconds=seconds,
            attacks=attacks,
            messages_sent=sum(len(p.sent) for p in everyone),
            problems=problems,
            health_max_during=health_max,
            health_after=health_after,
            rss_start_mib=rss_start,
            rss_peak_mib=rss_peak,
            rss_end_mib=rss_end,
            connections_peak=connections_peak,
        )
    finally:
        server.stop()


def password_problems(attacks: dict[str, int], seconds: float) -> list[str]:
    problems = []
    if attacks.get("password entered"):
        problems.append(f"{attacks['password entered']} wrong passwords entered the private room")
    # The guessers' address gets PASSWORD_FAILURES_BEFORE_LOCKOUT wrong tries, then a lockout.
    allowed = PASSWORD_FAILURES_BEFORE_LOCKOUT * (int(seconds // PASSWORD_LOCKOUT_SECONDS) + 2)
    wrong = attacks.get("password password_wrong", 0)
    if wrong > allowed:
        problems.append(
            f"{wrong} wrong passwords were judged in {seconds:.0f} s; the lockout allows {allowed}"
        )
    if not attacks.get("password password_locked"):
        problems.append("no guess was ever locked out")
    return problems


def expected_ids(person: Person, everyone: list[Person]) -> list[int]:
    """The ids of the messages the others in the person's room had acknowledged."""
    ids = [
        other.acked[cid]
        for other in everyone
        if other.room == person.room and other is not person
        for cid in other.sent
        if cid in other.acked
    ]
    return sorted(ids)


def all_delivered(everyone: list[Person]) -> bool:
    for person in everyone:
        if len(person.acked) < len(person.sent):
            return False
        seen = {id_ for id_, _, _ in person.received}
        if not set(expected_ids(person, everyone)) <= seen:
            return False
    return True


def delivery_problems(everyone: list[Person]) -> list[str]:
    problems = []
    for person in everyone:
        who = f"{person.name} in {person.room}"
        unacked = [cid for cid in person.sent if cid not in person.acked]
        if unacked:
            problems.append(f"{who}: {len(unacked)} of {len(person.sent)} messages never acknowledged")
        ids = [id_ for id_, _, _ in person.received]
        if ids != sorted(set(ids)):
            problems.append(f"{who}: received ids out of order or twice")
        missing = set(expected_ids(person, everyone)) - set(ids)
        if missing:
            problems.append(f"{who}: {len(missing)} of the others' messages never arrived")
        if person.errors:
            problems.append(f"{who}: refused {len(person.errors)} times, first {person.errors[0]}")
        if person.spoofed:
            problems.append(
                f"{who}: saw {len(person.spoofed)} frames under a person's name, first {person.spoofed[0]}"
            )
        if person.tampered:
            problems.append(
                f"{who}: {len(person.tampered)} of the people's messages changed by others,"
                f" first {person.tampered[0]}"
            )
        if person.strangers:
            problems.append(
                f"{who}: {len(person.strangers)} frames from outside, first {person.strangers[0]}"
            )
        if person.closed:
            problems.append(f"{who}: connection {person.closed} during the run")
    return problems


def run(
    seconds: float = 20.0, workers: int = 16, seed: int | None = None, only: tuple[str, ...] = ()
) -> FuzzReport:
    with tempfile.TemporaryDirectory(prefix="lanchat-fuzz-") as folder:
        seed = seed if seed is not None else random.randrange(2**32)
        return asyncio.run(run_async(seconds, workers, seed, Path(folder), only))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--seconds", type=float, default=60.0, help="how long to attack (default: %(default)s)"
    )
    parser.add_argument("--workers", type=int, default=16, help="attacks at once (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=None, help="the attackers' random seed (default: random)")
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated attacks to run (default: all): to find which one does harm",
    )
    parser.add_argument("--attack", metavar="HOST:PORT", help=argparse.SUPPRESS)  # the attackers' process
    args = parser.parse_args()
    only = tuple(name for name in args.only.split(",") if name)
    unknown = set(only) - set(Attacker.ATTACKS)
    if unknown:
        parser.error(f"unknown attacks {sorted(unknown)}; they are {', '.join(Attacker.ATTACKS)}")
    if args.attack:
        host, port = args.attack.rsplit(":", 1)
        counts = asyncio.run(attack(host, int(port), args.seconds, args.workers, args.seed, only))
        print(json.dumps(counts))
        return 0
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    print(f"seed {seed}")
    report = run(args.seconds, args.workers, seed, only)
    print(report.summary())
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
