"""Files in a cluster on loopback, side by side in one run: what the shared records, nginx in front
and resuming on another node cost an upload, against a single host.

- upload, one PATCH of the whole file with curl: a single host (records in files.sqlite3) against a
  cluster node (records in PostgreSQL, its lock per upload in the database), over plain HTTP and
  over TLS, and against the same node through nginx (docs/cluster/nginx.conf: TLS ended at nginx
  with the cluster's certificate and TLS again to the node);
- the same file in 8 PATCHes (httpx, 1 MiB reads), all to one node against each to the other node
  in turn: a node taking over an upload another node wrote reads the part file once to rebuild its
  hash, so the cost of switching is what this shows;
- download of the attachment: from a node (plain, TLS) against through nginx;
- CPU seconds per GiB moved, of every lanchat process and nginx together: a busy machine distorts
  it less than it does throughput.

Usage: .venv/bin/python tests/bench/cluster_files.py [--mib 256] [--runs 3]
Prints a table; docs/benchmarks.md keeps the figures.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import psutil
from websockets.sync.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from server.tls.host_identity import load_or_create
from tests.bench.file_transfer import MIB, WRITE_OUT, curl, make_file
from tests.support.nginx import running_nginx
from tests.support.postgres import find_postgres_bin, running_cluster
from tests.support.server_process import ServeProcess
from tests.support.tus_client import create_headers

NAME = "chat.lanchat.test"
PARTS = 8


def create(api: str, size: int, sha256: str) -> str:
    response = httpx.post(f"{api}/api/uploads", headers=create_headers("bench", size, sha256, "b.bin", ""))
    response.raise_for_status()
    return response.headers["location"]


def curl_patch(base: str, location: str, file: Path, *tls: str) -> float:
    return curl(
        *tls,
        *WRITE_OUT,
        "-X",
        "PATCH",
        "-T",
        str(file),
        "-H",
        "Tus-Resumable: 1.0.0",
        "-H",
        "Upload-Offset: 0",
        "-H",
        "Content-Type: application/offset+octet-stream",
        base + location,
    )


def file_part(file: Path, start: int, end: int) -> Iterator[bytes]:
    with file.open("rb") as source:
        source.seek(start)
        left = end - start
        while left:
            chunk = source.read(min(MIB, left))
            left -= len(chunk)
            yield chunk


def in_parts(bases: list[str], location: str, file: Path) -> float:
    """The file in PARTS PATCHes, the i-th to bases[i % len(bases)]; bytes per second."""
    size = file.stat().st_size
    step = size // PARTS
    started = time.perf_counter()
    for index in range(PARTS):
        start = index * step
        end = size if index == PARTS - 1 else start + step
        headers = {
            "Tus-Resumable": "1.0.0",
            "Upload-Offset": str(start),
            "Content-Type": "application/offset+octet-stream",
        }
        response = httpx.patch(
            bases[index % len(bases)] + location,
            headers=headers,
            content=file_part(file, start, end),
            timeout=300,
        )
        assert response.status_code == 204, response.text
    return size / (time.perf_counter() - started)


def attach(node: ServeProcess, location: str) -> str:
    """The upload sent in a message; its download path."""
    with connect(f"{node.ws_base}/ws/bench?v=2&name=Bench") as ws:
        ws.send(
            json.dumps(
                {
                    "type": "message",
                    "sender": "Bench",
                    "text": "",
                    "attachments": [location.rsplit("/", 1)[1]],
                }
            )
        )
        while True:
            frame = json.loads(ws.recv(timeout=60))
            if frame.get("type") == "message" and frame.get("attachments"):
                return str(frame["attachments"][0]["url"])


def cpu_seconds(pids: list[int]) -> float:
    """CPU seconds (user + system) of these processes and their children so far."""
    total = 0.0
    for pid in pids:
        process = psutil.Process(pid)
        for each in [process, *process.children(recursive=True)]:
            times = each.cpu_times()
            total += times.user + times.system
    return total


class Table:
    """Per label: the best speed over the runs, and the least server CPU per GiB moved."""

    def __init__(self, size: int, servers: list[int]) -> None:
        self.size = size
        self.servers = servers
        self.speed: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    def record(self, label: str, transfer: Callable[[], float]) -> None:
        before = cpu_seconds(self.servers)
        speed = transfer()
        per_gib = (cpu_seconds(self.servers) - before) * 1024 * MIB / self.size
        self.speed[label] = max(self.speed.get(label, 0.0), speed)
        self.cpu[label] = min(self.cpu.get(label, per_gib), per_gib)

    def print(self, baseline: str) -> None:
        print(f"{'':<52} {'MiB/s':>8} {'ratio':>7} {'CPU s/GiB':>10} {'ratio':>7}")
        for label, speed in self.speed.items():
            print(
                f"{label:<52} {speed / MIB:8.0f} {speed / self.speed[baseline]:7.2f}"
                f" {self.cpu[label]:10.2f} {self.cpu[label] / self.cpu[baseline]:7.2f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mib", type=int, default=256)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    bin_dir = find_postgres_bin()
    if bin_dir is None:
        sys.exit("PostgreSQL is not installed (Debian: apt-get install postgresql)")
    size = args.mib * MIB
    root = Path(tempfile.mkdtemp(prefix="lanchat-cluster-files-"))
    processes: list[ServeProcess] = []
    try:
        with running_cluster(bin_dir, durable=True) as postgres:
            url = postgres.create_database()
            identity = load_or_create(root / "cert", [NAME])
            common = ("--min-free-disk-mib", "0", "--max-file-mib", str(args.mib + 1))
            single = ServeProcess(root / "single", extra_args=common).start()
            processes.append(single)
            node_args = (
                *common,
                "--database", url,
                "--files-dir", str(root / "shared"),
                "--tls-cert", str(identity.cert_path),
                "--tls-key", str(identity.key_path),
                "--allow-host", NAME,
                "--trusted-proxy", "127.0.0.1",
            )  # fmt: skip
            nodes = [ServeProcess(root / f"node{i}", extra_args=node_args).start() for i in (1, 2)]
            processes += nodes
            with running_nginx(
                root / "nginx", [n.port for n in nodes], NAME, identity.cert_path, identity.key_path
            ) as nginx:
                servers = [p.process.pid for p in processes if p.process] + [nginx.process.pid]
                table = Table(size, servers)
                run_all(args.runs, root, size, table, single, nodes, nginx.port, identity.cert_path)
    finally:
        for process in processes:
            process.stop()
        shutil.rmtree(root, ignore_errors=True)
    print(f"{args.mib} MiB file, best of {args.runs} runs; ratios to the single host's upload")
    print("(CPU: every lanchat process and nginx, per GiB moved)")
    table.print(UPLOAD_SINGLE)


UPLOAD_SINGLE = "upload: single host, plain HTTP"


def run_all(
    runs: int, root: Path, size: int, table: Table, single: ServeProcess, nodes: list[ServeProcess],
    nginx_port: int, cert: Path,
) -> None:  # fmt: skip
    def tls_to(port: int) -> tuple[str, tuple[str, ...]]:
        return f"https://{NAME}:{port}", ("--cacert", str(cert), "--resolve", f"{NAME}:{port}:127.0.0.1")

    through, through_tls = tls_to(nginx_port)
    node_tls_base, node_tls = tls_to(nodes[0].port)
    direct = [node.url.rstrip("/") for node in nodes]
    for run in range(runs):

        def upload(label: str, salt: int, send: Callable[[str, Path], float], run: int = run) -> str:
            file = root / f"file-{run}-{salt}.bin"
            sha256 = make_file(file, size, salt=run * 100 + salt)
            location = create(direct[0] if salt else single.url.rstrip("/"), size, sha256)
            table.record(label, lambda: send(location, file))
            file.unlink()
            return location

        upload(UPLOAD_SINGLE, 0, lambda loc, f: curl_patch(single.url.rstrip("/"), loc, f))
        upload("upload: cluster node, plain HTTP", 1, lambda loc, f: curl_patch(direct[0], loc, f))
        upload("upload: cluster node, TLS", 2, lambda loc, f: curl_patch(node_tls_base, loc, f, *node_tls))
        kept = upload(
            "upload: through nginx (TLS, then TLS to a node)",
            3,
            lambda loc, f: curl_patch(through, loc, f, *through_tls),
        )
        upload(f"upload in {PARTS} PATCHes, all to one node", 4, lambda loc, f: in_parts(direct[:1], loc, f))
        upload(
            f"upload in {PARTS} PATCHes, each to the other node", 5, lambda loc, f: in_parts(direct, loc, f)
        )
        path = attach(nodes[0], kept)
        for label, base, extra in (
            ("download: from a node, plain HTTP", direct[1], ()),
            ("download: from a node, TLS", node_tls_base, node_tls),
            ("download: through nginx", through, through_tls),
        ):
            table.record(label, lambda url=base + path, extra=extra: curl(*extra, *WRITE_OUT, url))


if __name__ == "__main__":
    main()
