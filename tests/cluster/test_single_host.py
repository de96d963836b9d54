"""A single host on SQLite (the default) runs nothing of the cluster: its app starts and serves a
room without importing the cluster's node or psycopg, and its rooms have no sequencer."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys, tempfile
from pathlib import Path
from fastapi.testclient import TestClient
from server.config import ServerConfig
from server.web.app import create_app
folder = Path(tempfile.mkdtemp())
config = ServerConfig(data_dir=folder / "data", ui_dir=folder / "no-ui", allowed_hosts=("testserver",))
app = create_app(config)
with TestClient(app) as client:
    with client.websocket_connect("/ws/lobby") as ws:
        ws.send_json({"text": "hi", "sender": "Ann", "room": "lobby"})
        text = ws.receive_json()["text"]
    rooms = app.rooms
    print(json.dumps({
        "text": text,
        "sequencer": rooms.sequencer is not None,
        "elsewhere": rooms.manager.elsewhere is not None,
        "loaded": sorted({"server.cluster.node", "psycopg"} & set(sys.modules)),
    }))
"""


def test_a_single_host_on_sqlite_loads_nothing_of_the_cluster():
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, cwd=ROOT, timeout=60
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result == {"text": "hi", "sequencer": False, "elsewhere": False, "loaded": []}
