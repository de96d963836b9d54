"""File transfer on loopback: lanchat's upload (tus PATCH) and download against plain servers.

In one run, with curl as the client everywhere, each run on a file of its own (so that every
upload writes a new file, as a real one does):
- upload: one `curl -T FILE -X PATCH` to lanchat (hashing and writing as it streams) against the
  same `curl -T FILE` PUT to Debian's nginx (its WebDAV module: the body to a temporary file,
  renamed into place) and to a minimal Python PUT sink (`PutSink` below: the body to a new file
  in 1 MiB reads, no hashing);
- download: `curl -o /dev/null` of the attachment from lanchat (Range-capable FileResponse, with
  nosniff and Content-Disposition) against nginx (sendfile) and `python -m http.server` serving
  the same file;
- CPU: the seconds of CPU each server's processes spend per GiB uploaded, which a busy machine
  does not distort as it does throughput;
- memory: lanchat's resident set size sampled every 20 ms during a separate 2 GiB upload, against
  its size just before;
- SHA-256 on one core, which the host must do for every byte and the plain servers do not.

nginx is optional (`apt install nginx`; only its binary is used, never its service): without it
the table has the Python baselines only.

Usage: .venv/bin/python tests/bench/file_transfer.py [--mib 1024] [--rss-mib 2048] [--runs 3]
Prints a table; docs/benchmarks.md keeps the figures.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import http.server
import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psutil
from websockets.sync.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.support.ports import free_port
from tests.support.server_process import ServeProcess
from tests.support.tus_client import create_headers

MIB = 1024 * 1024


class PutSink(http.server.BaseHTTPRequestHandler):
    """PUT /anything: the body streamed to a new file in 1 MiB reads. The least a server can do."""

    folder: Path
    count = itertools.count()

    def do_PUT(self) -> None:
        remaining = int(self.headers["Content-Length"])
        with (self.folder / f"put-{next(self.count)}.bin").open("xb") as sink:
            while remaining:
                chunk = self.rfile.read(min(MIB, remaining))
                if not chunk:
                    break
                sink.write(chunk)
                remaining -= len(chunk)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


NGINX_CONF = """
daemon off;
worker_processes 1;
{user}
error_log {root}/error.log;
pid {root}/nginx.pid;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {root}/body;
    client_max_body_size 0;
    sendfile on;
    server {{
        listen 127.0.0.1:{port};
        root {root}/files;
        location / {{ dav_methods PUT; }}
    }}
}}
"""


def start_nginx(root: Path) -> tuple[subprocess.Popen[bytes], int] | None:
    """Debian's nginx on a loopback port, storing PUTs under root/files; None when not installed."""
    binary = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if binary is None:
        return None
    (root / "files").mkdir(parents=True)
    (root / "body").mkdir()
    port = free_port()
    # Started as root, nginx's workers become `nobody` unless told otherwise: they could not write here.
    user = "user root root;" if os.geteuid() == 0 else ""
    conf = root / "nginx.conf"
    conf.write_text(NGINX_CONF.format(root=root, port=port, user=user))
    server = subprocess.Popen(
        [binary, "-c", str(conf), "-p", str(root), "-e", str(root / "error.log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_port(port)
    return server, port


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def sha256_speed(mib: int = 1024) -> float:
    """MiB/s of SHA-256 on one core here: the ceiling of any upload the host verifies as it streams."""
    block = os.urandom(4 * MIB)
    hasher = hashlib.sha256()
    started = time.perf_counter()
    for _ in range(mib // 4):
        hasher.update(block)
    return mib / (time.perf_counter() - started)


def cpu_seconds(processes: list[psutil.Process]) -> float:
    return sum(sum(process.cpu_times()[:2]) for process in processes)


def make_file(path: Path, size: int, salt: int = 0) -> str:
    """A file of random bytes, another for each `salt`; its SHA-256 as base64."""
    hasher = hashlib.sha256()
    block = os.urandom(MIB)
    with path.open("wb") as out:
        for index in range(size // MIB):
            # Vary each MiB a little so nothing downstream can deduplicate blocks.
            chunk = index.to_bytes(8, "little") + salt.to_bytes(8, "little") + block[16:]
            out.write(chunk)
            hasher.update(chunk)
    return base64.b64encode(hasher.digest()).decode()


def curl(*args: str) -> float:
    """Run curl; bytes per second it reports for the transfer."""
    done = subprocess.run(
        ["curl", "-sS", "--fail", "-o", "/dev/null", "-H", "Expect:", *args],
        capture_output=True,
        text=True,
        check=True,
    )
    speeds = json.loads(done.stdout)
    return float(max(speeds["speed_upload"], speeds["speed_download"]))


WRITE_OUT = ["-w", '{"speed_upload": %{speed_upload}, "speed_download": %{speed_download}}']


def lanchat_upload(
    base: str, file: Path, sha256: str, name: str = "bench.bin", *, client: httpx.Client | None = None
) -> tuple[float, str]:
    """Create a tus upload in room bench (with `client`, or a plain one for `base`), then send the
    file in one curl PATCH; its speed and the upload's id. Over https curl gets -k: it takes the
    host's own certificate."""
    with client or httpx.Client(base_url=base) as api:
        created = api.post(
            "/api/uploads", headers=create_headers("bench", file.stat().st_size, sha256, name, "")
        )
        created.raise_for_status()
        location = created.headers["location"]
    insecure = ["-k"] if base.startswith("https://") else []
    speed = curl(
        *insecure,
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
    return speed, location.rsplit("/", 1)[1]


def attach(process: ServeProcess, upload_id: str) -> str:
    """Post the upload in room bench; the download path of its attachment."""
    with connect(f"{process.ws_base}/ws/bench?v=2&name=bench") as ws:
        ws.send(json.dumps({"type": "message", "sender": "bench", "text": "", "attachments": [upload_id]}))
        while True:
            frame = json.loads(ws.recv(timeout=60))
            if frame["type"] == "message" and frame.get("attachments"):
                attachment = frame["attachments"][0]
                return f"/api/files/{attachment['id']}/{attachment['name']}"
            if frame["type"] == "error":
                raise RuntimeError(frame)


def rss_during_upload(process: ServeProcess, file: Path, sha256: str) -> tuple[int, int]:
    assert process.process is not None
    host = psutil.Process(process.process.pid)
    before = host.memory_info().rss
    peak = before
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, host.memory_info().rss)
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        lanchat_upload(process.url.rstrip("/"), file, sha256, "rss.bin")
    finally:
        done.set()
        sampler.join()
    return before, peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=1024, help="file size for the throughput runs")
    parser.add_argument("--rss-mib", type=int, default=2048, help="file size for the memory run")
    parser.add_argument("--runs", type=int, default=3, help="runs of each; the best is kept")
    args = parser.parse_args()
    os.environ["LANCHAT_DISCOVERY"] = "off"

    with tempfile.TemporaryDirectory(prefix="lanchat-bench-files-") as scratch:
        root = Path(scratch)
        served = root / "served"  # what python -m http.server serves: run 1's file
        served.mkdir()
        PutSink.folder = root / "sink"
        PutSink.folder.mkdir()
        sink = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), PutSink)
        threading.Thread(target=sink.serve_forever, daemon=True).start()
        static_port = free_port()
        static = subprocess.Popen(
            [sys.executable, "-m", "http.server", str(static_port), "--bind", "127.0.0.1", "-d", str(served)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        nginx = start_nginx(root / "nginx")
        process = ServeProcess(root / "data", extra_args=("--min-free-disk-mib", "0")).start()
        base = process.url.rstrip("/")
        results: dict[str, list[float]] = {
            key: [] for key in ("up", "up_python", "up_nginx", "down", "down_python", "down_nginx")
        }
        # CPU seconds per GiB uploaded, of each server's processes: steadier than throughput under
        # load, and the Python sink is a thread of this process.
        cpu: dict[str, list[float]] = {"up": [], "up_python": [], "up_nginx": []}
        servers = {"up_python": [psutil.Process()]}
        if nginx is not None:
            nginx_process = psutil.Process(nginx[0].pid)
            servers["up_nginx"] = [nginx_process, *nginx_process.children(recursive=True)]
        try:
            wait_for_port(static_port)
            download_path = ""
            for run in range(args.runs):
                source = root / f"source-{run}.bin"
                sha256 = make_file(source, args.mib * MIB, salt=run)
                gib = args.mib / 1024
                if nginx is not None:
                    used = cpu_seconds(servers["up_nginx"])
                    results["up_nginx"].append(
                        curl(*WRITE_OUT, "-T", str(source), f"http://127.0.0.1:{nginx[1]}/put-{run}.bin")
                    )
                    cpu["up_nginx"].append((cpu_seconds(servers["up_nginx"]) - used) / gib)
                used = cpu_seconds(servers["up_python"])
                results["up_python"].append(
                    curl(*WRITE_OUT, "-X", "PUT", "-T", str(source), f"http://127.0.0.1:{sink.server_port}/x")
                )
                cpu["up_python"].append((cpu_seconds(servers["up_python"]) - used) / gib)
                assert process.process is not None
                host = [psutil.Process(process.process.pid)]
                used = cpu_seconds(host)
                speed, upload_id = lanchat_upload(base, source, sha256)
                results["up"].append(speed)
                cpu["up"].append((cpu_seconds(host) - used) / gib)
                if run == 0:
                    download_path = attach(process, upload_id)
                    source.rename(served / "source.bin")
                else:
                    source.unlink()
                if nginx is not None:
                    results["down_nginx"].append(curl(*WRITE_OUT, f"http://127.0.0.1:{nginx[1]}/put-0.bin"))
                results["down_python"].append(curl(*WRITE_OUT, f"http://127.0.0.1:{static_port}/source.bin"))
                results["down"].append(curl(*WRITE_OUT, base + download_path))

            rss_file = root / "rss.bin"
            rss_sha = make_file(rss_file, args.rss_mib * MIB, salt=args.runs)
            before, peak = rss_during_upload(process, rss_file, rss_sha)
        finally:
            process.stop()
            static.terminate()
            sink.shutdown()
            if nginx is not None:
                nginx[0].terminate()
                nginx[0].wait()

        best = {key: max(values) / MIB for key, values in results.items() if values}
        print(f"file transfer on loopback, {args.mib} MiB files, best of {args.runs} (curl, MiB/s)")
        baselines = [("python", "Python")] + ([("nginx", "nginx")] if nginx is not None else [])
        print(f"{'':10} {'lanchat':>8}" + "".join(f" {label:>8} {'ratio':>6}" for _, label in baselines))
        for label, key in (("upload", "up"), ("download", "down")):
            row = f"{label:10} {best[key]:8.0f}"
            for suffix, _ in baselines:
                plain = best[f"{key}_{suffix}"]
                row += f" {plain:8.0f} {best[key] / plain:6.2f}"
            print(row)
        row = f"{'CPU s/GiB':10} {min(cpu['up']):8.2f}"
        for suffix, _ in baselines:
            row += f" {min(cpu[f'up_{suffix}']):8.2f} {'':6}"
        print(row + "  (upload; lanchat's includes SHA-256)")
        print(
            "Python = a http.server PUT sink writing each upload to a new file, and python -m http.server;"
            " nginx = Debian's nginx (WebDAV PUT, sendfile)"
            + ("" if nginx is not None else " was not installed (apt install nginx)")
        )
        print(f"SHA-256 alone on one core here: {sha256_speed():.0f} MiB/s")
        print(
            f"host RSS during a {args.rss_mib} MiB upload: {before / MIB:.0f} MiB before,"
            f" {peak / MIB:.0f} MiB at most (+{(peak - before) / MIB:.1f} MiB)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
