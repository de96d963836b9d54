"""The connection doctor: which step of reaching another lanchat fails, checked from this machine.

A page's JavaScript cannot tell a refused port from a silent address or from a web server that is
not lanchat: the browser reports each as the same opaque network error, and CORS hides the rest.
The server next to the page can tell them apart, so the window asks it to walk the steps the page
takes: resolve the name, open a TCP connection, make the TLS handshake, check the host's key
against the fingerprint the page expects (when it knows one), GET /api/health, then open the room
socket as the page would (same Host, same Origin, its key checked again). The first step that
fails is the answer; after a changed identity nothing more is sent.

It answers only this machine's own pages (`may_diagnose`), runs one probe at a time and gives each
step a named timeout: it must not become a port scanner for the LAN or for a web page.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import socket
import ssl
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from server.peers.discovery import is_loopback_client
from server.peers.pinned_tls import IdentityChanged, checked_identity, pinned_socket_connection
from server.protocol.codes import ErrorCode
from server.tls.contexts import client_context
from server.tls.safety_code import fingerprint_in_link, safety_code

if TYPE_CHECKING:
    from starlette.requests import Request

__all__ = [
    "DOCTOR_HEADER",
    "ConnectionDoctor",
    "Diagnosis",
    "DoctorBusy",
    "ExpectedFrom",
    "Outcome",
    "Step",
    "may_diagnose",
    "parse_address",
]

# Each step's limit. A silent address costs CONNECT_TIMEOUT_SECONDS; the whole walk at most the sum.
RESOLVE_TIMEOUT_SECONDS = 3.0
CONNECT_TIMEOUT_SECONDS = 3.0
TLS_HANDSHAKE_TIMEOUT_SECONDS = 3.0
ANSWER_TIMEOUT_SECONDS = 3.0  # for the HTTP answer and for the WebSocket handshake
# lanchat's health answer is under 100 bytes; anything longer is read no further.
MAX_ANSWER_BYTES = 16 * 1024
# A page of another site cannot send this header without CORS's preflight, which only admits the
# local network's pages; and `may_diagnose` admits only this machine's. A plain GET (an <img>, a
# no-cors fetch carries no Origin at all) cannot start a probe, so no page can time one.
DOCTOR_HEADER = "x-lanchat-doctor"
# The room socket is opened at /ws/ with no room: lanchat checks the Origin first, then refuses the
# empty room name. The probe learns whether the page would be let in and joins no room.
PROBE_SOCKET_PATH = "/ws/"
# A DNS name is at most 253 characters written out (RFC 1035's 255 octets on the wire).
MAX_HOST_CHARS = 253
# RFC 6761: names under .invalid never resolve, and resolvers should say so without asking.
NEVER_RESOLVES = (".invalid",)
# OpenSSL's reasons for a first answer that is no TLS record at all: the port speaks something
# else (plain HTTP, SSH, an old lanchat).
NOT_TLS_REASONS = frozenset(
    {"WRONG_VERSION_NUMBER", "HTTP_REQUEST", "RECORD_LAYER_FAILURE", "PACKET_LENGTH_TOO_LONG"}
)
# ...and for a TLS server that will not speak TLS 1.3, which lanchat requires.
OLD_TLS_REASONS = frozenset(
    {
        "TLSV1_ALERT_PROTOCOL_VERSION",
        "UNSUPPORTED_PROTOCOL",
        "NO_PROTOCOLS_AVAILABLE",
        "TLSV1_ALERT_INSUFFICIENT_SECURITY",
    }
)


class Step(StrEnum):
    """The steps in the order the page takes them."""

    RESOLVE = "resolve"  # the name to addresses
    CONNECT = "connect"  # TCP to the port
    TLS = "tls"  # the TLS 1.3 handshake
    IDENTITY = "identity"  # the host's key against the fingerprint the page expects
    HEALTH = "health"  # GET /api/health: is it lanchat, which protocol
    PROTOCOL = "protocol"  # does it speak the page's protocol version
    UPGRADE = "upgrade"  # the room socket's WebSocket handshake, with the page's Origin


class Outcome(StrEnum):
    OK = "ok"
    NAME_UNRESOLVED = "name_unresolved"
    NO_ANSWER = "no_answer"  # the connection timed out: a firewall dropping it, or nobody there
    UNREACHABLE = "unreachable"  # no route: another network, a VPN
    REFUSED = "refused"  # nothing listens on that port
    NOT_TLS = "not_tls"  # something answers, but not with TLS (plain HTTP, another program)
    TLS_FAILED = "tls_failed"  # a TLS handshake that did not finish (not TLS 1.3, closed, silent)
    IDENTITY_CHANGED = "identity_changed"  # the host proved another key than the one expected
    NOT_LANCHAT = "not_lanchat"  # something answered, not lanchat's /api/health
    HOST_REFUSED = "host_refused"  # lanchat refused the name in the Host header (HTTP 421)
    PROTOCOL_UNSUPPORTED = "protocol_unsupported"  # it speaks an older protocol than the page
    UPGRADE_BLOCKED = "upgrade_blocked"  # lanchat answers HTTP, but the WebSocket never opens
    ORIGIN_REFUSED = "origin_refused"  # lanchat refused the page's Origin


class ExpectedFrom(StrEnum):
    """Where the key the host is held to came from: the page words a changed identity after it
    (a pin is a key the person trusted before; a link's or a list's was only ever claimed)."""

    PIN = "pin"  # the window's pin store: trusted before
    LINK = "link"  # a join link's #fp=
    LIST = "list"  # the host's discovery announcement, as listed


@dataclass(frozen=True)
class Diagnosis:
    address: str
    outcome: Outcome
    step: Step | None = None  # the step that failed; None when every step passed
    detail: str = ""  # for people who read logs: what exactly came back (English, technical)
    resolved: tuple[str, ...] = ()
    protocol: int | None = None  # what the host's /api/health says it speaks
    fingerprint: bytes | None = None  # the key the host presented in the handshake
    expected: bytes | None = None  # the key the page expected of it
    expected_from: ExpectedFrom | None = None  # where `expected` came from (None with no key)

    def as_json(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "outcome": self.outcome.value,
            "step": self.step.value if self.step else None,
            "detail": self.detail,
            "resolved": list(self.resolved),
            "protocol": self.protocol,
            "fingerprint": None if self.fingerprint is None else fingerprint_in_link(self.fingerprint),
            "safety_code": None if self.fingerprint is None else safety_code(self.fingerprint),
            "expected_safety_code": None if self.expected is None else safety_code(self.expected),
            "expected_from": None if self.expected is None else self.expected_from,
        }


class DoctorBusy(Exception):
    """Another probe is running: one at a time."""


def parse_address(text: str) -> tuple[str, int]:
    """("name", port) from "name:port" or "[v6]:port"; ValueError saying what is wrong."""
    text = text.strip()
    host, sep, port_text = text.rpartition(":")
    if not sep or not host:
        raise ValueError(f"the address must be HOST:PORT, not {text!r}")
    if not port_text.isascii() or not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise ValueError(f"the port must be a number from 1 to 65535, not {port_text!r}")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
        ipaddress.IPv6Address(host.split("%")[0])  # ValueError when it is not one
    elif ":" in host or len(host) > MAX_HOST_CHARS or not host.isascii() or any(c.isspace() for c in host):
        raise ValueError(f"{host!r} is not a host name or address")
    return host, int(port_text)


def may_diagnose(request: Request) -> bool:
    """Asked by this machine's own page or program, on purpose (see DOCTOR_HEADER)."""
    return request.headers.get(DOCTOR_HEADER) == "1" and is_loopback_client(request)


