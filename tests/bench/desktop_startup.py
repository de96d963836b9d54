"""Benchmark: process start to UI ready in the lanchat window, against a bare pywebview window.

Run by hand from the repository root (not part of the test suite), with no display needed:

    .venv/bin/python tests/bench/desktop_startup.py            # 7 runs of each, about 1 minute
    .venv/bin/python tests/bench/desktop_startup.py --runs 3
    .venv/bin/python tests/bench/desktop_startup.py --frozen   # adds the frozen builds (make app app-onefile)
    .venv/bin/python tests/bench/desktop_startup.py --against ../old   # adds another checkout's lanchat

The floor is a bare pywebview window (Qt backend, same storage settings) showing a static page
from a string: the least any pywebview app can do. A second reference, "bare pywebview, built UI",
loads ui/dist/index.html through pywebview's own HTTP server (bottle), as lanchat's window does,
so the difference to lanchat is what lanchat adds: its modules, the JS bridge, settings, and its
server starting once the page has loaded (desktop/app.py). lanchat is the real app
(`desktop.app.run`, as the `lanchat` command runs it) with the built UI; "ready" means the page
has loaded, the JS bridge is in place and the Vue app has rendered into #app (with the placeholder
page, when ui/dist is not built, the page's first element). lanchat's API comes a little later:
its time to a first /api/health answer is printed as well. Runs alternate between the kinds; the
first run of each is a discarded warm-up (Qt WebEngine's first start on a machine is far slower).
With --frozen, the `lanchat` command from source, the frozen one-folder build (dist/lanchat) and
the one-file build (dist/onefile/lanchat) are measured too, all three the same way: from process
start to the app's own "UI loaded" log line (the window's loaded event, before Vue renders).
Memory is sampled 1 s after ready: the Python process's RSS, and the PSS summed over it and
Qt WebEngine's helper processes (PSS shares shared pages out fairly, so the sum does not overcount).
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

REPO_ROOT = Path(__file__).resolve().parents[2]
READY = "READY"
API_READY = "API READY"
STATIC_PAGE = "<!doctype html><html><head><title>floor</title></head><body><h1>floor</h1></body></html>"
RENDERED = (
    "document.querySelector('#app') ? document.querySelector('#app').childElementCount > 0"
    " : document.body.childElementCount > 0"
)


def child_bare(storage: Path) -> None:
    import webview

    window = webview.create_window("floor", html=STATIC_PAGE)

    def ready():
        window.events.loaded.wait()
        # The same check as for lanchat, so both pay for one evaluate_js round trip.
        while not window.evaluate_js(RENDERED):
            time.sleep(0.005)
        print(READY, flush=True)

    webview.start(ready, gui="qt", private_mode=False, storage_path=str(storage))


def child_bare_ui(storage: Path) -> None:
    import webview

    # pywebview serves a local file through its own small HTTP server (bottle).
    window = webview.create_window("floor", str(REPO_ROOT / "ui" / "dist" / "index.html"))

    def ready():
        window.events.loaded.wait()
        while not window.evaluate_js(RENDERED):
            time.sleep(0.005)
        print(READY, flush=True)

    webview.start(ready, gui="qt", private_mode=False, storage_path=str(storage), http_port=0)


def child_app(data: Path) -> None:
    sys.path.insert(0, str(REPO_ROOT))
    from desktop.app import DesktopOptions, run

    def ready(app):
        while not app.window.evaluate_js(RENDERED):
            time.sleep(0.005)
        print(READY, flush=True)
        # The UI is up; its server's API (FastAPI, imported once the page first calls it) follows.
        import urllib.request

        with urllib.request.urlopen(app.server.url + "api/health", timeout=30):
            print(API_READY, flush=True)

    sys.exit(run(DesktopOptions(data_dir=data / "data", config_dir=data / "config"), on_ready=ready))


# The `lanchat` command, run as a user runs it; ready when it logs that the window loaded the UI.
COMMANDS = {
    "source": [str(REPO_ROOT / ".venv" / "bin" / "lanchat")],
    "frozen": [str(REPO_ROOT / "dist" / "lanchat" / "lanchat")],
    "onefile": [str(REPO_ROOT / "dist" / "onefile" / "lanchat")],
}
UI_LOADED = "UI loaded"
# Set from --against: another checkout whose lanchat is measured side by side (before and after a change).
AGAINST: Path | None = None


def command_for(kind: str, folder: Path) -> tuple[list[str], str]:
    if kind in COMMANDS:
        return COMMANDS[kind] + [
            "--verbose",
            "--data",
            str(folder / "data"),
            "--config",
            str(folder / "config"),
        ], UI_LOADED
    if kind == "against":
        assert AGAINST is not None
        return [
            sys.executable,
            str(AGAINST / "tests" / "bench" / "desktop_startup.py"),
            "--child",
            "app",
            str(folder),
        ], READY
    return [sys.executable, __file__, "--child", kind, str(folder)], READY


def measure(kind: str, folder: Path) -> tuple[float, int, int, float | None]:
    """(seconds from process start to ready, Python RSS, PSS of the whole tree, seconds to the
    API answering or None) for one run."""
    env = {key: value for key, value in os.environ.items() if key not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["LANCHAT_DISCOVERY"] = "off"  # a benchmark must not multicast on this machine's network
    if os.geteuid() == 0:  # as the app does for itself (desktop/app.py); the floor needs it too
        env["QTWEBENGINE_CHROMIUM_FLAGS"] = "--no-sandbox"
    command, ready_mark = command_for(kind, folder)
    began = time.monotonic()
    proc = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if ready_mark == UI_LOADED else subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=REPO_ROOT,
    )
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if ready_mark in line:
                break
        else:
            raise RuntimeError(f"{kind} exited ({proc.wait()}) before it was ready")
        seconds = time.monotonic() - began
        api_seconds = None
        if kind == "app":
            for line in proc.stdout:
                if API_READY in line:
                    api_seconds = time.monotonic() - began
                    break
        time.sleep(1.0)
        main = psutil.Process(proc.pid)
        rss = main.memory_info().rss
        pss = sum(p.memory_full_info().pss for p in [main, *main.children(recursive=True)])
        return seconds, rss, pss, api_seconds
    finally:
        tree = psutil.Process(proc.pid).children(recursive=True)
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        for leftover in tree:
            if leftover.is_running():
                leftover.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="measured runs of each (after one warm-up)")
    parser.add_argument(
        "--frozen", action="store_true", help="also measure `lanchat` from source and the frozen builds"
    )
    parser.add_argument(
        "--against",
        type=Path,
        metavar="DIR",
        help="also measure lanchat from this checkout (an earlier commit), alternating with this one",
    )
    parser.add_argument("--child", choices=["bare", "bare-ui", "app"], help=argparse.SUPPRESS)
    parser.add_argument("folder", nargs="?", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "bare":
        child_bare(args.folder)
        return
    if args.child == "bare-ui":
        child_bare_ui(args.folder)
        return
    if args.child == "app":
        child_app(args.folder)
        return

    ui = (
        "built UI (ui/dist)"
        if (REPO_ROOT / "ui" / "dist" / "index.html").is_file()
        else "placeholder page (ui/dist not built)"
    )
    print(
        f"lanchat window startup, Qt offscreen, {args.runs} runs each after a warm-up; lanchat shows the {ui}"
    )
    kinds = ["bare", "app"]
    if args.against:
        global AGAINST
        AGAINST = args.against.resolve()
        kinds.insert(1, "against")
    if (REPO_ROOT / "ui" / "dist" / "index.html").is_file():
        kinds.insert(1, "bare-ui")
    if args.frozen:
        kinds += [kind for kind, command in COMMANDS.items() if Path(command[0]).exists()]
    results: dict[str, list[tuple[float, int, int]]] = {kind: [] for kind in kinds}
    with tempfile.TemporaryDirectory(prefix="lanchat-bench-") as scratch:
        folders = {kind: Path(scratch) / kind for kind in results}
        for kind in results:
            measure(kind, folders[kind])  # warm-up: first profile creation, cold caches
        for _ in range(args.runs):
            for kind in results:
                results[kind].append(measure(kind, folders[kind]))

    def median(kind: str, index: int) -> float:
        return statistics.median(run[index] for run in results[kind])

    mib = 1024 * 1024
    labels = {
        "bare": "bare pywebview, static page (floor)",
        "bare-ui": "bare pywebview, built UI",
        "against": "lanchat from --against",
        "app": "lanchat",
        "source": "`lanchat` from source (UI loaded)",
        "frozen": "frozen one-folder (UI loaded)",
        "onefile": "frozen one-file (UI loaded)",
    }
    for kind, label in labels.items():
        if kind not in results:
            continue
        times = ", ".join(f"{run[0]:.2f}" for run in results[kind])
        print(f"{label:38} median {median(kind, 0):.2f} s  [{times}]")
        print(
            f"{'':38} RSS {median(kind, 1) / mib:.0f} MiB (Python process),"
            f" PSS {median(kind, 2) / mib:.0f} MiB (with Qt WebEngine helpers)"
        )
        if kind == "app":
            api = ", ".join(f"{run[3]:.2f}" for run in results[kind])
            print(f"{'':38} its API answering: median {median(kind, 3):.2f} s  [{api}]")
    print(f"ratio lanchat / floor: {median('app', 0) / median('bare', 0):.2f} (target at most 1.30)")
    if "against" in results:
        print(f"ratio lanchat / lanchat from --against: {median('app', 0) / median('against', 0):.2f}")
    if "bare-ui" in results:
        print(
            f"ratio lanchat / bare pywebview with the built UI: {median('app', 0) / median('bare-ui', 0):.2f}"
        )
    for kind in ("source", "frozen", "onefile"):
        if kind in results:
            print(f"ratio {labels[kind].split(' (')[0]} / floor: {median(kind, 0) / median('bare', 0):.2f}")


if __name__ == "__main__":
    main()
