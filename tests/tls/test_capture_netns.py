"""Nothing readable on the wire: a capture of a whole session holds none of what was said or sent.

Two hosts and a browser in their own network namespaces on one Ethernet segment (a bridge in a
fourth namespace, tests/support/netns.py), and tcpdump on that segment from the first packet on.
The browser (Chromium, and a Python client for what the page does over the same protocol) joins a
host typed without a scheme, chats, enters a private room with its password, joins the other host
by address, holds a direct conversation, uploads a file and downloads it, searches, and
reconnects. The hosts talk to each other too (the first one browses and probes the second). Then
the capture is searched for every piece of plaintext the session knew: none may be there.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.browser import ARTIFACTS, ROOT, UI_INDEX
from tests.support.netns import in_namespace, network
from tests.support.server_process import ServeProcess

pytestmark = [pytest.mark.browser, pytest.mark.netns, pytest.mark.process]

SWITCH, FIRST, SECOND, BROWSER = "10.221.0.254", "10.221.0.1", "10.221.0.2", "10.221.0.3"
PORT = 18446  # fixed: the first host knows the second by it before it answers
PASSWORD = "gecko-plum-lantern-81"
ROOMS = {"open": "tapir-lobby", "private": "quokka-den", "there": "marmot-annex"}
# Words of the messages (each unique, so a match can only be a leak) and the file's contents.
TEXTS = {
    "page_open": "wombat sunrise over the tapir pond",
    "page_private": "narwhal biscuits behind the door",
    "page_there": "ocelot lanterns on the other host",
    "client_open": "pelican quartet hums softly",
    "client_direct": "axolotl whispers only for you",
    "client_private": "capybara ledger with the file",
}
FILE_BYTES = b"FILE-MARKER-heron-velvet-0451\n" * 400
SEARCHED = "axolotl"

# Runs in the browser's namespace: what a person does on the page. Prints the identity secrets
# the page made (one per host), to look for them in the capture.
PAGE = """
import json, sys
from playwright.sync_api import sync_playwright
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS

first, second, port, password, rooms, texts, shots = sys.argv[1:8]
rooms, texts = json.loads(rooms), json.loads(texts)

def connected(page):
    page.locator('[data-testid="connection-status"][data-status="connected"]').wait_for(timeout=20_000)

def say(page, text):
    box = page.get_by_label("Message", exact=True)
    box.fill(text)
    box.press("Enter")
    page.get_by_text(text).first.wait_for()

def join_here(page, room):
    page.get_by_label("Room", exact=True).first.fill(room)
    page.get_by_role("button", name="Join", exact=True).first.click()

with sync_playwright() as playwright:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    context = browser.new_context(ignore_https_errors=True, viewport={"width": 1100, "height": 800})
    page = context.new_page()
    page.goto(f"http://{first}:{port}/")  # typed as an address: the host sends it on to https
    assert page.url.startswith("https://"), page.url
    page.get_by_label("Name").first.fill("Anna")
    join_here(page, rooms["open"])
    connected(page)
    say(page, texts["page_open"])

    page.get_by_role("button", name="+ Join a room").click()
    join_here(page, rooms["private"])
    page.get_by_test_id("room-password-input").fill(password)
    page.get_by_test_id("room-password-input").press("Enter")
    connected(page)
    say(page, texts["page_private"])

    page.get_by_role("button", name="+ Join a room").click()
    page.get_by_text("Join a room on another computer").click()
    page.locator("#join-address").fill(f"{second}:{port}")
    page.locator("#join-remote-room").fill(rooms["there"])
    page.locator("#join-remote-room").press("Enter")
    connected(page)
    say(page, texts["page_there"])

    page.get_by_test_id("search-open").click()
    page.get_by_test_id("search-input").fill(texts["page_open"].split()[0])
    page.get_by_test_id("search-input").press("Enter")
    page.get_by_test_id("search-results").wait_for()

    page.reload()  # a reconnect: every room comes back and catches up
    connected(page)
    page.screenshot(path=f"{shots}/capture-session-page.png")
    stored = dict(page.evaluate("Object.entries(localStorage)"))
    browser.close()
print(json.dumps([value for key, value in stored.items() if key.startswith("lanchat.identity.")]))
"""

# Runs in the browser's namespace: the rest of what the page does, over the same protocol and TLS.
CLIENT = """
import asyncio, base64, hashlib, json, sys, urllib.parse
import httpx, websockets
from server.rooms.direct import direct_room
from server.tls.contexts import client_context

first, port, password, rooms, texts, file_path, searched = sys.argv[1:8]
rooms, texts = json.loads(rooms), json.loads(texts)
content = open(file_path, "rb").read()
base, wss = f"https://{first}:{port}", f"wss://{first}:{port}"
ssl = client_context()
secrets_of = {"ben": "b" * 20 + "Ben-0123456789-secret", "cleo": "c" * 20 + "Cleo-012345678-secret"}
tokens = []

