"""Runs the real desktop app and lets a test drive it over stdin/stdout, one JSON object a line.

Usage: python tests/support/app_driver.py --data DIR --config DIR

It calls `desktop.app.run` exactly as `lanchat` does, with an `on_ready` hook (pywebview's own test
suite works the same way: a function on a thread, given the window). Once the UI has loaded it
prints {"event": "ready", ...}; then for each command line it prints {"id": ..., "result": ...} or
{"id": ..., "error": ...}:

  {"id": 1, "op": "js", "code": "document.title"}        evaluate in the page
  {"id": 2, "op": "js_async", "code": "fetch('/').then(r => r.status)"}   wait for a Promise
  {"id": 3, "op": "title"}                                the window's title
  {"id": 4, "op": "clipboard"}                            the system clipboard's text
  {"id": 5, "op": "drop", "urls": [...]}                 drop links or files onto the page
  {"id": 6, "op": "unfocus"}                              another window takes the focus (the user looks away)
  {"id": 8, "op": "resize", "width": 400, "height": 760}  resize the window
  {"id": 9, "op": "save_dialog", "path": "/tmp/x"}      the system's save dialog answers this path
                                                          from now on (null: as if cancelled)
  {"id": 7, "op": "close"}                                close the window (as the user would)

End of input closes the window too.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from desktop.app import DesktopApp, DesktopOptions, run

JS_TIMEOUT_SECONDS = 20
_out_lock = threading.Lock()


def emit(message: dict) -> None:
    with _out_lock:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()


def evaluate_async(window, code: str):
    done = threading.Event()
    box = {}

    def resolved(value):
        box["value"] = value
        done.set()

    # pywebview hands a rejection to the callback like a value: tell them apart here.
    settled = (
        f"Promise.resolve(eval({json.dumps(code)})).then("
        "(value) => ({fulfilled: value === undefined ? null : value}), "
        "(error) => ({rejected: String((error && error.message) || error)}))"
    )
    window.evaluate_js(settled, resolved)
    if not done.wait(JS_TIMEOUT_SECONDS):
        raise TimeoutError(f"the promise did not settle in {JS_TIMEOUT_SECONDS} s: {code[:80]}")
    outcome = box["value"]
    if "rejected" in outcome:
        raise RuntimeError(f"rejected: {outcome['rejected']}")
    return outcome["fulfilled"]


def drop_urls(app: DesktopApp, urls: list[str]) -> bool:
    """What the OS sends when a user drags links or files onto the page and lets go: the page
    answers the drag's moves asynchronously, so the drop comes a moment later, as a hand's would."""
    from PyQt6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
    from PyQt6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
    from PyQt6.QtWidgets import QApplication

    view = app.window.native.webview
    target = view.focusProxy() or view
    mime = QMimeData()
    mime.setUrls([QUrl(url) for url in urls])
    where = QPoint(target.width() // 2, target.height() // 2)
    actions = Qt.DropAction.CopyAction | Qt.DropAction.LinkAction
    no_buttons, no_keys = Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier

    def drag() -> None:
        QApplication.sendEvent(target, QDragEnterEvent(where, actions, mime, no_buttons, no_keys))
        QApplication.sendEvent(target, QDragMoveEvent(where, actions, mime, no_buttons, no_keys))

    def drop() -> None:
        QApplication.sendEvent(target, QDropEvent(QPointF(where), actions, mime, no_buttons, no_keys))

    app.page_guard.on_gui_thread(drag)
    time.sleep(0.3)
    app.page_guard.on_gui_thread(drag)
    time.sleep(0.3)
    app.page_guard.on_gui_thread(drop)
    return True


def focus_elsewhere(app: DesktopApp) -> bool:
    """Show another top-level window and give it the focus, as switching to another program does."""
    from PyQt6.QtWidgets import QWidget

    def show_other() -> None:
        other = QWidget()
        other.resize(200, 100)
        other.show()
        other.raise_()
        other.activateWindow()
        app.window.__dict__["_test_other_window"] = other  # kept alive for the rest of the run

    app.page_guard.on_gui_thread(show_other)
    return True


def answer_save_dialog(app: DesktopApp, path: str | None) -> None:
    """Stand in for the system's save dialog (the true boundary: a person picks a place there).
    It records the name it was offered, as the real one shows it."""
    offered = app.window.__dict__.setdefault("_test_save_dialog_offers", [])

    def dialog(dialog_type=10, directory="", allow_multiple=False, save_filename="", file_types=()):
        offered.append({"type": int(dialog_type), "name": save_filename, "folder": directory})
        return None if path is None else (path,)

    app.window.create_file_dialog = dialog


def perform(app: DesktopApp, command: dict):
    window = app.window
    op = command["op"]
    if op == "js":
        return window.evaluate_js(command["code"])
    if op == "js_async":
        return evaluate_async(window, command["code"])
    if op == "title":
        return window.title
    if op == "save_dialog_offers":
        return window.__dict__.get("_test_save_dialog_offers", [])
    if op == "clipboard":
        return app.page_guard.clipboard_text()
    if op == "drop":
        return drop_urls(app, command["urls"])
    if op == "unfocus":
        return focus_elsewhere(app)
    if op == "resize":
        window.resize(command["width"], command["height"])
        return True
    if op == "save_dialog":
        answer_save_dialog(app, command["path"])
        return True
    if op == "close":
        window.destroy()
        return True
    raise ValueError(f"unknown op {op!r}")


def drive(app: DesktopApp) -> None:
    emit(
        {
            "event": "ready",
            "pid": os.getpid(),
            "url": app.server.url,
            "port": app.server.port,
            "seconds": time.monotonic() - app.started_at,
        }
    )
    for line in sys.stdin:
        if not line.strip():
            continue
        command = json.loads(line)
        try:
            emit({"id": command.get("id"), "result": perform(app, command)})
        except Exception as exc:  # reported to the test, which fails with it
            emit({"id": command.get("id"), "error": f"{type(exc).__name__}: {exc}"})
        if command["op"] == "close":
            return
    app.window.destroy()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--config", type=Path, required=True)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="lanchat: %(message)s", stream=sys.stderr)
    return run(DesktopOptions(data_dir=args.data, config_dir=args.config), on_ready=drive)


if __name__ == "__main__":
    sys.exit(main())
