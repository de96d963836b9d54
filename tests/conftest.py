"""Shared test wiring: a skip is a failure under CI, the layer markers, and the real servers
(`lanchat serve` processes and the window's server thread) on loopback.

The helpers behind these fixtures live in tests/support/.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from server.storage.engines import open_history
from server.storage.history import HistoryLimits, HistoryStore
from tests.support.postgres import find_postgres_bin, running_cluster
from tests.support.server_process import serve_processes
from tests.support.server_thread import start_server_thread

# Nothing a test starts may multicast on this machine's real interfaces: discovery is off for every
# test and every process it starts (they inherit the environment). The namespace tests in
# tests/server/test_discovery_netns.py turn it on for processes inside their own namespaces only.
os.environ["LANCHAT_DISCOVERY"] = "off"

# The layer markers (pyproject.toml lists them). A folder that is one layer is marked here; a test
# that starts `lanchat serve` or the app through these fixtures is a `process` test; other modules
# say their layer in `pytestmark`.
FOLDER_MARKERS = {"e2e": ("browser", "process"), "frozen": ("process",)}
PROCESS_FIXTURES = {"serve_process", "module_serve_process", "launch_app", "session_bus"}
TESTS = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items):
    for item in items:
        folder = Path(item.path).relative_to(TESTS).parts[0]
        for name in FOLDER_MARKERS.get(folder, ()):
            item.add_marker(name)
        if PROCESS_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker("process")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    # On a user's machine a test may skip for lack of a browser or display; in CI the
    # machine is set up for everything, so a skip means something is broken.
    if os.environ.get("CI") and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"skipped under CI, which must run every test: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    report = outcome.get_result()
    # The same for a whole module skipped at import (pytest.importorskip at the top).
    if os.environ.get("CI") and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"skipped under CI, which must run every test: {report.longrepr}"


@pytest.fixture
def serve_process(tmp_path):
    """Start `lanchat serve` processes (`start(port=0, data_dir=None, extra_args=())`); each is
    stopped at the end of the test. Without a data_dir they share this test's data folder."""
    with serve_processes(lambda: tmp_path / "data") as start:
        yield start


@pytest.fixture(scope="module")
def module_serve_process(tmp_path_factory, request):
    """The same for servers a whole module shares (each start gets its own data folder unless
    given one); all are stopped after the module's last test."""
    name = request.module.__name__.rpartition(".")[2]
    with serve_processes(lambda: tmp_path_factory.mktemp(name) / "data") as start:
        yield start


@pytest.fixture
def server_args() -> tuple[str, ...]:
    """Extra `lanchat serve` arguments for the `server` fixture; a module overrides this fixture
    to serve with other options."""
    return ()


@pytest.fixture
def server(serve_process, server_args):
    """`lanchat serve` on an empty data folder, started with `server_args`."""
    return serve_process(extra_args=server_args)


@pytest.fixture(scope="session")
def postgres_cluster():
    """A real PostgreSQL (Debian's `postgresql` package) in a temporary folder, started once per
    test process (each xdist worker has its own) and stopped at its end. Without the package the
    tests that need it skip on a person's machine and fail under CI, which installs it."""
    bin_dir = find_postgres_bin()
    if bin_dir is None:
        reason = "PostgreSQL is not installed (Debian: apt-get install postgresql)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI installs it from .ci/apt-packages.txt", pytrace=False)
        pytest.skip(reason)
    with running_cluster(bin_dir) as cluster:
        yield cluster


@pytest.fixture
def postgres_url(postgres_cluster) -> Iterator[str]:
    """The URL of a new empty database, this test's alone; dropped at the end."""
    url = postgres_cluster.create_database()
    yield url
    postgres_cluster.drop_database(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def open_store(request, tmp_path) -> Iterator[Callable[..., HistoryStore]]:
    """Opens the history store on each engine in turn: `open_store(limits=None)`. Every call opens
    the same history again (the same SQLite folder, the same database), as a restart does; each
    store opened is closed at the end."""
    opened: list[HistoryStore] = []
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None

    def open_(limits: HistoryLimits | None = None) -> HistoryStore:
        store = open_history(tmp_path / "data", limits or HistoryLimits(), url)
        opened.append(store)
        return store

    yield open_
    for store in opened:
        store.close()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database_args(request) -> Iterator[tuple[str, ...]]:
    """`lanchat serve` arguments for each engine in turn: none (SQLite in the data folder), then
    `--database` with a database of this module's own. Ask for it before the servers, so they
    stop before their database goes."""
    if request.param == "sqlite":
        yield ()
        return
    cluster = request.getfixturevalue("postgres_cluster")
    url = cluster.create_database()
    yield ("--database", url)
    cluster.drop_database(url)


@pytest.fixture
def data_dir(tmp_path) -> Path:
    """The data folder of this test's server (not made yet: the server makes it)."""
    return tmp_path / "data"


@pytest.fixture
def server_thread(data_dir):
    """The window's in-process server on `data_dir`, stopped at the end of the test."""
    running = start_server_thread(data_dir)
    yield running
    running.stop()
