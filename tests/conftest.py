"""Shared test wiring: a skip is a failure under CI, and real `lanchat serve` processes on loopback."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from tests.lanchat_process import REPO_ROOT, ServeProcess

ARTIFACTS = REPO_ROOT / "test-artifacts"

# Nothing a test starts may multicast on this machine's real interfaces: discovery is off for every
# test and every process it starts (they inherit the environment). The namespace tests in
# tests/server/test_discovery_netns.py turn it on for processes inside their own namespaces only.
os.environ["LANCHAT_DISCOVERY"] = "off"


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
    """Start `lanchat serve` processes; each is stopped at the end of the test."""
    started: list[ServeProcess] = []

    def start(port: int = 0, data_dir: Path | None = None, extra_args: tuple[str, ...] = ()) -> ServeProcess:
        process = ServeProcess(data_dir or tmp_path / "data", port, extra_args).start()
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop(signal.SIGKILL)
