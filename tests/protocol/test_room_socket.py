"""The room socket and HTTP API in-process, through Starlette's TestClient."""

import pytest
from starlette.websockets import WebSocketDisconnect

from server.policy import RATE_LIMIT_BURST
from server.protocol.codes import CloseCode, ErrorCode
from server.protocol.limits import HISTORY_ON_JOIN, HISTORY_PAGE_MAX, MAX_TEXT_CHARS
from server.rooms.identity import identity_of
from tests.protocol.conftest import TEST_HOSTS
from tests.support.frames import new_secret

SEED_FIELDS = {"text", "sender", "room", "timestamp"}


def seed(text, sender="Аня", room="general"):
    return {"text": text, "sender": sender, "room": room}


def test_a_seed_message_comes_back_to_everyone_with_a_timestamp(client):
    with client.websocket_connect("/ws/general") as alice, client.websocket_connect("/ws/general") as bob:
        alice.send_json(seed("Привет"))
        for ws in (alice, bob):
            frame = ws.receive_json()
            assert frame.keys() >= SEED_FIELDS
            assert (frame["text"], frame["sender"], frame["room"]) == ("Привет", "Аня", "general")
            assert isinstance(frame["timestamp"], float) and frame["id"] == 1


def test_a_seed_client_gets_only_message_frames_in_normal_chat(client):
    with (
        client.websocket_connect("/ws/general") as plain,
        client.websocket_connect("/ws/general?v=2&name=Bob") as rich,
    ):
        rich.send_json({"type": "typing"})
        rich.send_json({"text": "hi", "sender": "Bob", "client_id": "c-1"})
        plain.send_json(seed("hello"))
        frames = [plain.receive_json(), plain.receive_json()]
        assert all(frame.keys() >= SEED_FIELDS and frame["type"] == "message" for frame in frames)
        assert [frame["text"] for frame in frames] == ["hi", "hello"]


def test_a_rich_client_gets_welcome_presence_ack_and_typing(client):
    with client.websocket_connect("/ws/general?v=2&name=Bob") as bob:
        welcome = bob.receive_json()
        assert welcome["type"] == "welcome" and welcome["members"] == ["Bob"] and welcome["last_id"] == 0
        assert bob.receive_json() == {"type": "presence", "room": "general", "event": "join", "name": "Bob"}
        with client.websocket_connect("/ws/general?v=2&name=Аня") as anya:
            assert anya.receive_json()["members"] == ["Bob", "Аня"]  # the full list, in her welcome
            assert bob.receive_json()["event"] == "join"
            anya.send_json({"type": "typing"})
            assert bob.receive_json() == {"type": "typing", "room": "general", "sender": "Аня"}
            anya.send_json({"text": "hi", "sender": "Аня", "client_id": "c-1"})
            assert anya.receive_json()["type"] == "presence"  # her own join
            assert anya.receive_json()["client_id"] == "c-1"
            ack = anya.receive_json()
            assert ack["type"] == "ack" and ack["id"] == 1 and ack["duplicate"] is False
            assert bob.receive_json()["text"] == "hi"
        assert bob.receive_json() == {"type": "presence", "room": "general", "event": "leave", "name": "Аня"}


def test_a_rename_reaches_v2_members_as_one_rename_frame_and_seed_clients_see_only_the_message(client):
    secret = new_secret()
    with (
        client.websocket_connect("/ws/general") as plain,
        client.websocket_connect("/ws/general?v=2&name=Bob") as bob,
    ):
        bob.receive_json(), bob.receive_json()  # welcome, own join
        with client.websocket_connect("/ws/general?v=2&name=Anna") as anna:
            anna.send_json({"type": "hello", "secret": secret})
            assert bob.receive_json()["event"] == "join"
            anna.send_json({"text": "new name", "sender": "Anna K.", "client_id": "c-1"})
            while (renamed := bob.receive_json())["type"] == "members":
                pass  # the list again after her hello, saying whose her name is
            assert renamed == {
                "type": "presence",
                "room": "general",
                "event": "rename",
                "name": "Anna K.",
                "old": "Anna",
                "identity": identity_of(secret),
            }
            assert bob.receive_json()["text"] == "new name"
        assert bob.receive_json() == {
            "type": "presence",
            "room": "general",
            "event": "leave",
            "name": "Anna K.",
        }
        plain.send_json(seed("after"))
        frames = [plain.receive_json(), plain.receive_json()]
        assert [(frame["type"], frame["text"]) for frame in frames] == [
            ("message", "new name"),
            ("message", "after"),
        ]


