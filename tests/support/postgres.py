"""A real PostgreSQL for tests: Debian's server binaries, a cluster made with `initdb` in a
temporary folder and run with `pg_ctl` on 127.0.0.1 and a free port, never a system service.

PostgreSQL refuses to run as root, and the tests run as root in CI: then the cluster belongs to
the `postgres` user that Debian's package makes, and the commands run as it (`runuser`). Any other
user runs it as themselves. Authentication is `trust` on loopback: the cluster lives only as long
as the test run, in a folder nobody else uses.

Each test gets a database of its own (`create_database`), so tests never see each other's rows and
one cluster serves a whole test run (one per xdist worker).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from tests.support.ports import free_port

__all__ = ["PostgresCluster", "find_postgres_bin", "running_cluster"]

USER = "lanchat"
# Debian's layout (/usr/lib/postgresql/VERSION/bin), newest first; else whatever is on PATH.
DEBIAN_ROOT = Path("/usr/lib/postgresql")
START_TIMEOUT_SECONDS = 60


def find_postgres_bin() -> Path | None:
    """The folder holding initdb and pg_ctl, or None when PostgreSQL is not installed."""
    if DEBIAN_ROOT.is_dir():
        versions = sorted(
            (folder for folder in DEBIAN_ROOT.iterdir() if (folder / "bin" / "initdb").exists()),
            key=lambda folder: int(folder.name) if folder.name.isdigit() else 0,
            reverse=True,
        )
        if versions:
            return versions[0] / "bin"
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class PostgresCluster:
    def __init__(self, bin_dir: Path, folder: Path, port: int, *, durable: bool = False) -> None:
        self.bin_dir = bin_dir
        self.durable = durable
        self.folder = folder
        self.data = folder / "data"
        self.log = folder / "postgres.log"
        self.port = port
        self._as_postgres = os.geteuid() == 0

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self._as_postgres else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, text=True, cwd=self.folder)

    def start(self) -> None:
        if self._as_postgres:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run(
            str(self.bin_dir / "initdb"),
            "-D", str(self.data),
            "-A", "trust",
            "-U", USER,
            "-E", "UTF8",
            "--locale", "C.UTF-8",
        )  # fmt: skip
        self.start_server()

    def start_server(self) -> None:
        """Start the server on the cluster made by `start` (again, after `stop`: a restart)."""
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        if not self.durable:
            # A test cluster: a crash may lose it whole, so no fsync (much faster on a shared disk).
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run(
            str(self.bin_dir / "pg_ctl"),
            "-D", str(self.data),
            "-o", options,
            "-l", str(self.log),
            "-t", str(START_TIMEOUT_SECONDS),
            "-w", "start",
        )  # fmt: skip

    def stop(self) -> None:
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A new empty database; its URL."""
        name = "t_" + uuid.uuid4().hex[:16]
        with psycopg.connect(self.url(), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.rpartition("/")[2]
        with psycopg.connect(self.url(), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def running_cluster(bin_dir: Path, *, durable: bool = False) -> Iterator[PostgresCluster]:
    """A cluster started in a new temporary folder, stopped and removed on exit; `durable` keeps
    the server's own settings for writes (fsync on), as a benchmark wants."""
    folder = Path(tempfile.mkdtemp(prefix="lanchat-pg-"))
    folder.chmod(0o700)
    cluster = PostgresCluster(bin_dir, folder, free_port(), durable=durable)
    try:
        try:
            cluster.start()
        except subprocess.CalledProcessError as exc:
            log = cluster.log.read_text(errors="replace") if cluster.log.exists() else ""
            raise RuntimeError(f"PostgreSQL did not start: {exc.cmd}\n{exc.stderr}\n{log}") from exc
        try:
            yield cluster
        finally:
            cluster.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
