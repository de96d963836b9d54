"""The real `lanchat serve` process on loopback, talked to with the websockets client library."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import pytest
import websockets
from websockets.exceptions import ConnectionClosed

from server.policy import RATE_LIMIT_BURST
from server.protocol.codes import CloseCode, ErrorCode
from server.protocol.limits import HISTORY_ON_JOIN, MAX_FRAME_BYTES, MAX_TEXT_CHARS, TRANSPORT_MAX_FRAME_BYTES
from tests.support.server_process import ServeProcess

TIMEOUT = 20


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, TIMEOUT * 3))


def room_url(server, room: str, **query) -> str:
    url = f"{server.ws_base}/ws/{urllib.parse.quote(room)}"
    return url + ("?" + urllib.parse.urlencode(query) if query else "")


def seed(text, sender="Аня", room="general"):
    return json.dumps({"text": text, "sender": sender, "room": room})


async def recv_json(ws):
    return json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))


async def recv_until(ws, predicate):
    while True:
        frame = await recv_json(ws)
        if predicate(frame):
            return frame


def get_json(server, path):
    with urllib.request.urlopen(server.url.rstrip("/") + path, timeout=TIMEOUT) as response:
        return json.load(response)


async def send_messages(server, room, texts, sender="filler"):
    """Send texts in order, one connection per rate-limit burst, each confirmed by its echo."""
    for start in range(0, len(texts), RATE_LIMIT_BURST):
        async with websockets.connect(room_url(server, room, after=10**9)) as ws:
            for text in texts[start : start + RATE_LIMIT_BURST]:
                await ws.send(seed(text, sender=sender, room=room))
                await recv_until(ws, lambda f, sent=text: f.get("text") == sent)


def test_seed_round_trip_between_two_clients(serve_process):
    server = serve_process()

    async def scenario():
        async with (
            websockets.connect(room_url(server, "general")) as a,
            websockets.connect(room_url(server, "general")) as b,
        ):
            await a.send(seed("Привет, мир"))
            for ws in (a, b):
                frame = await recv_json(ws)
                assert {"text", "sender", "room", "timestamp"} <= frame.keys()
                assert (frame["text"], frame["sender"], frame["room"]) == ("Привет, мир", "Аня", "general")

    run(scenario())


def test_rooms_are_isolated_even_when_the_body_names_another_room(serve_process):
    server = serve_process()

    async def scenario():
        async with (
            websockets.connect(room_url(server, "a")) as a,
            websockets.connect(room_url(server, "b")) as b,
        ):
            await a.send(seed("for a only", room="a"))
            await a.send(seed("sneaking into b", room="b"))
            assert (await recv_json(a))["text"] == "for a only"
            assert (await recv_json(a))["code"] == ErrorCode.ROOM_MISMATCH
            await b.send(seed("marker", room="b"))
            assert (await recv_json(b))["text"] == "marker"

    run(scenario())


def test_cyrillic_room_names_work_end_to_end(serve_process):
    server = serve_process()

    async def scenario():
        async with websockets.connect(room_url(server, "Общий чат")) as ws:
            await ws.send(seed("привет", room="Общий чат"))
            assert (await recv_json(ws))["room"] == "Общий чат"
        assert {"name": "Общий чат", "members": 0, "messages": 1} in get_json(server, "/api/rooms")["rooms"]

    run(scenario())


REFUSED = [
    (seed(""), ErrorCode.TEXT_EMPTY),
    (seed("ы" * (MAX_TEXT_CHARS + 1)), ErrorCode.TEXT_TOO_LONG),
    (seed("hi", sender="   "), ErrorCode.SENDER_EMPTY),
    (seed("hi", sender="s" * 33), ErrorCode.SENDER_TOO_LONG),
    (json.dumps({"text": "hi"}), ErrorCode.SENDER_MISSING),
    ("{oops", ErrorCode.INVALID_JSON),
    ("[]", ErrorCode.INVALID_FRAME),
    (json.dumps({"text": "x" * MAX_FRAME_BYTES, "sender": "a"}), ErrorCode.FRAME_TOO_LARGE),
    (b"\x89PNG", ErrorCode.BINARY_NOT_SUPPORTED),
]


def test_each_refused_input_gets_its_error_and_nothing_reaches_the_room(serve_process):
    server = serve_process()

    async def scenario():
        async with (
            websockets.connect(room_url(server, "general")) as sender,
            websockets.connect(room_url(server, "general")) as other,
        ):
            for frame, code in REFUSED:
                await sender.send(frame)
                error = await recv_json(sender)
                assert (error["type"], error["code"]) == ("error", code)
            await sender.send(seed("valid at last"))
            assert (await recv_json(sender))["text"] == "valid at last"
            # The other member saw none of the refused frames.
            assert (await recv_json(other))["text"] == "valid at last"

    run(scenario())


def test_the_rate_limit_answers_with_an_error_never_a_silent_drop(serve_process):
    server = serve_process()

    async def scenario():
        async with websockets.connect(room_url(server, "general")) as ws:
            for i in range(RATE_LIMIT_BURST + 5):
                await ws.send(seed(f"m{i}"))
            frames = [await recv_json(ws) for _ in range(RATE_LIMIT_BURST + 5)]
        stored = [f for f in frames if f["type"] == "message"]
        limited = [f for f in frames if f.get("code") == ErrorCode.RATE_LIMITED]
        assert len(stored) + len(limited) == RATE_LIMIT_BURST + 5
        assert len(stored) >= RATE_LIMIT_BURST and limited

    run(scenario())


def test_invalid_rooms_and_oversized_frames_close_with_named_codes(serve_process):
    server = serve_process()

    async def scenario():
        async with websockets.connect(room_url(server, "no/slashes")) as ws:
            assert (await recv_json(ws))["code"] == ErrorCode.ROOM_INVALID
            with pytest.raises(ConnectionClosed) as closed:
                await recv_json(ws)
            assert closed.value.rcvd.code == CloseCode.ROOM_INVALID
        async with websockets.connect(room_url(server, "general"), max_size=None) as ws:
            await ws.send("x" * (TRANSPORT_MAX_FRAME_BYTES + 1))
            with pytest.raises(ConnectionClosed) as closed:
                await recv_json(ws)
            assert closed.value.rcvd.code == CloseCode.MESSAGE_TOO_BIG

    run(scenario())


def test_concurrent_senders_are_seen_in_one_order_by_every_member(serve_process):
    server = serve_process()
    senders, per_sender = 5, 20

    async def scenario():
        listeners = [await websockets.connect(room_url(server, "race")) for _ in range(3)]
        writers = [await websockets.connect(room_url(server, "race")) for _ in range(senders)]

        async def write(index, ws):
            for i in range(per_sender):
                await ws.send(seed(f"{index}:{i}", sender=f"w{index}", room="race"))

        async def read(ws):
            return [(await recv_json(ws)) for _ in range(senders * per_sender)]

        readers = [asyncio.create_task(read(ws)) for ws in listeners + writers]
        await asyncio.gather(*(write(i, ws) for i, ws in enumerate(writers)))
        seen = await asyncio.gather(*readers)
        orders = [[(f["id"], f["text"]) for f in frames] for frames in seen]
        assert all(order == orders[0] for order in orders)
        assert [identifier for identifier, _ in orders[0]] == list(range(1, senders * per_sender + 1))
        for index in range(senders):  # each sender's own messages keep their order
            mine = [text for _, text in orders[0] if text.startswith(f"{index}:")]
            assert mine == [f"{index}:{i}" for i in range(per_sender)]
        for ws in listeners + writers:
            await ws.close()

    run(scenario())


def test_a_stalled_reader_is_dropped_with_4008_and_does_not_delay_the_room(serve_process):
    server = serve_process()
    text = "ж" * (MAX_TEXT_CHARS - 10)  # 8 KB a frame
    writers, per_writer = 40, 25  # 8 MB in all: past the outbox bound and every socket buffer

    async def scenario():
        # A tiny receive buffer and queue make the stalled client stop taking data quickly.
        raw = socket.socket()
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        raw.connect(("127.0.0.1", server.port))
        stalled = await websockets.connect(room_url(server, "flood"), sock=raw, max_queue=1, max_size=None)
        async with websockets.connect(room_url(server, "flood"), max_size=None) as observer:

            async def write(index):
                # No history replay, and an unbounded queue so it keeps reading until it closes.
                url = room_url(server, "flood", after=10**9)
                async with websockets.connect(url, max_queue=None, max_size=None) as ws:
                    for i in range(per_writer):
                        await ws.send(json.dumps({"text": f"{index}:{i} {text}", "sender": f"w{index}"}))

            async def observe():
                return [await recv_json(observer) for _ in range(writers * per_writer)]

            observing = asyncio.create_task(observe())
            for batch in range(0, writers, 8):
                await asyncio.gather(*(write(i) for i in range(batch, min(batch + 8, writers))))
            frames = await asyncio.wait_for(observing, TIMEOUT * 2)
            assert [f["id"] for f in frames] == list(range(1, writers * per_writer + 1))

        # The stalled member was dropped; reading again, it finds the close code after the backlog.
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(stalled.recv(), TIMEOUT)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == CloseCode.TOO_SLOW

    run(scenario())


SLEEPER = """
import asyncio, sys, websockets
async def main():
    ws = await websockets.connect(sys.argv[1], ping_interval=None)
    print("joined", flush=True)
    await asyncio.sleep(3600)
