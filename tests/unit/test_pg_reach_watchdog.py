"""The store calls' watchdog (server/storage/pg_reach.py) shuts down sockets only: a descriptor that
is something else by the time it looks (libpq closed its socket, the number was reused) is left
alone, with no descriptor leaked and nothing raised in the thread that bounds every call."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from server.storage.pg_reach import _shut_down


def open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_a_descriptor_that_is_no_socket_is_left_alone_and_none_is_leaked(tmp_path: Path):
    path = tmp_path / "someone-elses.txt"
    path.write_text("still here")
    with path.open() as file:
        before = open_descriptors()
        _shut_down(file.fileno())
        assert open_descriptors() == before
        assert file.read() == "still here"


def test_a_socket_is_shut_down_and_stays_open_for_its_owner():
    ours, theirs = socket.socketpair()
    with ours, theirs:
        before = open_descriptors()
        _shut_down(ours.fileno())
        assert open_descriptors() == before
        assert theirs.recv(1) == b""  # the stream ended
        assert ours.fileno() >= 0  # the descriptor is still the owner's to close