@dataclass
class ConnectionDoctor:
    """Walks the steps for one address at a time."""

    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def diagnose(
        self,
        address: str,
        origin: str,
        version: int,
        expected: bytes | None = None,
        expected_from: ExpectedFrom = ExpectedFrom.LINK,
    ) -> Diagnosis:
        """`address` as the page has it (HOST:PORT, already checked by `parse_address`), the
        page's Origin, the protocol version it speaks and the host's key it expects (its pin, a
        link's or a list's, as `expected_from` says; None when it knows none)."""
        if self._lock.locked():
            raise DoctorBusy
        async with self._lock:
            diagnosis = await _walk(address, origin, version, expected)
        return replace(diagnosis, expected_from=None if expected is None else expected_from)


async def _walk(address: str, origin: str, version: int, expected: bytes | None) -> Diagnosis:
    host, port = parse_address(address)
    host_header = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

    try:
        resolved = await _resolve(host, port)
    except (OSError, TimeoutError) as exc:
        return Diagnosis(address, Outcome.NAME_UNRESOLVED, Step.RESOLVE, _describe(exc))

    presented: bytes | None = None

    def failed(outcome: Outcome, step: Step, detail: str, protocol: int | None = None) -> Diagnosis:
        return Diagnosis(address, outcome, step, detail, tuple(resolved), protocol, presented, expected)

    try:
        connected = await _connect(resolved, port)
    except TimeoutError:
        seconds = CONNECT_TIMEOUT_SECONDS
        return failed(Outcome.NO_ANSWER, Step.CONNECT, f"no answer within {seconds:g} s")
    except ConnectionRefusedError as exc:
        return failed(Outcome.REFUSED, Step.CONNECT, _describe(exc))
    except OSError as exc:
        return failed(Outcome.UNREACHABLE, Step.CONNECT, _describe(exc))
    ip, sock = connected

    try:
        reader, writer = await _start_tls(sock)
    except (OSError, TimeoutError, EOFError) as exc:
        outcome, detail = _handshake_failure(exc)
        return failed(outcome, Step.TLS, detail)
    try:
        presented = checked_identity(writer.get_extra_info("ssl_object"), expected)
    except IdentityChanged as exc:
        presented = exc.presented
        writer.close()
        return failed(Outcome.IDENTITY_CHANGED, Step.IDENTITY, str(exc))
    except ssl.SSLError as exc:
        writer.close()
        return failed(Outcome.TLS_FAILED, Step.TLS, _describe(exc))

    try:
        status, headers, body = await _get_health(reader, writer, host_header)
    except (OSError, TimeoutError, ValueError) as exc:
        return failed(Outcome.NOT_LANCHAT, Step.HEALTH, _describe(exc))
    finally:
        writer.close()
    if status == 421:  # host_guard.MISDIRECTED_STATUS: lanchat, refusing the name
        return failed(Outcome.HOST_REFUSED, Step.HEALTH, f"HTTP 421 for Host: {host_header}")
    protocol = _lanchat_protocol(status, body)
    if protocol is None:
        server = headers.get("server", "")
        return failed(Outcome.NOT_LANCHAT, Step.HEALTH, f"HTTP {status} {server}".strip())
    if protocol < version:
        detail = f"it speaks protocol {protocol}, the page {version}"
        return failed(Outcome.PROTOCOL_UNSUPPORTED, Step.PROTOCOL, detail, protocol)

    # The socket is pinned to the key just seen: a second connection meeting another key is a
    # changed identity too (a proxy answering only some connections), and says nothing.
    outcome, detail = await _try_upgrade(ip, port, host_header, origin, version, presented)
    if outcome is Outcome.OK:
        return Diagnosis(address, Outcome.OK, None, detail, tuple(resolved), protocol, presented, expected)
    if outcome is Outcome.IDENTITY_CHANGED:
        return failed(outcome, Step.IDENTITY, detail, protocol)
    return failed(outcome, Step.UPGRADE, detail, protocol)