def b64(data):
    return base64.b64encode(data).decode()

async def frames_until(ws, wanted):
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), 15))
        if frame.get("type") == "entered":
            tokens.append(frame["token"])
        if wanted(frame):
            return frame

def url(room, **query):
    return f"{wss}/ws/{urllib.parse.quote(room, safe='')}?{urllib.parse.urlencode({'v': 2, **query})}"

async def enter(room, name, secret, *, password=None):
    ws = await websockets.connect(url(room, name=name), ssl=ssl, max_size=None)
    if password is not None:
        await ws.send(json.dumps({"type": "password", "password": password}))
    await ws.send(json.dumps({"type": "hello", "secret": secret}))
    seen = {}
    while len(seen) < 2:  # in either order
        frame = await frames_until(ws, lambda f: f.get("type") in ("identified", "welcome"))
        seen[frame["type"]] = frame
    return ws, seen["identified"]["identity"], seen["welcome"]

async def post(ws, sender, text, **extra):
    client_id = hashlib.sha256(text.encode()).hexdigest()[:16]
    frame = {"type": "message", "text": text, "sender": sender, "client_id": client_id, **extra}
    await ws.send(json.dumps(frame))
    return await frames_until(ws, lambda f: f.get("type") == "message" and f.get("client_id") == client_id)

async def main():
    ben, ben_id, _ = await enter(rooms["open"], "Ben", secrets_of["ben"])
    cleo, cleo_id, _ = await enter(rooms["open"], "Cleo", secrets_of["cleo"])
    await post(ben, "Ben", texts["client_open"])
    last = (await frames_until(cleo, lambda f: f.get("text") == texts["client_open"]))["id"]

    direct = direct_room(ben_id, cleo_id)
    to_cleo = await websockets.connect(url(direct, name="Ben"), ssl=ssl)
    await to_cleo.send(json.dumps({"type": "hello", "secret": secrets_of["ben"]}))
    await frames_until(to_cleo, lambda f: f.get("type") == "welcome")
    from_ben = await websockets.connect(url(direct, name="Cleo"), ssl=ssl)
    await from_ben.send(json.dumps({"type": "hello", "secret": secrets_of["cleo"]}))
    await frames_until(from_ben, lambda f: f.get("type") == "welcome")
    await post(to_cleo, "Ben", texts["client_direct"])
    await frames_until(from_ben, lambda f: f.get("text") == texts["client_direct"])

    private, _, _ = await enter(rooms["private"], "Ben", secrets_of["ben"], password=password)
    token = tokens[-1]
    digest = b64(hashlib.sha256(content).digest())
    meta = {"filename": "heron.txt", "filetype": "text/plain", "room": rooms["private"], "sha256": digest}
    async with httpx.AsyncClient(base_url=base, verify=ssl, timeout=15) as http:
        created = await http.post("/api/uploads", headers={
            "Tus-Resumable": "1.0.0", "Upload-Length": str(len(content)), "X-Lanchat-Room-Token": token,
            "Upload-Metadata": ",".join(f"{k} {b64(v.encode())}" for k, v in meta.items()),
        })
        assert created.status_code == 201, created.text
        location = created.headers["location"]
        patched = await http.patch(location, content=content, headers={
            "Tus-Resumable": "1.0.0", "Upload-Offset": "0", "X-Lanchat-Room-Token": token,
            "Content-Type": "application/offset+octet-stream",
        })
        assert patched.status_code == 204, patched.text
        frame = await post(private, "Ben", texts["client_private"], attachments=[location.rsplit("/", 1)[1]])
        attachment = frame["attachments"][0]
        downloaded = await http.get(attachment["url"], headers={"X-Lanchat-Room-Token": token})
        assert downloaded.content == content, downloaded.status_code
        every_token = {"X-Lanchat-Room-Token": ",".join(tokens)}
        found = await http.get("/api/search", params={"q": searched}, headers=every_token)
        assert [r["text"] for r in found.json()["results"]] == [texts["client_direct"]], found.text

    await cleo.close()  # a reconnect from where it left off
    again = await websockets.connect(url(rooms["open"], name="Cleo", after=last - 1), ssl=ssl)
    await again.send(json.dumps({"type": "hello", "secret": secrets_of["cleo"]}))
    replayed = await frames_until(again, lambda f: f.get("id") == last)
    assert replayed["text"] == texts["client_open"]
    for ws in (ben, to_cleo, from_ben, private, again):
        await ws.close()
    print(json.dumps({"secrets": list(secrets_of.values()), "tokens": tokens}))