def test_a_repeated_client_id_is_acknowledged_again_but_stored_once(client):
    with client.websocket_connect("/ws/general?v=2&name=Bob") as bob:
        bob.receive_json(), bob.receive_json()  # welcome, own join
        message = {"text": "once", "sender": "Bob", "client_id": "c-42"}
        bob.send_json(message)
        assert bob.receive_json()["type"] == "message"
        assert bob.receive_json()["duplicate"] is False
        bob.send_json(message)
        again = bob.receive_json()
        assert again == {**again, "type": "ack", "id": 1, "duplicate": True}
    page = client.get("/api/rooms/general/messages").json()
    assert [m["text"] for m in page["messages"]] == ["once"]


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        (seed(""), ErrorCode.TEXT_EMPTY),
        (seed("x" * (MAX_TEXT_CHARS + 1)), ErrorCode.TEXT_TOO_LONG),
        (seed("hi", sender=""), ErrorCode.SENDER_EMPTY),
        (seed("hi", sender="s" * 33), ErrorCode.SENDER_TOO_LONG),
        (seed("hi", room="elsewhere"), ErrorCode.ROOM_MISMATCH),
        ({"type": "shout", "text": "hi", "sender": "a"}, ErrorCode.UNKNOWN_TYPE),
        ([1, 2, 3], ErrorCode.INVALID_FRAME),
    ],
)
def test_refused_frames_get_an_error_and_the_connection_stays_open(client, frame, code):
    with client.websocket_connect("/ws/general") as ws:
        ws.send_json(frame)
        error = ws.receive_json()
        assert error["type"] == "error" and error["code"] == code and error["detail"]
        ws.send_json(seed("still here"))
        assert ws.receive_json()["text"] == "still here"
    assert [m["text"] for m in client.get("/api/rooms/general/messages").json()["messages"]] == ["still here"]


def test_binary_and_non_json_frames_are_refused_with_errors(client):
    with client.websocket_connect("/ws/general") as ws:
        ws.send_bytes(b"\x00\x01")
        assert ws.receive_json()["code"] == ErrorCode.BINARY_NOT_SUPPORTED
        ws.send_text("{not json")
        assert ws.receive_json()["code"] == ErrorCode.INVALID_JSON
        ws.send_text("x" * (64 * 1024 + 1))
        assert ws.receive_json()["code"] == ErrorCode.FRAME_TOO_LARGE


def test_going_past_the_rate_limit_gets_an_error_with_retry_after(client):
    # The bucket refills while the frames go out (10 a second), so on a busy machine a few more
    # than the burst may pass: the exact edge is tested with a clock in tests/unit.
    with client.websocket_connect("/ws/general") as ws:
        for i in range(RATE_LIMIT_BURST + 10):
            ws.send_json(seed(f"m{i}"))
        delivered = []
        while (frame := ws.receive_json())["type"] == "message":
            delivered.append(frame["text"])
        assert frame["code"] == ErrorCode.RATE_LIMITED and frame["retry_after"] > 0
        assert delivered[:RATE_LIMIT_BURST] == [f"m{i}" for i in range(RATE_LIMIT_BURST)]


def test_a_rate_limited_message_is_named_by_its_client_id_so_it_can_be_sent_again(client):
    with client.websocket_connect("/ws/general") as ws:
        for i in range(RATE_LIMIT_BURST + 10):
            ws.send_json({**seed(f"m{i}"), "client_id": f"c-{i}"})
        acknowledged = []
        while (frame := ws.receive_json())["type"] != "error":
            if frame["type"] == "ack":
                acknowledged.append(frame["client_id"])
        assert frame["code"] == ErrorCode.RATE_LIMITED
        assert frame["client_id"] == f"c-{len(acknowledged)}"  # the first one not stored


def test_whole_numbers_in_the_welcome_are_json_integers(client):
    with client.websocket_connect("/ws/general?v=2") as ws:
        limits = ws.receive_json()["limits"]
    assert all(type(value) is int for value in limits.values()), limits


