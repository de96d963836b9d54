"""What TLS costs a file transfer across a LAN link, beside what it costs on loopback, in one run.

    sudo .venv/bin/python tests/bench/tls_over_link.py                         # about 4 minutes
    sudo .venv/bin/python tests/bench/tls_over_link.py --link 1gbit --runs 2   # one link only

Two network namespaces joined by a veth pair: `lanchat serve` in one (listening on its veth
address, TLS on the network side, `--allow-plain-http` so that the same server answers plain HTTP
too), curl in the other. Each link is shaped in both directions with `tc`'s token bucket (`tbf`)
to its rate, then the same measurement as tls_overhead.py's files (tus uploads and downloads of
the same files over https and http, taken in turn, best of the runs, the server's and curl's CPU
per GiB) runs inside the client's namespace against the server across the link:
- loopback: the client beside the server in the server's namespace (127.0.0.1), no link at all:
  the CPU-bound figure, where TLS shows what it costs each end;
- 1gbit: gigabit Ethernet (about 113 MiB/s of TCP payload);
- 300mbit: a good Wi-Fi connection's real throughput;
- veth (only when asked): across the link unshaped, CPU-bound like loopback, with the veth's
  1,500-byte packets in place of loopback's 64 KiB ones.
tbf shapes the rate only: this kernel has no netem, so the link adds no delay and loses nothing
(a wired LAN's delay is under a millisecond; Wi-Fi's few milliseconds and retransmissions are not
modelled, and slow plain and TLS alike). Needs root, `ip` and `tc`. Prints each link's rows with
the ratio TLS/plain; docs/benchmarks.md keeps the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))
sys.path.insert(0, str(HERE))

from tls_overhead import Plan, files, report_files  # noqa: E402

from tests.support.netns import Network, namespaces_problem  # noqa: E402
from tests.support.server_process import FROM_SOURCE, REPO_ROOT, ServeProcess  # noqa: E402

SERVER_ADDRESS, CLIENT_ADDRESS = "10.213.61.1", "10.213.61.2"  # inside the namespaces only
LOOPBACK = "127.0.0.1"
# Each link: the tbf rate, or None for no shaping ("loopback" has no link at all).
LINKS: dict[str, str | None] = {"loopback": None, "veth": None, "1gbit": "1gbit", "300mbit": "300mbit"}
DEFAULT_LINKS = ("loopback", "1gbit", "300mbit")
# tbf's bucket: 256 KiB lets the kernel's 64 KiB segments through at gigabit without stalls (the
# bucket must hold at least rate/HZ), and 10 ms of queue is a switch's, not a bufferbloated router's.
TBF_BURST, TBF_LATENCY = "256kb", "10ms"
CLIENT_TIMEOUT = 900.0


def tc(ns: str, *args: str) -> None:
    subprocess.run(["ip", "netns", "exec", ns, "tc", *args], check=True, capture_output=True, timeout=10)


def veth_of(ns: str) -> str:
    shown = subprocess.run(
        ["ip", "-n", ns, "-o", "link", "show", "type", "veth"],
        check=True,
        capture_output=True,
        text=True,
        timeout=10,
    ).stdout
    (line,) = shown.splitlines()
    return line.split(": ")[1].split("@")[0]


def shape(namespaces: tuple[str, ...], rate: str | None) -> None:
    """Both ends of the link sent at `rate` (uploads leave the client, downloads the server), or
    unshaped for None."""
    for ns in namespaces:
        device = veth_of(ns)
        subprocess.run(
            ["ip", "netns", "exec", ns, "tc", "qdisc", "del", "dev", device, "root"],
            capture_output=True,
            timeout=10,
        )
        if rate is not None:
            tc(
                ns,
                "qdisc",
                "add",
                "dev",
                device,
                "root",
                "tbf",
                "rate",
                rate,
                "burst",
                TBF_BURST,
                "latency",
                TBF_LATENCY,
            )


def client_side(
    ns: str, address: str, port: int, server_pid: int, plan: Plan
) -> dict[str, dict[str, list[float]]]:
    """Run `files()` inside `ns` (this script again, --client-of), echoing its progress; its results."""
    given = {"address": address, "port": port, "server_pid": server_pid, "mib": plan.file_mib}
    given["runs"] = plan.file_runs
    command = ["ip", "netns", "exec", ns, sys.executable, str(Path(__file__).resolve())]
    command += ["--client-of", json.dumps(given)]
    process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    last = ""
    for line in process.stdout:
        if line.startswith("{"):
            last = line
        else:
            print(line, end="", flush=True)
    if process.wait(CLIENT_TIMEOUT) != 0 or not last:
        raise RuntimeError(f"the client in {ns} failed (exit {process.returncode})")
    results: dict[str, dict[str, list[float]]] = json.loads(last)
    return results


def run_client(arguments: str) -> int:
    """Inside the client's namespace: the transfers, results as one JSON line at the end."""
    given = json.loads(arguments)
    plan = Plan(rooms=(), bursts=0, file_mib=given["mib"], file_runs=given["runs"], idle=0)
    with tempfile.TemporaryDirectory(prefix="lanchat-tls-link-") as workdir:
        results = files(given["address"], given["port"], given["server_pid"], Path(workdir), plan)
    print(json.dumps(results), flush=True)
    return 0