asyncio.run(main())
"""


@pytest.mark.parametrize("how", ["killed", "frozen"])
def test_members_that_vanish_without_a_close_are_cleaned_up(serve_process, how):
    server = serve_process(extra_args=("--ping-interval", "0.5", "--ping-timeout", "0.5"))

    async def scenario():
        async with websockets.connect(room_url(server, "general", v=2, name="Watcher")) as watcher:
            await recv_until(watcher, lambda f: f.get("type") == "welcome")
            sleeper = subprocess.Popen(
                [sys.executable, "-c", SLEEPER, room_url(server, "general", v=2, name="Sleepy")],
                stdout=subprocess.PIPE,
                text=True,
            )
            try:
                # Off the loop: the watcher must keep answering the server's 0.5 s pings while a
                # busy machine takes its time to start the sleeper.
                assert (await asyncio.to_thread(sleeper.stdout.readline)).strip() == "joined"
                joined = await recv_until(watcher, lambda f: f.get("name") == "Sleepy")
                assert (joined["event"], joined["name"]) == ("join", "Sleepy")
                # Killed: the kernel closes its socket. Frozen (a sleeping laptop): it stays
                # connected but answers no ping, so only the keepalive can notice.
                sleeper.send_signal(signal.SIGKILL if how == "killed" else signal.SIGSTOP)
                left = await recv_until(
                    watcher, lambda f: f.get("name") == "Sleepy" and f["event"] == "leave"
                )
                assert left == {"type": "presence", "room": "general", "event": "leave", "name": "Sleepy"}
                assert {"name": "general", "members": 1, "messages": 0} in get_json(server, "/api/rooms")[
                    "rooms"
                ]
            finally:
                sleeper.kill()
                sleeper.wait()

    run(scenario())


def test_a_joiner_receives_recent_history_in_order_then_live_messages(serve_process):
    server = serve_process()
    total = HISTORY_ON_JOIN + 20

    async def scenario():
        await send_messages(server, "history", [f"m{i}" for i in range(1, total + 1)])
        async with websockets.connect(room_url(server, "history")) as late:
            history = [await recv_json(late) for _ in range(HISTORY_ON_JOIN)]
            assert [f["text"] for f in history] == [
                f"m{i}" for i in range(total - HISTORY_ON_JOIN + 1, total + 1)
            ]
            await late.send(seed("live", room="history"))
            assert (await recv_json(late))["text"] == "live"

    run(scenario())


def test_a_reconnecting_client_resumes_after_its_last_id_without_gaps_or_duplicates(serve_process):
    server = serve_process()

    async def scenario():
        async with websockets.connect(room_url(server, "resume", v=2, name="Bob")) as bob:
            await recv_until(bob, lambda f: f.get("type") == "welcome")
            await bob.send(json.dumps({"text": "before", "sender": "Bob", "client_id": "b-1"}))
            last_seen = (await recv_until(bob, lambda f: f.get("type") == "message"))["id"]
        await send_messages(server, "resume", [f"missed {i}" for i in range(1, 6)])
        async with websockets.connect(room_url(server, "resume", v=2, name="Bob", after=last_seen)) as bob:
            replay = []
            while (frame := await recv_json(bob))["type"] != "welcome":
                replay.append(frame)
            assert [f["text"] for f in replay] == [f"missed {i}" for i in range(1, 6)]
            assert [f["id"] for f in replay] == list(range(last_seen + 1, last_seen + 6))
            # The ack for "before" was lost in the drop: re-sending it stores nothing new.
            await bob.send(json.dumps({"text": "before", "sender": "Bob", "client_id": "b-1"}))
            ack = await recv_until(bob, lambda f: f.get("type") == "ack")
            assert (ack["id"], ack["duplicate"]) == (last_seen, True)
        assert len(get_json(server, "/api/rooms/resume/messages")["messages"]) == 6

    run(scenario())


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_the_server_cleanly_and_history_survives_the_restart(serve_process, tmp_path, sig):
    data = tmp_path / "persist"
    first = serve_process(data_dir=data)

    async def chat():
        async with websockets.connect(room_url(first, "Общий", v=2, name="Аня")) as ws:
            for i in range(RATE_LIMIT_BURST):
                await ws.send(json.dumps({"text": f"m{i}", "sender": "Аня", "client_id": f"c{i}"}))
            acks = [await recv_until(ws, lambda f: f.get("type") == "ack") for _ in range(RATE_LIMIT_BURST)]
            return [ack["id"] for ack in acks]

    acked = run(chat())
    assert first.stop(sig) == 0
    assert "lanchat stopped" in "".join(first.output)

    second = serve_process(port=first.port, data_dir=data)

    async def rejoin():
        async with websockets.connect(room_url(second, "Общий")) as ws:
            return [await recv_json(ws) for _ in range(RATE_LIMIT_BURST)]

    history = run(rejoin())
    assert [f["id"] for f in history] == acked
    assert [f["text"] for f in history] == [f"m{i}" for i in range(RATE_LIMIT_BURST)]


def wait_until_accepts(port: int, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except ConnectionRefusedError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.002)


@pytest.mark.serial
def test_sigterm_right_after_the_port_first_accepts_exits_0_every_time_and_keeps_the_history(
    serve_process, tmp_path
):
    data = tmp_path / "persist"
    first = serve_process(data_dir=data)
    run(send_messages(first, "kept", ["before the restarts"]))
    assert first.stop() == 0

    for attempt in range(20):
        # The port accepts into its backlog once bound, before the server serves: a service
        # manager stopping us then must get a clean exit, not the signal's default action.
        process = ServeProcess(data, first.port)
        process.spawn()
        wait_until_accepts(first.port)
        code = process.stop(signal.SIGTERM)
        assert code == 0, f"attempt {attempt}: exit {code}\n" + "\n".join(process.output)

    last = serve_process(port=first.port, data_dir=data)
    kept = get_json(last, "/api/rooms/kept/messages")["messages"]
    assert [(m["id"], m["text"]) for m in kept] == [(1, "before the restarts")]


def test_health_answers_with_status_and_version(serve_process):
    server = serve_process()
    health = get_json(server, "/api/health")
    assert health["status"] == "ok" and health["version"]


def test_a_burst_from_many_senders_reaches_every_reader_without_dropping_anyone(serve_process):
    server = serve_process()
    text = "ы" * (MAX_TEXT_CHARS - 10)  # 8 KB a frame
    writers, per_writer, readers = (
        12,
        RATE_LIMIT_BURST - 5,
        12,
    )  # 2.4 MB to each member: past the outbox bound

    async def scenario():
        url = room_url(server, "burst", after=10**9)
        members = [
            await websockets.connect(url, max_size=None, max_queue=None) for _ in range(writers + readers)
        ]

        async def read_all(ws):
            return [(await recv_json(ws))["id"] for _ in range(writers * per_writer)]

        reading = [asyncio.create_task(read_all(ws)) for ws in members]
        await asyncio.gather(
            *(
                ws.send(json.dumps({"text": f"{w}:{i} {text}", "sender": f"w{w}"}))
                for w, ws in enumerate(members[:writers])
                for i in range(per_writer)
            )
        )
        seen = await asyncio.wait_for(asyncio.gather(*reading), TIMEOUT * 2)
        assert all(ids == list(range(1, writers * per_writer + 1)) for ids in seen)
        for ws in members:
            await ws.close()

    run(scenario())


def test_lanchat_serve_keeps_its_data_folder_the_users_only_whatever_the_umask(tmp_path):
    # The history holds private rooms and direct conversations; with umask 022 the folder was
    # 755 and history.sqlite3 644, readable by every local user.
    data = tmp_path / "data"
    previous = os.umask(0o022)
    try:
        server = ServeProcess(data).start()
    finally:
        os.umask(previous)
    try:

        async def post() -> None:
            async with websockets.connect(room_url(server, "general")) as ws:
                await ws.send(json.dumps(seed("hello")))
                await ws.recv()

        run(post())
    finally:
        server.stop()
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    kept = [path for path in data.rglob("*") if path.is_file()]
    assert kept and all(stat.S_IMODE(path.stat().st_mode) == 0o600 for path in kept), [
        (path.name, oct(path.stat().st_mode)) for path in kept
    ]


@pytest.mark.parametrize(
    "damaged, named",
    [
        ("history.sqlite3", "the history file"),
        ("files/files.sqlite3", "the files index file"),
        ("private-rooms.json", "the private rooms file"),
    ],
)
def test_a_damaged_data_file_stops_lanchat_serve_with_one_sentence_naming_it(tmp_path, damaged, named):
    # As a power cut or a failing disk leaves it: random bytes where a database or JSON was.
    path = tmp_path / "data" / damaged
    path.parent.mkdir(parents=True)
    path.write_bytes(bytes(range(256)) * 16)
    done = subprocess.run(
        [sys.executable, "-m", "server", "--port", "0", "--data", str(tmp_path / "data")],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "LANCHAT_DISCOVERY": "off"},
    )
    assert done.returncode == 1
    said = (done.stdout + done.stderr).strip().splitlines()
    assert len(said) == 1 and said[0].startswith(f"lanchat: {named} {path} "), said
    assert "Traceback" not in done.stderr and path.read_bytes() == bytes(range(256)) * 16  # untouched