@pytest.mark.parametrize(
    "path, headers, error, close, detail_names",
    [
        ("/ws/bad%2Fname", {}, ErrorCode.ROOM_INVALID, CloseCode.ROOM_INVALID, "/"),
        ("/ws/general?after=yesterday", {}, ErrorCode.QUERY_INVALID, CloseCode.QUERY_INVALID, "yesterday"),
        # A page the user merely visits on a web site elsewhere, and a sandboxed or file:// page.
        (
            "/ws/general",
            {"Origin": "https://chat-snoop.example"},
            ErrorCode.ORIGIN_NOT_ALLOWED,
            CloseCode.ORIGIN_NOT_ALLOWED,
            "https://chat-snoop.example",
        ),
        (
            "/ws/general",
            {"Origin": "null"},
            ErrorCode.ORIGIN_NOT_ALLOWED,
            CloseCode.ORIGIN_NOT_ALLOWED,
            "null",
        ),
    ],
)
def test_a_socket_refused_at_the_door_gets_an_error_then_a_named_close_code(
    client, path, headers, error, close, detail_names
):
    with client.websocket_connect(path, headers=headers) as ws:
        refusal = ws.receive_json()
        assert refusal["code"] == error and detail_names in refusal["detail"]
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == close


@pytest.mark.parametrize("twin", ["t\u0435am", "team", "TEAM"], ids=["cyrillic", "lower", "upper"])
def test_a_new_room_spelled_like_an_existing_one_is_refused(client, twin):
    with client.websocket_connect("/ws/Team") as member:
        member.send_json(seed("here", room="Team"))
        member.receive_json()
        with client.websocket_connect(f"/ws/{twin}") as ws:
            refusal = ws.receive_json()
            assert refusal["code"] == ErrorCode.ROOM_INVALID and "Team" in refusal["detail"]
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_json()
            assert closed.value.code == CloseCode.ROOM_INVALID
        with client.websocket_connect("/ws/Team") as again:  # the room itself stays open to all
            assert again.receive_json()["text"] == "here"  # its history first
            again.send_json(seed("also here", room="Team"))
            assert again.receive_json()["text"] == "also here"


def fill(client, room, count):
    # One connection a burst, to stay inside the rate limit.
    for start in range(0, count, RATE_LIMIT_BURST):
        with client.websocket_connect(f"/ws/{room}") as ws:
            for i in range(start, min(start + RATE_LIMIT_BURST, count)):
                ws.send_json(seed(f"m{i + 1}", room=room))
                while ws.receive_json()["text"] != f"m{i + 1}":
                    pass  # history replayed on join


def test_a_joiner_first_receives_the_recent_history_in_order(client):
    fill(client, "busy", HISTORY_ON_JOIN + 5)
    with client.websocket_connect("/ws/busy?v=2") as ws:
        history = [ws.receive_json() for _ in range(HISTORY_ON_JOIN)]
        assert [m["id"] for m in history] == list(range(6, HISTORY_ON_JOIN + 6))
        welcome = ws.receive_json()
        assert (
            welcome["type"] == "welcome"
            and welcome["first_id"] == 6
            and welcome["last_id"] == HISTORY_ON_JOIN + 5
        )


def test_resuming_after_an_id_replays_exactly_what_followed(client):
    fill(client, "busy", 10)
    with client.websocket_connect("/ws/busy?v=2&after=7") as ws:
        assert [ws.receive_json()["id"] for _ in range(3)] == [8, 9, 10]
        assert ws.receive_json()["type"] == "welcome"


def test_http_lists_rooms_and_pages_history(client):
    fill(client, "Общий", 7)
    assert client.get("/api/health").json()["status"] == "ok"
    with client.websocket_connect("/ws/general"):
        rooms = client.get("/api/rooms").json()["rooms"]
        assert {"name": "general", "members": 1, "messages": 0} in rooms
        assert {"name": "Общий", "members": 0, "messages": 7} in rooms
    page = client.get("/api/rooms/Общий/messages", params={"limit": 3}).json()
    assert [m["id"] for m in page["messages"]] == [5, 6, 7] and page["has_more"]
    older = client.get("/api/rooms/Общий/messages", params={"before": 5, "limit": 10}).json()
    assert [m["id"] for m in older["messages"]] == [1, 2, 3, 4] and not older["has_more"]
    bad = client.get("/api/rooms/a%2Fb/messages")
    assert bad.status_code in (400, 404)


def test_the_root_serves_a_page(client):
    response = client.get("/")
    assert response.status_code == 200 and "lanchat" in response.text


def test_the_read_only_api_can_be_read_by_a_window_from_another_host(client):
    response = client.get("/api/rooms", headers={"Origin": "http://192.168.1.20:8765"})
    assert response.headers["access-control-allow-origin"] == "http://192.168.1.20:8765"


def test_a_web_site_elsewhere_may_not_read_the_api(client):
    response = client.get("/api/rooms/general/messages", headers={"Origin": "https://chat-snoop.example"})
    assert "access-control-allow-origin" not in response.headers


