"""What a client sees of the history limits: trimmed history starts at its oldest kept message, and
a full disk refuses a message with `storage_full`, not a dropped connection."""

import shutil

from fastapi.testclient import TestClient

from server.config import ServerConfig
from server.protocol.codes import ErrorCode
from server.storage.history import HistoryLimits
from server.storage.sqlite_history import SqliteHistoryStore
from server.web.app import create_app
from tests.protocol.conftest import TEST_HOSTS


def app_client(tmp_path, limits):
    config = ServerConfig(
        data_dir=tmp_path / "data", ui_dir=tmp_path / "no-ui", allowed_hosts=TEST_HOSTS, history_limits=limits
    )
    return TestClient(create_app(config))


def test_trimmed_history_starts_at_the_oldest_kept_message_with_nothing_older_to_fetch(tmp_path):
    limits = HistoryLimits(room_messages=20)
    store = SqliteHistoryStore(tmp_path / "data", limits)
    for index in range(21):
        store.append("busy", "Ann", f"m{index + 1}")
    store.close()
    with app_client(tmp_path, limits) as client:
        with client.websocket_connect("/ws/busy?v=2&after=0") as ws:
            frames = [ws.receive_json() for _ in range(18)]  # 21 past a limit of 20: down to 18
            assert [frame["id"] for frame in frames] == list(range(4, 22))
            welcome = ws.receive_json()
            assert welcome["type"] == "welcome" and (welcome["first_id"], welcome["last_id"]) == (4, 21)
        page = client.get("/api/rooms/busy/messages", params={"limit": 200}).json()
        assert page["messages"][0]["id"] == 4 and not page["has_more"]
        assert client.get("/api/rooms").json()["rooms"][0]["messages"] == 18


def test_a_message_on_a_nearly_full_disk_gets_storage_full_and_the_connection_stays(tmp_path):
    (tmp_path / "data").mkdir()
    free = shutil.disk_usage(tmp_path / "data").free
    with app_client(tmp_path, HistoryLimits(min_free_disk_bytes=free + 2**30)) as client:
        with client.websocket_connect("/ws/general?v=2") as ws:
            assert ws.receive_json()["type"] == "welcome"
            ws.send_json({"text": "hello", "sender": "Ann", "client_id": "c-1"})
            refusal = ws.receive_json()
            while refusal["type"] == "presence":
                refusal = ws.receive_json()
            assert refusal["code"] == ErrorCode.STORAGE_FULL and refusal["client_id"] == "c-1"
            assert "disk" in refusal["detail"]
            ws.send_json({"type": "typing", "sender": "Ann"})  # still connected: no error back
            ws.send_json({"text": "", "sender": "Ann"})
            assert ws.receive_json()["code"] == ErrorCode.TEXT_EMPTY
        assert client.get("/api/rooms/general/messages").json()["messages"] == []