def measure(links: list[str], plan: Plan, workdir: Path) -> dict[str, dict[str, dict[str, list[float]]]]:
    net = Network(str(os.getpid() % 100000), prefix="lctls")
    server: ServeProcess | None = None
    try:
        host, client = net.namespace("h"), net.namespace("c")
        net.link(host, SERVER_ADDRESS, client, CLIENT_ADDRESS, 24)
        # Discovery off: nothing but the transfers crosses the link.
        command = ("ip", "netns", "exec", host, "env", "LANCHAT_DISCOVERY=off", *FROM_SOURCE)
        # 0.0.0.0: its namespace's loopback (the "loopback" link) and its veth address.
        arguments = ("--host", "0.0.0.0", "--allow-plain-http", "--min-free-disk-mib", "0")
        server = ServeProcess(workdir / "data", 0, arguments, command=command).start()
        assert server.process is not None
        results = {}
        for link in links:
            load = " ".join(f"{value:.2f}" for value in os.getloadavg())
            print(f"{link} (load average {load}):", flush=True)
            if link == "loopback":
                results[link] = client_side(host, LOOPBACK, server.port, server.process.pid, plan)
            else:
                shape((host, client), LINKS[link])
                results[link] = client_side(client, SERVER_ADDRESS, server.port, server.process.pid, plan)
        return results
    finally:
        if server is not None:
            server.stop()
        net.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--link",
        action="append",
        choices=list(LINKS),
        help=f"repeatable; default: {', '.join(DEFAULT_LINKS)}",
    )
    parser.add_argument("--mib", type=int, default=256, help="size of each file (default: %(default)s)")
    parser.add_argument(
        "--runs", type=int, default=3, help="runs per link; the best is kept (default: %(default)s)"
    )
    parser.add_argument("--client-of", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client_of:
        return run_client(args.client_of)
    problem = namespaces_problem() or (
        None if shutil.which("tc") else "the tc command (iproute2) is not installed"
    )
    if problem:
        print(f"tls_over_link.py cannot run here: {problem}", file=sys.stderr)
        return 2
    links = args.link or list(DEFAULT_LINKS)
    plan = Plan(rooms=(), bursts=0, file_mib=args.mib, file_runs=args.runs, idle=0)
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"TLS over a link, {os.cpu_count()} CPUs, load average {load}", flush=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="lanchat-tls-link-") as workdir:
        results = measure(links, plan, Path(workdir))
    for link, transfers in results.items():
        print()
        print(f"{link:28} {'plain':>12} {'TLS':>12} {'TLS/plain':>10}")
        report_files(transfers, plan.file_mib)
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    print(
        f"\nbest of {plan.file_runs} curl runs per link;"
        f" took {time.perf_counter() - started:.0f} s, load average now {load}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