def test_a_room_socket_opened_by_a_page_of_this_server_or_another_lanchat_window_works(client):
    for room, origin in [
        ("own", "http://testserver"),
        ("window", "http://127.0.0.1:51234"),
        ("lan", "http://192.168.1.20:8765"),
    ]:
        with client.websocket_connect(f"/ws/{room}", headers={"Origin": origin}) as ws:
            ws.send_json({"text": f"from {origin}", "sender": "Bob", "room": room})
            assert ws.receive_json()["text"] == f"from {origin}"


def test_history_pages_are_capped_at_their_maximum(client):
    assert client.get("/api/rooms/general/messages", params={"limit": HISTORY_PAGE_MAX}).status_code == 200
    assert (
        client.get("/api/rooms/general/messages", params={"limit": HISTORY_PAGE_MAX + 1}).status_code == 422
    )


@pytest.fixture
def built_ui(tmp_path):
    ui = tmp_path / "ui"
    (ui / "assets").mkdir(parents=True)
    (ui / "index.html").write_text(
        '<!doctype html><title>lanchat</title><script src="/assets/app-1a2b.js"></script>'
    )
    (ui / "assets" / "app-1a2b.js").write_text("console.log('lanchat');\n" * 200)
    return ui


def test_the_built_ui_is_served_with_cache_headers_and_gzip(tmp_path, built_ui):
    from fastapi.testclient import TestClient

    from server.config import ServerConfig
    from server.web.app import create_app

    config = ServerConfig(data_dir=tmp_path / "data", ui_dir=built_ui, allowed_hosts=TEST_HOSTS)
    with TestClient(create_app(config)) as ui_client:
        index = ui_client.get("/")
        assert "app-1a2b.js" in index.text and index.headers["cache-control"] == "no-cache"
        script = ui_client.get("/assets/app-1a2b.js", headers={"Accept-Encoding": "gzip"})
        assert script.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert script.headers["content-encoding"] == "gzip" and script.text.startswith("console.log")


def test_a_socket_outside_ws_is_refused_at_the_handshake(client):
    with pytest.raises(WebSocketDisconnect), client.websocket_connect("/chat/general"):
        pass


def test_a_socket_outside_ws_is_refused_at_the_handshake_with_the_built_ui_mounted_too(tmp_path, built_ui):
    from fastapi.testclient import TestClient

    from server.config import ServerConfig
    from server.web.app import create_app

    config = ServerConfig(data_dir=tmp_path / "data", ui_dir=built_ui, allowed_hosts=TEST_HOSTS)
    with TestClient(create_app(config)) as ui_client:
        with pytest.raises(WebSocketDisconnect) as refused, ui_client.websocket_connect("/chat/general"):
            pass
        assert refused.value.code == 1000  # what Starlette's router sends for an unknown path
        with ui_client.websocket_connect("/ws/general") as ws:
            ws.send_json(seed("still here"))
            assert ws.receive_json()["text"] == "still here"


def test_the_room_socket_is_a_declared_route(tmp_path):
    from starlette.routing import WebSocketRoute

    from server.config import ServerConfig
    from server.web.app import ROOM_SOCKET_PATH, create_app

    app = create_app(
        ServerConfig(data_dir=tmp_path / "data", ui_dir=tmp_path / "no-ui", allowed_hosts=TEST_HOSTS)
    )
    sockets = [route for route in app.routes if isinstance(route, WebSocketRoute)]
    assert [(route.path, route.name) for route in sockets] == [(ROOM_SOCKET_PATH, "room_socket")]


def test_room_sockets_skip_the_http_middleware_while_requests_and_other_sockets_pass_through_it(tmp_path):
    from fastapi.testclient import TestClient

    from server.config import ServerConfig
    from server.web.app import create_app

    seen: list[tuple[str, str]] = []

    class RecordScopes:
        def __init__(self, app):
            self.app = app

        async def __call__(self, scope, receive, send):
            if scope["type"] != "lifespan":
                seen.append((scope["type"], scope["path"]))
            await self.app(scope, receive, send)

    app = create_app(
        ServerConfig(data_dir=tmp_path / "data", ui_dir=tmp_path / "no-ui", allowed_hosts=TEST_HOSTS)
    )
    app.api.add_middleware(RecordScopes)
    with TestClient(app) as client:
        with client.websocket_connect("/ws/general") as ws:
            ws.send_json(seed("fast path"))
            assert ws.receive_json()["text"] == "fast path"
        assert client.get("/api/health").status_code == 200
        with pytest.raises(WebSocketDisconnect), client.websocket_connect("/chat/general"):
            pass
    assert seen == [("http", "/api/health"), ("websocket", "/chat/general")]
