"""The seed's room server, exactly as the FastAPI WebSocket tutorial writes it: the benchmark's baseline.

Run it as a textbook user would, with uvicorn's defaults:

    cd tests/bench && ../../.venv/bin/uvicorn seed_baseline:app --port 8000

Broadcast awaits each member's send in turn, re-encoding the JSON for every one;
with a browser-like client each send is also compressed (permessage-deflate is
on by default). Not part of lanchat: do not import it from server/.
"""

import time

from fastapi import FastAPI, WebSocket, WebSocketDisconnect

app = FastAPI()


class ConnectionManager:
    def __init__(self):
        self.active_connections: dict[str, list[WebSocket]] = {}

    async def connect(self, websocket: WebSocket, room: str):
        await websocket.accept()
        self.active_connections.setdefault(room, []).append(websocket)

    def disconnect(self, websocket: WebSocket, room: str):
        self.active_connections[room].remove(websocket)

    async def broadcast(self, message: dict, room: str):
        for connection in self.active_connections.get(room, []):
            await connection.send_json(message)


manager = ConnectionManager()


@app.websocket("/ws/{room}")
async def websocket_endpoint(websocket: WebSocket, room: str):
    await manager.connect(websocket, room)
    try:
        while True:
            data = await websocket.receive_json()
            await manager.broadcast(
                {"text": data["text"], "sender": data["sender"], "room": room, "timestamp": time.time()}, room
            )
    except WebSocketDisconnect:
        manager.disconnect(websocket, room)
