"""Benchmark: what the server costs before it does anything, here and at an earlier commit.

Run by hand from the repository root (not part of the test suite):

    .venv/bin/python tests/bench/server_startup.py --before HEAD~1            # 11 runs of each
    .venv/bin/python tests/bench/server_startup.py --before HEAD~1 --runs 21

Two figures, each for this checkout and for `--before` (checked out in a temporary git worktree
and run with this venv), in alternating runs so that both see the same machine:

- importing `server.config`, which every process does first (the window, `lanchat serve`): the
  import's own seconds and CPU seconds, timed inside a fresh interpreter, and that process's peak
  RSS; a bare interpreter is the floor for the RSS;
- an idle `lanchat serve` (`python -m server --port 0`, a fresh data folder, discovery off):
  seconds from process start to its "serving at" line, its CPU seconds by then, and its RSS 1 s
  later.

The load average is printed before and after: the machine's other work moves the times (the CPU
seconds less so).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psutil
from serve_checkout import REPO_ROOT, Serve, temporary_checkout

# Runs in a fresh interpreter, from the checkout measured (so its `server` is the one imported).
IMPORT_PROBE = """
import json, resource, time
began, cpu_began = time.perf_counter(), time.process_time()
import server.config
seconds, cpu = time.perf_counter() - began, time.process_time() - cpu_began
peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_kib": peak_kib}))
"""
FLOOR_PROBE = """
import json, resource
peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": 0.0, "cpu": 0.0, "peak_kib": peak_kib}))
"""


def import_run(checkout: Path, probe: str) -> tuple[float, float, float]:
    """(seconds the import took, its CPU seconds, the process's peak RSS in MiB)."""
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=checkout, capture_output=True, text=True, check=True
    )
    facts = json.loads(out.stdout)
    return facts["seconds"], facts["cpu"], facts["peak_kib"] / 1024


def serve_run(checkout: Path, label: str) -> tuple[float, float, float]:
    """(seconds from start to serving, CPU seconds by then, RSS in MiB 1 s later) of an idle
    `lanchat serve`."""
    began = time.monotonic()
    with Serve(checkout, label) as server:
        seconds = time.monotonic() - began
        assert server.process is not None
        times = psutil.Process(server.process.pid).cpu_times()
        time.sleep(1.0)
        return seconds, times.user + times.system, server.rss_mib()


def spread(values: list[float], unit: str, digits: int) -> str:
    return (
        f"median {statistics.median(values):.{digits}f} {unit}"
        f" (min {min(values):.{digits}f}, max {max(values):.{digits}f})"
    )


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", required=True, metavar="REV", help="the earlier commit to compare with")
    parser.add_argument("--runs", type=int, default=11, help="measured runs of each (after one warm-up)")
    args = parser.parse_args()
    os.environ["LANCHAT_DISCOVERY"] = "off"  # a benchmark must not multicast on this machine's network
    os.environ.pop("PYTHONPATH", None)  # each checkout's own `server`, from its folder

    print(f"load average before: {load()}")
    with temporary_checkout(args.before) as before:
        checkouts = {f"before ({args.before})": before, "this checkout": REPO_ROOT}
        imports: dict[str, list[tuple[float, float, float]]] = {label: [] for label in checkouts}
        floor: list[tuple[float, float, float]] = []
        serves: dict[str, list[tuple[float, float, float]]] = {label: [] for label in checkouts}
        for label, checkout in checkouts.items():  # warm-up: file caches, bytecode
            import_run(checkout, IMPORT_PROBE)
            serve_run(checkout, label)
        for _ in range(args.runs):
            floor.append(import_run(REPO_ROOT, FLOOR_PROBE))
            for label, checkout in checkouts.items():
                imports[label].append(import_run(checkout, IMPORT_PROBE))
                serves[label].append(serve_run(checkout, label))
    print(f"load average after: {load()}")

    print(f"\nimport server.config, {args.runs} runs each:")
    print(f"  {'bare interpreter':24} peak RSS {spread([run[2] for run in floor], 'MiB', 1)}")
    for label, runs in imports.items():
        print(f"  {label:24} {spread([run[0] * 1000 for run in runs], 'ms', 0)}")
        print(f"  {'':24} CPU {spread([run[1] * 1000 for run in runs], 'ms', 0)}")
        print(f"  {'':24} peak RSS {spread([run[2] for run in runs], 'MiB', 1)}")
    print(f"\nidle `lanchat serve`, {args.runs} runs each:")
    for label, runs in serves.items():
        print(f"  {label:24} start to serving {spread([run[0] for run in runs], 's', 2)}")
        print(f"  {'':24} CPU by then {spread([run[1] for run in runs], 's', 2)}")
        print(f"  {'':24} RSS {spread([run[2] for run in runs], 'MiB', 1)}")


if __name__ == "__main__":
    main()
