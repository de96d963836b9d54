"""The server's settings: one plain object, built once from defaults and flags, passed in."""

from __future__ import annotations

import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from server.files.store import UPLOAD_SWEEP_INTERVAL_SECONDS, FileLimits
from server.policy import (
    REQUEST_HEAD_TIMEOUT_SECONDS,
    ROOM_TOKEN_SECONDS,
    STATE_POLL_SECONDS,
    UPLOAD_BODY_IDLE_SECONDS,
)
from server.protocol.limits import EDIT_WINDOW_SECONDS
from server.rooms.private import PasswordHash
from server.storage.history import HistoryLimits

__all__ = ["ServerConfig", "default_data_dir", "default_ui_dir"]


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("lanchat", appauthor=False))


def default_ui_dir() -> Path:
    """The folder holding the built UI's index.html (it may not exist yet in a checkout)."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root is not None:
        # build.spec puts ui/dist at <bundle>/ui.
        return Path(frozen_root) / "ui"
    return Path(__file__).resolve().parent.parent / "ui" / "dist"


@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"  # loopback: hosting on the network is an explicit choice
    port: int = 8765  # 0 picks a free port
    data_dir: Path = field(default_factory=default_data_dir)
    # How much history is kept per room and in all, and the disk space always left free.
    history_limits: HistoryLimits = field(default_factory=HistoryLimits)
    # How large a file may be, how much the files take per room and in all, how long an untouched
    # upload is kept (server/files/quota.py).
    file_limits: FileLimits = field(default_factory=FileLimits)
    # How often the running host removes uploads untouched for file_limits.expiry_seconds.
    upload_sweep_seconds: float = UPLOAD_SWEEP_INTERVAL_SECONDS
    # How long after posting a sender may edit a message (0: edits are off).
    edit_window_seconds: float = EDIT_WINDOW_SECONDS
    # Keepalive: a member that answers no ping within ping_timeout is gone
    # (a sleeping laptop, a pulled cable) and is cleaned up.
    ping_interval: float = 20.0
    ping_timeout: float = 20.0
    # How long a request's line and headers may take to arrive (see http_guard.py).
    request_head_timeout: float = REQUEST_HEAD_TIMEOUT_SECONDS
    # How long an upload's PATCH body may pause (no byte arriving) before it is closed.
    upload_idle_timeout: float = UPLOAD_BODY_IDLE_SECONDS
    # Where the built UI is; None means "find it" (see default_ui_dir).
    ui_dir: Path | None = None
    # Discovery (server/peers/discovery.py); both also need LANCHAT_DISCOVERY not "off".
    announce: bool = False  # announce this host on the interfaces it listens on
    browse: bool = False  # keep a live list of hosts found, at GET /api/discovered
    # Hosts to list (when they answer) though no announcement of theirs is heard: (address, port).
    known_hosts: tuple[tuple[str, int], ...] = ()
    display_name: str = field(default_factory=socket.gethostname)  # what browsing peers show
    # Names besides IP literals, localhost and this machine's own names that requests may carry
    # in their Host header (a DNS name the user gave this machine); see hosts.py.
    allowed_hosts: tuple[str, ...] = ()
    # Private rooms from `lanchat serve --private-room`: (room, hash); the plain password is never kept.
    # Rooms the window makes private are kept in the data folder instead (private_rooms.py).
    private_rooms: tuple[tuple[str, PasswordHash], ...] = ()
    # How long a private or direct room's history token is good for (connected members get
    # fresh ones before it runs out: see ROOM_TOKEN_REFRESH_FRACTION).
    room_token_seconds: float = ROOM_TOKEN_SECONDS
    # TLS: the host's identity is made in the data folder, unless the host gives its own
    # certificate and key (an organisation's, which browsers trust). Peers on the network always
    # speak TLS, unless allow_plain_http lets browsers join without it (loopback is always plain).
    tls_cert: Path | None = None
    tls_key: Path | None = None
    allow_plain_http: bool = False
    # Where the history is kept: None for the SQLite file in data_dir (the default, nothing to
    # install); a postgresql:// URL for a database that several `lanchat serve` nodes share.
    database_url: str | None = field(default=None, repr=False)  # it may carry a password
    # Where the files' bytes go: None for `files/` in data_dir; a folder every node of a cluster
    # mounts (with database_url, their rows are in that database).
    files_dir: Path | None = None
    # How often a cluster node reads the host's decisions from the database though not told of a
    # change (it is told at once while its listening connection is up).
    state_poll_seconds: float = STATE_POLL_SECONDS
    # Reverse proxies (nginx in front of a cluster's nodes), by address or network: a connection
    # from one is the client its X-Forwarded-For names, over the scheme X-Forwarded-Proto names,
    # and is not held to one address's connection cap (see server/web/client_limits.py).
    trusted_proxies: tuple[str, ...] = ()
