"""The seed's room server written with websockets' own server and `websockets.broadcast`: a baseline.

    python tests/bench/broadcast_baseline.py --port 8000

Same protocol as seed_baseline.py (`/ws/{room}`, `{text, sender, room}` in, the same plus a
timestamp out to every member), but no ASGI stack: the message is encoded once and
`broadcast` writes the frame to each member's transport without awaiting any of them, as the
websockets documentation recommends for fan-out. It is the library's fastest plain fan-out, the
design lanchat's should stay close to. It prints `listening on 127.0.0.1:PORT` once it accepts.
Not part of lanchat: do not import it from server/.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

from websockets.asyncio.server import ServerConnection, broadcast, serve

HOST = "127.0.0.1"
rooms: dict[str, set[ServerConnection]] = {}


async def room_member(websocket: ServerConnection) -> None:
    room = websocket.request.path.removeprefix("/ws/") if websocket.request else ""
    members = rooms.setdefault(room, set())
    members.add(websocket)
    try:
        async for text in websocket:
            data = json.loads(text)
            frame = {"text": data["text"], "sender": data["sender"], "room": room, "timestamp": time.time()}
            broadcast(members, json.dumps(frame))
    finally:
        members.discard(websocket)


async def main(port: int) -> None:
    async with serve(room_member, HOST, port) as server:
        print(f"listening on {HOST}:{port}", flush=True)
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    port = parser.parse_args().port
    try:
        import uvloop
    except ImportError:
        asyncio.run(main(port))
    else:
        # The loop uvicorn picks for the other two servers, so the comparison is of fan-out designs.
        uvloop.run(main(port))
