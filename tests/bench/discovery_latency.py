"""How fast discovery notices a host: from announcing until a browser lists it, and from the
goodbye until it is gone. Two network namespaces joined by a veth pair (tests/support/netns.py), so the
multicast stays between them; needs root.

    .venv/bin/python tests/bench/discovery_latency.py            # 10 rounds, about 40 seconds
    .venv/bin/python tests/bench/discovery_latency.py --rounds 3

In the host's namespace a `lanchat serve` answers HTTP, and a small announcer announces it
(server.discovery.Announcer, as `--announce` and the window do) and withdraws it on command. In
the browser's namespace a `lanchat serve --browse` keeps its list, and a watcher reads
/api/discovered every 20 ms. "Listed" includes everything a user waits for: mDNS probing and
announcing, resolving, and the probe of the host (TLS, pinned to the fingerprint the announcement
carries) before it is listed. All three processes
stamp events with CLOCK_MONOTONIC, which namespaces share.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from tempfile import TemporaryDirectory

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

# Nothing outside the namespaces may multicast: the processes inside turn discovery on for themselves.
os.environ["LANCHAT_DISCOVERY"] = "off"

from server.tls.safety_code import fingerprint_in_link  # noqa: E402
from tests.support.netns import Network, in_namespace, namespaces_problem  # noqa: E402
from tests.support.server_process import ServeProcess  # noqa: E402
from tests.support.tls_hosts import host_fingerprint  # noqa: E402

# The targets.
LISTED_TARGET_SECONDS = 2.0
GONE_TARGET_SECONDS = 5.0
ROUND_TIMEOUT_SECONDS = 20.0
HOST_ADDRESS, BROWSER_ADDRESS = "10.213.0.1", "10.213.0.2"

ANNOUNCER = """
import asyncio, sys, time
from server.peers.discovery import Announcer
from server.tls.safety_code import fingerprint_from_link

async def main(port, fingerprint):
    loop = asyncio.get_running_loop()
    announcer = None
    while line := await loop.run_in_executor(None, sys.stdin.readline):
        command, _, name = line.strip().partition(" ")
        print(f"{command} {time.monotonic()}", flush=True)
        if command == "announce":
            announcer = Announcer(name, port, [sys.argv[2]], fingerprint=fingerprint)
            await announcer.start()
        elif command == "withdraw":
            await announcer.stop()
        print(f"done {time.monotonic()}", flush=True)

asyncio.run(main(int(sys.argv[1]), fingerprint_from_link(sys.argv[3])))
"""

WATCHER = """
import json, sys, time, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
shown = None
while True:
    with opener.open(sys.argv[1], timeout=5) as response:
        names = sorted(h["name"] for h in json.loads(response.read())["hosts"])
    if names != shown:
        shown = names
        print(json.dumps({"at": time.monotonic(), "names": names}), flush=True)
    time.sleep(0.02)
"""


def python_in(ns: str, code: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        ["ip", "netns", "exec", ns, "env", "LANCHAT_DISCOVERY=on", sys.executable, "-c", code, *args],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def lines_of(process: subprocess.Popen[str]) -> queue.Queue[str]:
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line.strip())

    threading.Thread(target=pump, daemon=True).start()
    return lines


def command(announcer: subprocess.Popen[str], replies: queue.Queue[str], text: str) -> float:
    """Send a command to the announcer; the monotonic time it began, once it is done."""
    assert announcer.stdin is not None
    announcer.stdin.write(text + "\n")
    announcer.stdin.flush()
    began = float(replies.get(timeout=ROUND_TIMEOUT_SECONDS).split()[1])
    replies.get(timeout=ROUND_TIMEOUT_SECONDS)  # done
    return began


def until(changes: queue.Queue[str], predicate) -> float:
    """The time of the first change of the list after which `predicate(names)` holds."""
    deadline = time.monotonic() + ROUND_TIMEOUT_SECONDS
    while True:
        change = json.loads(changes.get(timeout=max(0.1, deadline - time.monotonic())))
        if predicate(change["names"]):
            return float(change["at"])


def measure(rounds: int, folder: Path) -> tuple[list[float], list[float]]:
    net = Network(str(os.getpid() % 100000))
    started: list = []
    try:
        host_ns, browser_ns = net.namespace("h"), net.namespace("b")
        net.link(host_ns, HOST_ADDRESS, browser_ns, BROWSER_ADDRESS, 24)
        http = ServeProcess(folder / "host", extra_args=("--host", "0.0.0.0"), command=in_namespace(host_ns))
        started.append(http.start())
        browser = ServeProcess(
            folder / "browser", extra_args=("--host", "0.0.0.0", "--browse"), command=in_namespace(browser_ns)
        )
        started.append(browser.start())
        fingerprint = fingerprint_in_link(host_fingerprint(http.data_dir))
        announcer = python_in(host_ns, ANNOUNCER, str(http.port), HOST_ADDRESS, fingerprint)
        watcher = python_in(browser_ns, WATCHER, f"http://127.0.0.1:{browser.port}/api/discovered")
        started += [announcer, watcher]
        replies, changes = lines_of(announcer), lines_of(watcher)
        until(changes, lambda names: names == [])
        listed, gone = [], []
        for n in range(rounds):
            name = f"Bench host {n}"  # fresh each round: no cache of an earlier round helps
            began = command(announcer, replies, f"announce {name}")
            listed.append(until(changes, lambda names, name=name: name in names) - began)
            time.sleep(0.5)
            began = command(announcer, replies, "withdraw")
            gone.append(until(changes, lambda names, name=name: name not in names) - began)
            print(f"round {n + 1}: listed after {listed[-1]:.2f} s, gone after {gone[-1]:.2f} s", flush=True)
            time.sleep(0.5)
        return listed, gone
    finally:
        for process in started:
            if isinstance(process, ServeProcess):
                process.stop(signal.SIGKILL)
            else:
                process.kill()
                process.wait(5)
        net.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    problem = namespaces_problem()
    if problem:
        print(f"cannot run: {problem}", file=sys.stderr)
        return 1
    with TemporaryDirectory() as tmp:
        listed, gone = measure(args.rounds, Path(tmp))
    for what, values, target in (
        ("announce -> listed", listed, LISTED_TARGET_SECONDS),
        ("goodbye -> gone", gone, GONE_TARGET_SECONDS),
    ):
        median = statistics.median(values)
        print(
            f"{what}: median {median:.2f} s of {len(values)} (min {min(values):.2f}, max {max(values):.2f}),"
            f" {median / target:.2f} of the {target:.0f} s target"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
