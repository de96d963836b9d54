"""A small tus 1.0 client over httpx, for the files tests and the benchmark: what tus-js-client
does on the wire (create, HEAD, PATCH from the host's offset), and a raw PATCH that is cut off."""

from __future__ import annotations

import base64
import hashlib
import socket
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import httpx

__all__ = ["TUS", "TusUpload", "cut_patch", "metadata_header", "sha256_b64"]

TUS = {"Tus-Resumable": "1.0.0"}
OFFSET_TYPE = "application/offset+octet-stream"


def sha256_b64(data: bytes | Iterable[bytes]) -> str:
    hasher = hashlib.sha256()
    for chunk in [data] if isinstance(data, bytes) else data:
        hasher.update(chunk)
    return base64.b64encode(hasher.digest()).decode()


def metadata_header(**values: str) -> str:
    # tus: a key whose value is empty is sent alone.
    return ",".join(
        f"{key} {base64.b64encode(value.encode()).decode()}" if value else key
        for key, value in values.items()
    )


@dataclass
class TusUpload:
    client: httpx.Client
    location: str
    token: str | None = None

    @classmethod
    def create(
        cls,
        client: httpx.Client,
        room: str,
        length: int,
        sha256: str,
        name: str = "file.bin",
        file_type: str = "application/octet-stream",
        token: str | None = None,
    ) -> TusUpload:
        response = client.post(
            "/api/uploads", headers=create_headers(room, length, sha256, name, file_type, token)
        )
        assert response.status_code == 201, response.text
        return cls(client, response.headers["location"], token)

    def headers(self, **extra: str) -> dict[str, str]:
        token = {"X-Lanchat-Room-Token": self.token} if self.token else {}
        return {**TUS, **token, **extra}

    @property
    def upload_id(self) -> str:
        return self.location.rsplit("/", 1)[1]

    def offset(self) -> int:
        response = self.client.head(self.location, headers=self.headers())
        assert response.status_code == 200, response.status_code
        return int(response.headers["upload-offset"])

    def patch(self, offset: int, body: bytes | Iterator[bytes]) -> httpx.Response:
        headers = self.headers(**{"Upload-Offset": str(offset), "Content-Type": OFFSET_TYPE})
        return self.client.patch(self.location, headers=headers, content=body)


def create_headers(
    room: str, length: int, sha256: str, name: str, file_type: str, token: str | None = None
) -> dict[str, str]:
    headers = {
        **TUS,
        "Upload-Length": str(length),
        "Upload-Metadata": metadata_header(filename=name, filetype=file_type, room=room, sha256=sha256),
    }
    if token:
        headers["X-Lanchat-Room-Token"] = token
    return headers


def cut_patch(host: str, location: str, offset: int, declared: int, sent: bytes) -> None:
    """A PATCH that says `declared` bytes follow, sends `sent` (fewer) and then the connection is
    cut: what a dropped Wi-Fi or a sleeping laptop does mid-upload."""
    address, port = host.rsplit(":", 1)
    with socket.create_connection((address, int(port))) as conn:
        head = (
            f"PATCH {location} HTTP/1.1\r\nHost: {host}\r\nTus-Resumable: 1.0.0\r\n"
            f"Upload-Offset: {offset}\r\nContent-Type: {OFFSET_TYPE}\r\nContent-Length: {declared}\r\n\r\n"
        )
        conn.sendall(head.encode() + sent)
        # Closed (FIN) rather than reset, so every byte sent reaches the host: the test can say
        # exactly how many the resume must still send.