def _handshake_failure(exc: BaseException) -> tuple[Outcome, str]:
    """What a failed TLS handshake says of the port, in words for logs."""
    if isinstance(exc, TimeoutError):
        return Outcome.TLS_FAILED, f"no TLS handshake within {TLS_HANDSHAKE_TIMEOUT_SECONDS:g} s"
    reason = getattr(exc, "reason", None)
    if isinstance(exc, ssl.SSLError) and reason in NOT_TLS_REASONS:
        return Outcome.NOT_TLS, f"it answers, but not with TLS ({reason})"
    if isinstance(exc, ssl.SSLError) and reason in OLD_TLS_REASONS:
        return Outcome.TLS_FAILED, f"it refuses TLS 1.3 ({reason})"
    if isinstance(exc, (ConnectionResetError, EOFError, ssl.SSLEOFError, ssl.SSLZeroReturnError)):
        return Outcome.TLS_FAILED, f"it closed the connection during the TLS handshake ({_describe(exc)})"
    return Outcome.TLS_FAILED, f"the TLS handshake failed: {_describe(exc)}"


async def _resolve(host: str, port: int) -> list[str]:
    if host.lower().rstrip(".").endswith(NEVER_RESOLVES) or host.lower() == "invalid":
        raise socket.gaierror(socket.EAI_NONAME, f"{host} is a name that never resolves (RFC 6761)")
    loop = asyncio.get_running_loop()
    found = await asyncio.wait_for(
        loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), RESOLVE_TIMEOUT_SECONDS
    )
    resolved: list[str] = []
    for *_, sockaddr in found:
        if sockaddr[0] not in resolved:
            resolved.append(str(sockaddr[0]))
    return resolved


