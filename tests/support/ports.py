"""Ports on this machine: one nobody listens on, and the ones a process listens on."""

from __future__ import annotations

import socket

import psutil

__all__ = ["free_port", "listening_ports"]


def free_port(address: str = "127.0.0.1") -> int:
    """A port nobody listens on at `address` right now (the kernel's pick, so parallel tests each get
    their own); also what a test uses as a closed port."""
    with socket.socket() as probe:
        probe.bind((address, 0))
        return int(probe.getsockname()[1])


def listening_ports(pid: int) -> set[tuple[str, int]]:
    """(address, port) of every TCP socket the process listens on."""
    return {
        (conn.laddr.ip, conn.laddr.port)
        for conn in psutil.Process(pid).net_connections(kind="tcp")
        if conn.status == psutil.CONN_LISTEN
    }
