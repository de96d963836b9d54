"""`lanchat admin` and two real `lanchat serve` nodes on one real PostgreSQL: what the host decides
(a password, a ban, removing a member, deleting a message) reaches the members of every node
within a poll, a room token one node gave opens the room on the other, and stops opening it
there within a poll once its holder is removed or banned.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from server.cluster.presence import NODE_EXPIRY_SECONDS
from server.cluster.shared_state import STATE_POLL_SECONDS
from server.policy import PASSWORD_FAILURES_BEFORE_LOCKOUT, PASSWORD_LOCKOUT_SECONDS
from server.protocol.codes import CloseCode, ErrorCode
from server.protocol.limits import ROOM_TOKEN_HEADER
from server.runtime.cli import DATABASE_URL_ENV
from tests.support.admin_cli import admin, done
from tests.support.frames import frames_until, new_secret
from tests.support.rooms import room_url
from tests.support.server_process import REPO_ROOT
from tests.support.waiting import wait_for

pytestmark = pytest.mark.process

PASSWORD = "correct horse battery"
# A decision reaches a node's members at its next poll; the rest is the machine's own pace.
WITHIN = STATE_POLL_SECONDS + 4


@contextmanager
def member(
    node,
    name: str,
    *,
    secret: str | None = None,
    password: str | None = None,
    room: str = "team",
    timeout: float = 5,
):
    """A v2 member of `room` on `node` (with an identity, with the room's password); it and the
    frames up to its welcome."""
    with connect(room_url(node, room, v=2, name=name)) as ws:
        if password is not None:
            ws.send(json.dumps({"type": "password", "password": password}))
        if secret is not None:
            ws.send(json.dumps({"type": "hello", "secret": secret}))
        frames = frames_until(ws, lambda f: f["type"] == "welcome", timeout)
        if secret is not None and not any(f["type"] == "identified" for f in frames):
            frames += frames_until(ws, lambda f: f["type"] == "identified", timeout)
        yield ws, frames


def closed_with(ws: ClientConnection, timeout: float = WITHIN) -> tuple[dict, int | None]:
    """The error frame a member is sent on its way out, and the close code."""
    frame = frames_until(ws, lambda f: f["type"] == "error", timeout=timeout)[-1]
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            ws.recv(timeout=timeout)
    return frame, closed.value.rcvd.code if closed.value.rcvd else None


def joins(node, secret: str | None = None) -> bool:
    """Whether a member gets into `team` on `node` now (with `secret`: and is identified)."""
    try:
        with member(node, "Mallory" if secret else "Cy", secret=secret, timeout=2):
            return True
    except (ConnectionClosed, TimeoutError):  # refused, or a private room waiting for its password
        return False


@pytest.fixture
def nodes(serve_process, postgres_url, tmp_path):
    database = ("--database", postgres_url)
    first = serve_process(data_dir=tmp_path / "first", extra_args=database)
    second = serve_process(data_dir=tmp_path / "second", extra_args=database)
    return first, second


def test_a_password_set_with_admin_asks_every_nodes_members_and_one_nodes_token_opens_the_other(
    nodes, postgres_url
):
    first, second = nodes
    with member(first, "Ann") as (ann, _), member(second, "Bob") as (bob, _):
        assert "team is private" in done(admin(postgres_url, "password", "team", password=PASSWORD))
        for ws in (ann, bob):
            frame, code = closed_with(ws)
            assert (frame["code"], code) == (ErrorCode.PASSWORD_REQUIRED, CloseCode.PASSWORD_REQUIRED)

    with member(first, "Ann", password=PASSWORD) as (ann, frames):
        token = next(f for f in frames if f["type"] == "entered")["token"]
        ann.send(json.dumps({"text": "plans", "sender": "Ann"}))
        frames_until(ann, lambda f: f.get("text") == "plans")
    history = httpx.get(f"{second.url}api/rooms/team/messages", headers={ROOM_TOKEN_HEADER: token})
    assert history.status_code == 200, history.text
    assert [m["text"] for m in history.json()["messages"]] == ["plans"]
    assert httpx.get(f"{second.url}api/rooms/team/messages").status_code == 403

    assert "needs no password now" in done(admin(postgres_url, "open", "team"))
    for node in (first, second):
        wait_for(lambda node=node: joins(node), WITHIN, "the opened room to reach the node")


def test_a_ban_with_admin_closes_the_banned_on_every_node_and_keeps_them_out_until_lifted(
    nodes, postgres_url
):
    first, second = nodes
    secret = new_secret()
    with member(second, "Mallory", secret=secret) as (mallory, frames), member(first, "Ann") as (ann, _):
        identity = next(f for f in frames if f["type"] == "identified")["identity"]
        assert "banned identity" in done(
            admin(postgres_url, "ban", "identity", identity, "--name", "Mallory")
        )
        frame, code = closed_with(mallory)
        assert (frame["code"], code) == (ErrorCode.BANNED, CloseCode.BANNED)
        ann.send(json.dumps({"text": "still here", "sender": "Ann"}))
        frames_until(ann, lambda f: f.get("text") == "still here")
    for node in (first, second):
        with connect(room_url(node, "team", v=2, name="Mallory")) as ws:
            ws.send(json.dumps({"type": "hello", "secret": secret}))
            frame, code = closed_with(ws)
        assert (frame["code"], code) == (ErrorCode.BANNED, CloseCode.BANNED)
    assert f"identity {identity} Mallory" in done(admin(postgres_url, "bans"))

    done(admin(postgres_url, "unban", "identity", identity))
    for node in (first, second):
        wait_for(lambda node=node: joins(node, secret), WITHIN, "the lifted ban to reach the node")


def test_admin_removes_a_member_and_deletes_a_message_on_every_node(nodes, postgres_url):
    first, second = nodes
    with (
        member(first, "Ann", secret=new_secret()) as (ann, _),
        member(second, "Bob", secret=new_secret()) as (bob, _),
    ):
        ann.send(json.dumps({"text": "oops", "sender": "Ann"}))
        posted = frames_until(ann, lambda f: f.get("text") == "oops")[-1]
        assert "deleted message" in done(admin(postgres_url, "delete", "team", str(posted["id"])))
        for ws in (ann, bob):
            update = frames_until(ws, lambda f: f["type"] == "update", timeout=WITHIN)[-1]
            assert (update["change"], update["message"]["id"], update["message"]["text"]) == (
                "delete",
                posted["id"],
                "",
            )
        done(admin(postgres_url, "remove", "team", "Bob", "--reason", "off topic"))
        frame, code = closed_with(bob)
        assert (frame["code"], code) == (ErrorCode.REMOVED, CloseCode.REMOVED)
        assert "off topic" in frame["detail"]
        ann.send(json.dumps({"text": "on topic", "sender": "Ann"}))
        frames_until(ann, lambda f: f.get("text") == "on topic")


def test_admin_says_what_it_cannot_do(postgres_url):
    missing = subprocess.run(
        [sys.executable, "-m", "desktop", "admin", "bans"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO_ROOT,
        env={k: v for k, v in os.environ.items() if k != DATABASE_URL_ENV},
    )
    assert missing.returncode == 2 and "admin needs --database postgresql://" in missing.stderr
    not_hex = admin(postgres_url, "ban", "identity", "mallory")
    assert not_hex.returncode == 1 and "is not an identity id" in not_hex.stderr
    assert (
        admin(postgres_url, "unban", "address", "10.0.0.9")
        .stderr.strip()
        .endswith("there is no ban of address 10.0.0.9")
    )
    assert "no bans" in done(admin(postgres_url, "bans"))
    direct = admin(postgres_url, "password", f"@dm:{'a' * 16}:{'b' * 16}", password=PASSWORD)
    assert direct.returncode == 1 and "direct conversation" in direct.stderr
    short = admin(postgres_url, "password", "team", password="x")
    assert short.returncode == 1 and "password" in short.stderr.lower()


def test_wrong_passwords_count_on_every_node_together(nodes, postgres_url):
    first, second = nodes
    done(admin(postgres_url, "password", "team", password=PASSWORD))
    wait_for(lambda: not joins(first) and not joins(second), WITHIN, "the password to reach both nodes")

    def try_password(node, password: str) -> dict:
        with connect(room_url(node, "team", v=2, name="Mallory")) as ws:
            ws.send(json.dumps({"type": "password", "password": password}))
            return json.loads(ws.recv(timeout=10))

    # Alternating nodes: neither alone has seen enough wrong passwords to pause the address.
    tries = [try_password(nodes[n % 2], "a wrong guess") for n in range(PASSWORD_FAILURES_BEFORE_LOCKOUT)]
    assert [t["tries_left"] for t in tries] == list(range(PASSWORD_FAILURES_BEFORE_LOCKOUT - 1, -1, -1))
    for node in (first, second):  # even the right one, from the same address, on either node
        locked = try_password(node, PASSWORD)
        assert locked["code"] == ErrorCode.PASSWORD_LOCKED
        assert PASSWORD_LOCKOUT_SECONDS - 10 < locked["retry_after"] <= PASSWORD_LOCKOUT_SECONDS


@pytest.mark.serial
def test_a_removed_or_banned_members_token_stops_opening_the_room_on_the_other_node_within_a_poll(
    nodes, postgres_url
):
    first, second = nodes
    done(admin(postgres_url, "password", "team", password=PASSWORD))
    wait_for(lambda: not joins(first), WITHIN, "the password to reach the first node")

    def history(token: str) -> int:
        return httpx.get(
            f"{second.url}api/rooms/team/messages", headers={ROOM_TOKEN_HEADER: token}
        ).status_code

    def refused_within(ws: ClientConnection, token: str) -> float:
        """Once `ws` is closed on the first node: how long until its token opens nothing on the second."""
        closed_with(ws)
        start = time.monotonic()
        wait_for(lambda: history(token) == 403, WITHIN, "the revoked token to be refused")
        return time.monotonic() - start

    with (
        member(first, "Ann", secret=new_secret(), password=PASSWORD) as (ann, ann_frames),
        member(first, "Mallory", secret=new_secret(), password=PASSWORD) as (mallory, mallory_frames),
    ):
        tokens = [
            next(f for f in frames if f["type"] == "entered")["token"]
            for frames in (ann_frames, mallory_frames)
        ]
        assert [history(token) for token in tokens] == [200, 200]  # one node's tokens open the other
        mallory_id = next(f for f in mallory_frames if f["type"] == "identified")["identity"]
        done(admin(postgres_url, "remove", "team", "Ann"))
        removed = refused_within(ann, tokens[0])
        assert history(tokens[1]) == 200  # only the removed member's
        done(admin(postgres_url, "ban", "identity", mallory_id, "--name", "Mallory"))
        banned = refused_within(mallory, tokens[1])
    # The first node writes what it revoked at once, and the second reads it when the database
    # tells it (at its next poll at worst).
    assert removed <= STATE_POLL_SECONDS + 1.5 and banned <= STATE_POLL_SECONDS + 1.5, (removed, banned)


def test_nodes_carry_out_what_they_are_told_without_waiting_for_a_poll(serve_process, postgres_url, tmp_path):
    # Polls an hour apart: whatever reaches the members here came by the database's notification.
    database = ("--database", postgres_url, "--state-poll-seconds", "3600")
    first = serve_process(data_dir=tmp_path / "first", extra_args=database)
    second = serve_process(data_dir=tmp_path / "second", extra_args=database)
    secret = new_secret()
    with member(second, "Mallory", secret=secret) as (mallory, frames), member(first, "Bob") as (bob, _):
        identity = next(f for f in frames if f["type"] == "identified")["identity"]
        done(admin(postgres_url, "ban", "identity", identity, "--name", "Mallory"))
        frame, code = closed_with(mallory)
        assert (frame["code"], code) == (ErrorCode.BANNED, CloseCode.BANNED)
        done(admin(postgres_url, "remove", "team", "Bob"))
        frame, code = closed_with(bob)
        assert (frame["code"], code) == (ErrorCode.REMOVED, CloseCode.REMOVED)


def test_admin_members_lists_who_is_in_which_room_on_which_node_and_the_nodes_gone(nodes, postgres_url):
    first, second = nodes
    secret = new_secret()
    with (
        member(first, "Ann", secret=secret) as (_, frames),
        member(second, "bob") as _,
        member(second, "Cy", room="lobby") as _,
    ):
        identity = next(f for f in frames if f["type"] == "identified")["identity"]

        def listed() -> str:
            return done(admin(postgres_url, "members"))

        # Each node writes its row within PRESENCE_CHECK_SECONDS of a change.
        wait_for(lambda: "lobby: 1 member" in listed() and "team: 2 members" in listed(), WITHIN, "both rows")
        lines = listed().splitlines()
        nodes_named = [line.split()[1].rstrip(":") for line in lines if line.startswith("node ")]
        assert len(nodes_named) == 2
        on = {line.split()[0]: line.split()[3] for line in lines if line.startswith("  ")}
        assert on["Ann"] != on["bob"] == on["Cy"]  # two nodes, named as they name themselves
        assert lines[:5] == [
            "lobby: 1 member",
            f"  Cy  on node {on['Cy']}  no identity (no hello yet)",
            "team: 2 members",
            f"  Ann  on node {on['Ann']}  identity {identity}",
            f"  bob  on node {on['bob']}  no identity (no hello yet)",
        ]
        only_team = done(admin(postgres_url, "members", "team")).splitlines()
        assert only_team[:3] == lines[2:5] and not any("lobby" in line for line in only_team)
        assert done(admin(postgres_url, "members", "kitchen")).startswith("nobody is in kitchen\n")
        refused = admin(postgres_url, "members", "no/slashes")
        assert refused.returncode == 1 and refused.stderr.startswith("lanchat: ")

        # A node killed outright leaves its row: after NODE_EXPIRY_SECONDS it is shown gone, and
        # its members are no longer listed.
        second.stop(signal.SIGKILL)
        wait_for(lambda: f"node {on['bob']}: gone" in listed(), NODE_EXPIRY_SECONDS + WITHIN, "gone")
        after = listed()
        assert "bob" not in after and "lobby" not in after and f"  Ann  on node {on['Ann']}" in after