async def _connect(resolved: list[str], port: int) -> tuple[str, socket.socket]:
    """The first address that accepts, as a browser tries them; the last error otherwise. A bare
    socket: nothing is read from it before the TLS handshake (a server that speaks first, like
    SSH, is then named by the handshake)."""
    loop = asyncio.get_running_loop()

    async def first() -> tuple[str, socket.socket]:
        error: OSError = OSError("no address to connect to")
        for ip in resolved:
            sock = socket.socket(socket.AF_INET6 if ":" in ip else socket.AF_INET, socket.SOCK_STREAM)
            sock.setblocking(False)
            try:
                await loop.sock_connect(sock, (ip, port))
                return ip, sock
            except OSError as exc:
                sock.close()
                error = exc
            except BaseException:
                sock.close()
                raise
        raise error

    return await asyncio.wait_for(first(), CONNECT_TIMEOUT_SECONDS)


async def _start_tls(sock: socket.socket) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """The TLS 1.3 handshake on a connected socket; the socket is closed when it fails."""
    try:
        return await asyncio.wait_for(
            asyncio.open_connection(
                sock=sock,
                ssl=client_context(),
                server_hostname="",  # no name sent: the key is what is checked
                ssl_handshake_timeout=TLS_HANDSHAKE_TIMEOUT_SECONDS,
            ),
            TLS_HANDSHAKE_TIMEOUT_SECONDS + 1,
        )
    except BaseException:
        sock.close()
        raise


async def _get_health(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host_header: str
) -> tuple[int, dict[str, str], bytes]:
    request = (
        f"GET /api/health HTTP/1.1\r\nHost: {host_header}\r\nAccept: application/json\r\n"
        "Connection: close\r\n\r\n"
    )
    writer.write(request.encode("latin-1"))
    await writer.drain()
    answer = await asyncio.wait_for(_read_capped(reader), ANSWER_TIMEOUT_SECONDS)
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
        raise ValueError(f"answers, but not over HTTP: {answer[:40]!r}")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(parts[1]), headers, body


async def _read_capped(reader: asyncio.StreamReader) -> bytes:
    data = b""
    while len(data) < MAX_ANSWER_BYTES:
        chunk = await reader.read(MAX_ANSWER_BYTES - len(data))
        if not chunk:
            break
        data += chunk
    return data


def _lanchat_protocol(status: int, body: bytes) -> int | None:
    """The protocol version a lanchat /api/health answer names; None for anything else."""
    if status != 200:
        return None
    try:
        health = json.loads(body)
    except ValueError:
        return None
    if not isinstance(health, dict) or health.get("status") != "ok":
        return None
    protocol = health.get("protocol")
    return protocol if isinstance(protocol, int) and not isinstance(protocol, bool) else None


async def _try_upgrade(
    ip: str, port: int, host_header: str, origin: str, version: int, pinned: bytes
) -> tuple[Outcome, str]:
    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidStatus, WebSocketException

    uri = f"wss://{host_header}{PROBE_SOCKET_PATH}?v={version}"
    seen: list[bytes] = []
    try:
        async with connect(
            uri,
            host=ip,  # the address that answered, not a second lookup
            port=port,
            ssl=client_context(),
            server_hostname="",  # no name sent: the key is what is checked
            create_connection=pinned_socket_connection(pinned, seen),
            origin=origin,  # type: ignore[arg-type]  # a page's Origin, as the browser sends it
            open_timeout=ANSWER_TIMEOUT_SECONDS,
            proxy=None,
            compression=None,
            user_agent_header=None,
        ) as socket_:
            frame = await asyncio.wait_for(socket_.recv(), ANSWER_TIMEOUT_SECONDS)
    except InvalidStatus as exc:
        return Outcome.UPGRADE_BLOCKED, f"the upgrade got HTTP {exc.response.status_code}"
    except (WebSocketException, OSError, TimeoutError, EOFError) as exc:
        if seen and seen[0] != pinned:
            changed = IdentityChanged(pinned, seen[0])
            return Outcome.IDENTITY_CHANGED, f"on the room socket's connection: {changed}"
        # A handshake a proxy broke, or a close before lanchat's first frame.
        return Outcome.UPGRADE_BLOCKED, _describe(exc)
    code = None
    with contextlib.suppress(ValueError, AttributeError):
        code = json.loads(frame).get("code")
    if code == ErrorCode.ORIGIN_NOT_ALLOWED:
        return Outcome.ORIGIN_REFUSED, f"refused the Origin {origin}"
    return Outcome.OK, "the room socket opened"


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
