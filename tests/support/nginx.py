"""nginx as a test's own service: docs/cluster/nginx.conf with its EDIT lines naming this test's
nodes, port and certificate, run in the foreground (`nginx -c CONF -p DIR -g 'daemon off;'`) on
loopback, and stopped by its PID at the end."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from server.tls.host_identity import load_or_create
from tests.support.file_host import file_host_args
from tests.support.ports import free_port
from tests.support.server_process import REPO_ROOT, ServeProcess
from tests.support.waiting import wait_for

__all__ = [
    "CLUSTER_CONF",
    "CLUSTER_NAME",
    "NODE_HEADER",
    "Nginx",
    "find_nginx",
    "nodes_behind_nginx",
    "render_cluster_conf",
    "running_nginx",
]

CLUSTER_CONF = REPO_ROOT / "docs" / "cluster" / "nginx.conf"
# Added for the tests only: which node answered (nginx's $upstream_addr).
NODE_HEADER = "X-Test-Upstream"
# The cluster's name, as clients reach it (their Host and Origin); nginx and every node know it.
CLUSTER_NAME = "chat.lanchat.test"


def find_nginx() -> Path | None:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    return Path(found) if found else None


def _replace_once(text: str, pattern: str, replacement: str) -> str:
    new, count = re.subn(pattern, replacement, text, flags=re.MULTILINE)
    assert count == 1, f"docs/cluster/nginx.conf has {count} lines matching {pattern!r}, not one"
    return new


def render_cluster_conf(folder: Path, port: int, nodes: list[int], name: str, cert: Path, key: Path) -> str:
    """The documented configuration with this test's values on its EDIT lines (each must be there)."""
    text = CLUSTER_CONF.read_text(encoding="utf-8")
    text = _replace_once(text, r"^pid .*# EDIT$", f"pid {folder}/nginx.pid;")
    servers = "\n".join(f"        server 127.0.0.1:{node} max_fails=1 fail_timeout=10s;" for node in nodes)
    text, count = re.subn(
        r"(^        server 10\.0\.0\.\d+:8765 .*# EDIT\n)+", servers + "\n", text, flags=re.M
    )
    assert count == 1, "docs/cluster/nginx.conf lists its nodes in one block of `server ... # EDIT` lines"
    text = _replace_once(text, r"^        listen 443 ssl;  # EDIT$", f"        listen 127.0.0.1:{port} ssl;")
    text = _replace_once(text, r"server_name chat\.example\.org;  # EDIT$", f"server_name {name};")
    text = _replace_once(text, r"ssl_certificate     \S+;  # EDIT$", f"ssl_certificate     {cert};")
    text = _replace_once(text, r"ssl_certificate_key \S+;  # EDIT$", f"ssl_certificate_key {key};")
    text = _replace_once(
        text, r"proxy_ssl_trusted_certificate \S+;  # EDIT$", f"proxy_ssl_trusted_certificate {cert};"
    )
    text = _replace_once(text, r"proxy_ssl_name chat\.example\.org;  # EDIT$", f"proxy_ssl_name {name};")
    assert not re.search(r"# EDIT$", text, re.M), (
        "an EDIT line of docs/cluster/nginx.conf the test does not fill in"
    )
    # Temporary files in the test's folder, not /var/lib/nginx; the answering node, for the asserts.
    temp = "".join(
        f"    {kind}_temp_path {folder}/{kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    text = _replace_once(text, r"^http \{$", "http {\n" + temp)
    return _replace_once(
        text,
        r"^        location / \{$",
        f"        location / {{\n            add_header {NODE_HEADER} $upstream_addr always;",
    )


@dataclass
class Nginx:
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def base(self) -> str:
        return f"127.0.0.1:{self.port}"


@contextmanager
def running_nginx(folder: Path, nodes: list[int], name: str, cert: Path, key: Path) -> Iterator[Nginx]:
    binary = find_nginx()
    if binary is None:
        reason = "nginx is not installed (Debian: apt-get install nginx-light)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI installs it from .ci/apt-packages.txt", pytrace=False)
        pytest.skip(reason)
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    conf = folder / "nginx.conf"
    conf.write_text(render_cluster_conf(folder, port, nodes, name, cert, key), encoding="utf-8")
    log = folder / "nginx.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(binary), "-c", str(conf), "-p", str(folder), "-g", "daemon off;"],
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:

        def listening() -> bool:
            assert process.poll() is None, f"nginx stopped: {log.read_text(errors='replace')}"
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    return True
            except OSError:
                return False

        wait_for(listening, 10, "nginx to listen")
        yield Nginx(port, process, log)
    finally:
        process.send_signal(signal.SIGTERM)  # nginx's fast stop: open room sockets do not hold it
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@contextmanager
def nodes_behind_nginx(
    serve_process: Callable[..., ServeProcess], database_url: str, folder: Path, count: int = 2
) -> Iterator[tuple[Nginx, list[ServeProcess], Path]]:
    """`count` nodes on one database and one files folder, sharing one certificate for
    CLUSTER_NAME and trusting nginx's X-Forwarded-For, with nginx in front; and the certificate."""
    identity = load_or_create(folder / "cert", [CLUSTER_NAME])
    args = file_host_args(
        folder,
        "--database", database_url,
        "--files-dir", str(folder / "shared-files"),
        "--tls-cert", str(identity.cert_path),
        "--tls-key", str(identity.key_path),
        "--allow-host", CLUSTER_NAME,
        "--trusted-proxy", "127.0.0.1",
    )  # fmt: skip
    nodes = [serve_process(data_dir=folder / f"node{i}", extra_args=args) for i in range(1, count + 1)]
    ports = [node.port for node in nodes]
    with running_nginx(folder / "nginx", ports, CLUSTER_NAME, identity.cert_path, identity.key_path) as nginx:
        yield nginx, nodes, identity.cert_path