asyncio.run(main())
"""


def in_browser(ns: str, code: str, *args: str) -> str:
    command = ["ip", "netns", "exec", ns, sys.executable, "-c", code, *args]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-4000:]
    return result.stdout


class Capture:
    """tcpdump on every port of the switch, from before the first packet until stopped."""

    def __init__(self, ns: str, path: Path) -> None:
        self.path = path
        self.process = subprocess.Popen(
            # -Z root: Debian's tcpdump would otherwise drop to its own user, who may not write here.
            [
                "ip",
                "netns",
                "exec",
                ns,
                "tcpdump",
                "-i",
                "any",
                "-n",
                "-s",
                "0",
                "-U",
                "-Z",
                "root",
                "-w",
                str(path),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stderr is not None
        said = []  # "tcpdump: listening on any, ..." once it captures
        while not said or "listening" not in said[-1]:
            said.append(self.process.stderr.readline())
            assert said[-1], "tcpdump did not start: " + "".join(said)

    def stop(self) -> bytes:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            self.process.wait(10)
        return self.path.read_bytes()


def test_a_capture_of_a_whole_session_holds_none_of_its_plaintext(tmp_path):
    if not UI_INDEX.is_file():
        pytest.fail("the browser tests need the built UI: `cd ui && npm ci && npm run build`")
    if shutil.which("tcpdump") is None:
        pytest.fail("the capture test needs tcpdump (Debian's package, in .ci/apt-packages.txt)")
    password_file = tmp_path / "password"
    password_file.write_text(PASSWORD + "\n")
    upload = tmp_path / "heron.txt"
    upload.write_bytes(FILE_BYTES)
    ARTIFACTS.mkdir(exist_ok=True)
    with network("lccap") as net:
        switch, first, second, browser = (net.namespace(letter) for letter in "shob")
        net.switch(switch, SWITCH, 24, [(first, FIRST), (second, SECOND), (browser, BROWSER)])
        capture = Capture(switch, tmp_path / "session.pcap")
        hosts = [
            ServeProcess(tmp_path / "second", PORT, ("--host", "0.0.0.0"), command=in_namespace(second)),
            ServeProcess(
                tmp_path / "first",
                PORT,
                (
                    "--host",
                    "0.0.0.0",
                    "--private-room",
                    f"{ROOMS['private']}={password_file}",
                    "--browse",
                    "--known-host",
                    f"{SECOND}:{PORT}",
                ),
                command=in_namespace(first),
            ),
        ]
        try:
            for host in hosts:
                host.start()
            rooms, texts = json.dumps(ROOMS), json.dumps(TEXTS)
            page_secrets = json.loads(
                in_browser(browser, PAGE, FIRST, SECOND, str(PORT), PASSWORD, rooms, texts, str(ARTIFACTS))
            )
            client = json.loads(
                in_browser(browser, CLIENT, FIRST, str(PORT), PASSWORD, rooms, texts, str(upload), SEARCHED)
            )
            # The hosts' own traffic: the first probes the second (its health, rooms and known hosts).
            time.sleep(1)
        finally:
            for host in hosts:
                host.stop(signal.SIGKILL)
            wire = capture.stop()
    shutil.copy(tmp_path / "session.pcap", ARTIFACTS / "capture-session.pcap")

    assert len(page_secrets) == 2, "the page made an identity for each host it joined"
    assert client["tokens"], "the private room and the direct conversation each gave a token"
    # The capture saw the session: what is plain by design (the first host's mDNS queries for
    # other hosts) and the encrypted traffic between each pair.
    assert b"_lanchat" in wire
    assert packets(tmp_path / "session.pcap", f"host {BROWSER} and host {FIRST}") > 100
    assert packets(tmp_path / "session.pcap", f"host {BROWSER} and host {SECOND}") > 10
    assert packets(tmp_path / "session.pcap", f"host {FIRST} and host {SECOND}") > 0, "the prober's"
    known = {
        **{f"message {name}": text for name, text in TEXTS.items()},
        **{f"room {kind}": room for kind, room in ROOMS.items()},
        "the password": PASSWORD,
        **{f"page secret {n}": secret for n, secret in enumerate(page_secrets)},
        **{f"client secret {n}": secret for n, secret in enumerate(client["secrets"])},
        **{f"token {n}": token for n, token in enumerate(client["tokens"])},
        "the file's bytes": FILE_BYTES[:30].decode(),
        "a searched word": SEARCHED,
    }
    leaked = {what: text for what, text in known.items() if text.encode() in wire}
    assert not leaked, f"readable on the wire: {leaked}"


def packets(path: Path, between: str) -> int:
    """How many TCP packets of the capture match the tcpdump filter `between`."""
    listed = subprocess.run(
        ["tcpdump", "-r", str(path), "-n", "-q", f"tcp and ({between})"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return len(listed.stdout.splitlines())
