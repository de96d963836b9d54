"""Files saved from the window: "Save as..." and "Show in folder".

The page cannot write where the person wants, and a multi-GB file should not pass through it: the
window asks for a place with the system's save dialog, then a thread streams the file there from
the host, into `NAME.part` first, renamed when whole, so a cut download never looks finished. The
page polls `progress`. Only a host's file URL (http, under /api/files/) is fetched: the bridge is
no general downloader. A private room's file goes with the room's token in its header (Python has
no share of the page's cookies).

"Show in folder" asks the file manager to show the file selected (the freedesktop FileManager1
D-Bus interface, which Nautilus, Dolphin, Nemo, Caja and Thunar offer); without one it opens the
folder with xdg-open.
"""

from __future__ import annotations

import itertools
import logging
import os
import subprocess
import threading
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict
from urllib.parse import urlsplit

from server.protocol.limits import ROOM_TOKEN_HEADER

__all__ = ["DOWNLOAD_PIECE_BYTES", "DownloadProgress", "Downloads", "show_in_file_manager"]

log = logging.getLogger("lanchat.desktop")

DOWNLOAD_PIECE_BYTES = 1024 * 1024
DOWNLOAD_TIMEOUT_SECONDS = 30.0  # no byte for this long: the download has failed
FILE_MANAGER_TIMEOUT_SECONDS = 5.0


class DownloadProgress(TypedDict):
    received: int
    total: int | None
    done: bool
    error: str | None


class DownloadStarted(TypedDict):
    id: int
    path: str


@dataclass
class _Download:
    path: Path
    received: int = 0
    total: int | None = None
    done: bool = False
    error: str | None = None


def host_file_url(url: str) -> str:
    """`url` if it names a host's file, else ValueError: only those may be fetched."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname or not parts.path.startswith("/api/files/"):
        raise ValueError(f"not a lanchat file address: {url!r}")
    return url


def show_in_file_manager(path: Path, run: Callable[..., object] = subprocess.run) -> None:
    uri = path.resolve().as_uri()
    try:
        run(
            [
                "dbus-send",
                "--session",
                "--print-reply",
                "--dest=org.freedesktop.FileManager1",
                "/org/freedesktop/FileManager1",
                "org.freedesktop.FileManager1.ShowItems",
                f"array:string:{uri}",
                "string:",
            ],
            check=True,
            capture_output=True,
            timeout=FILE_MANAGER_TIMEOUT_SECONDS,
        )
    except (OSError, subprocess.SubprocessError) as error:
        log.info("no file manager answered on D-Bus (%s): opening the folder instead", error)
        run(["xdg-open", str(path.parent)], check=False, timeout=FILE_MANAGER_TIMEOUT_SECONDS)


class Downloads:
    def __init__(
        self,
        ask_path: Callable[[str], str | None],
        show: Callable[[Path], None] = show_in_file_manager,
    ) -> None:
        self._ask_path = ask_path  # the system's save dialog: a suggested name in, a path or None out
        self._show = show
        self._downloads: dict[int, _Download] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def start(self, url: str, name: str, token: str = "") -> DownloadStarted | None:
        """Ask where to save `name`, then fetch it there on a thread; None if the dialog was cancelled."""
        host_file_url(url)
        suggested = Path(str(name)).name
        chosen = self._ask_path(suggested if suggested not in ("", ".", "..") else "download")
        if not chosen:
            return None
        download = _Download(Path(chosen))
        with self._lock:
            download_id = next(self._ids)
            self._downloads[download_id] = download
        headers = {ROOM_TOKEN_HEADER: token} if token else {}
        threading.Thread(
            target=self._fetch, args=(download, url, headers), name="lanchat-download", daemon=True
        ).start()
        return {"id": download_id, "path": str(download.path)}

    def progress(self, download_id: int) -> DownloadProgress:
        download = self._downloads.get(int(download_id))
        if download is None:
            raise ValueError(f"no download {download_id}")
        return {
            "received": download.received,
            "total": download.total,
            "done": download.done,
            "error": download.error,
        }

    def show_in_folder(self, path: str) -> bool:
        """Show a file this window saved; any other path is refused (the page names no others)."""
        target = Path(path)
        if not any(download.path == target and download.done for download in self._downloads.values()):
            raise ValueError(f"this window saved no file at {path!r}")
        self._show(target)
        return True

    def _fetch(self, download: _Download, url: str, headers: dict[str, str]) -> None:
        part = download.path.with_name(download.path.name + ".part")
        try:
            request = urllib.request.Request(url, headers=headers)
            with (
                urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT_SECONDS) as response,
                part.open("wb") as out,
            ):
                length = response.headers.get("Content-Length")
                download.total = int(length) if length and length.isdigit() else None
                while piece := response.read(DOWNLOAD_PIECE_BYTES):
                    out.write(piece)
                    download.received += len(piece)
            if download.total is not None and download.received != download.total:
                raise OSError(f"the host sent {download.received} of {download.total} bytes")
            os.replace(part, download.path)
            download.done = True
        except Exception as error:
            log.warning("could not save %s to %s: %s", url, download.path, error)
            download.error = str(error)
            part.unlink(missing_ok=True)
