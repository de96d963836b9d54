"""The files' HTTP side: tus 1.0 uploads (core, creation, termination, expiration) under
/api/uploads, downloads and thumbnails under /api/files, and the cookie that opens a private
room's files. The rules (limits, hashing, storage) are server/files/'s, reached through its
FileStore; these handlers decode headers, check the Origin and the room's access, and turn
refusals into answers.

Our own rather than tuspyserver (PyPI): that one writes the chunks as they come but cannot hash
them on the way, and its hooks run after the bytes are accepted, not before.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import math
from collections.abc import AsyncIterator
from email.utils import formatdate
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.requests import ClientDisconnect

from server.addresses import is_loopback_host
from server.files.attachments import FILES_PATH, THUMBNAIL_SEGMENT
from server.files.index import Attachment, StoredUpload
from server.files.metadata import decode_sha256, validate_file_name, validate_file_type
from server.files.refusals import UploadRefused
from server.files.store import FileStore
from server.files.uploads import UploadWriter
from server.protocol.codes import ErrorCode
from server.protocol.limits import FILE_ACCESS_COOKIE_PREFIX, ROOM_TOKEN_HEADER
from server.protocol.refusals import Refused, http_status
from server.rooms.direct import is_direct_room
from server.rooms.validation import validate_room
from server.web.host_header import HostPolicy, host_name
from server.web.origin import validate_origin

if TYPE_CHECKING:
    from server.rooms.service import ChatRooms

__all__ = [
    "TUS_EXPOSED_HEADERS",
    "TUS_REQUEST_HEADERS",
    "UPLOADS_PATH",
    "file_cookie_name",
    "files_router",
    "is_streaming_upload",
]

UPLOADS_PATH = "/api/uploads"
TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,termination,expiration"
OFFSET_TYPE = "application/offset+octet-stream"
# For CORS: what a page from another lanchat on the network sends and must be able to read.
TUS_REQUEST_HEADERS = ["Tus-Resumable", "Upload-Length", "Upload-Metadata", "Upload-Offset", "Content-Type"]
TUS_EXPOSED_HEADERS = [
    "Location",
    "Tus-Resumable",
    "Tus-Version",
    "Tus-Extension",
    "Tus-Max-Size",
    "Upload-Offset",
    "Upload-Length",
    "Upload-Metadata",
    "Upload-Expires",
    "Content-Disposition",
    "Content-Range",
]
DOWNLOAD_CHUNK_BYTES = 1024 * 1024
# A PATCH asked to give way to a newer request for its upload ends after this long with no byte.
TAKEOVER_GRACE_SECONDS = 1.0
# How long a PATCH or HEAD waits for the upload's previous PATCH to end (FileStore.exclusive).
UPLOAD_LOCK_WAIT_SECONDS = 5.0


def is_streaming_upload(method: str, path: str) -> bool:
    """A request whose body may stream for minutes (server/runtime/http_guard.py lifts the head deadline)."""
    return method == "PATCH" and path.startswith(UPLOADS_PATH + "/")


def file_cookie_name(room: str, port: int) -> str:
    """One cookie per room (a browser may be in several private rooms), named by a hash of it, and
    per port: browsers send a host's cookies to every port of it, so another service (or another
    lanchat) on this machine would otherwise receive this one under /api/files/."""
    return f"{FILE_ACCESS_COOKIE_PREFIX}{port}_{hashlib.sha256(room.encode()).hexdigest()[:16]}"


def _server_port(request: Request) -> int:
    """The port the client addressed: its cookie jar is keyed by that, not by ours. The window
    reaches other hosts through a loopback gateway per host (desktop/gateway.py), whose ports all
    share one cookie jar with this machine's own server; the host's listener port would name two
    hosts' cookies alike. A client that writes another port in Host only names its own cookie."""
    _, colon, port = request.headers.get("host", "").rpartition(":")
    if colon and port.isdigit() and 0 < int(port) <= 65535:
        return int(port)
    server = request.scope.get("server")  # Host without a port: the listener's
    return int(server[1]) if server and server[1] is not None else 0


def parse_metadata(header: str | None) -> dict[str, str]:
    """tus Upload-Metadata: `key base64value` pairs separated by commas."""
    metadata: dict[str, str] = {}
    for pair in (header or "").split(","):
        pair = pair.strip()
        if not pair:
            continue
        key, _, value = pair.partition(" ")
        try:
            metadata[key] = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise UploadRefused(
                400, ErrorCode.UPLOAD_INVALID, f"Upload-Metadata {key!r} is not base64 of UTF-8 text."
            ) from None
    return metadata


def _header_int(request: Request, name: str) -> int:
    value = request.headers.get(name)
    if value is None or not value.isascii() or not value.isdigit() or len(value) > 19:
        raise UploadRefused(
            400, ErrorCode.UPLOAD_INVALID, f"The {name} header must be a whole number of bytes."
        )
    return int(value)


def _tus(extra: dict[str, str] | None = None) -> dict[str, str]:
    return {"Tus-Resumable": TUS_VERSION, "Cache-Control": "no-store", **(extra or {})}


def _refusal_response(refusal: Refused) -> JSONResponse:
    status = refusal.status if isinstance(refusal, UploadRefused) else http_status(refusal.code)
    body: dict[str, Any] = {"code": refusal.code, "detail": refusal.detail, **refusal.extra}
    headers = _tus({"Tus-Version": TUS_VERSION} if status == 412 else None)
    return JSONResponse({"detail": body}, status_code=status, headers=headers)


def _content_disposition(kind: str, name: str) -> str:
    """RFC 6266 with RFC 5987's filename* for the real name, and an ASCII stand-in for old clients."""
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\%' else "_" for c in name)
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


async def _body(request: Request, takeover: asyncio.Event) -> AsyncIterator[bytes]:
    """The request's body as it arrives, like Request.stream(), but ended (ClientDisconnect) when
    another request for the upload asks to take over: a resuming client comes back on a new
    connection while the old one, silent, may be held open for another minute."""
    wanted = asyncio.ensure_future(takeover.wait())
    try:
        while True:
            message = asyncio.ensure_future(request.receive())
            await asyncio.wait((message, wanted), return_when=asyncio.FIRST_COMPLETED)
            if not message.done():
                # Asked to let go: bytes still arriving (a live upload, or the last ones of a cut
                # connection) go on; a connection silent for the grace is given up.
                await asyncio.wait((message,), timeout=TAKEOVER_GRACE_SECONDS)
                if not message.done():
                    message.cancel()
                    raise ClientDisconnect()
            event = message.result()
            if event["type"] == "http.disconnect":
                raise ClientDisconnect()
            if event.get("body"):
                yield event["body"]
            if not event.get("more_body", False):
                return
    finally:
        wanted.cancel()


class FileDownload(FileResponse):
    """Starlette's FileResponse (ranges, HEAD, ETag) reading 1 MiB at a time: it hops to a worker
    thread for every read, and at its 64 KiB a GB download was 16,000 hops."""

    chunk_size = DOWNLOAD_CHUNK_BYTES


def _expires(store: FileStore, upload: StoredUpload) -> str:
    return formatdate(store.expires_at(upload), usegmt=True)


def files_router(hosts: HostPolicy) -> APIRouter:
    """The files' endpoints; `hosts` are the names whose pages may call them (origin.py)."""
    endpoints = _FileEndpoints(hosts)
    router = APIRouter(include_in_schema=False)
    upload_path = UPLOADS_PATH + "/{upload_id}"
    router.add_api_route(UPLOADS_PATH, endpoints.tus_options, methods=["OPTIONS"])
    router.add_api_route(UPLOADS_PATH, endpoints.create_upload, methods=["POST"])
    router.add_api_route(upload_path, endpoints.upload_offset, methods=["HEAD"])
    router.add_api_route(upload_path, endpoints.upload_bytes, methods=["PATCH"])
    router.add_api_route(upload_path, endpoints.cancel_upload, methods=["DELETE"])
    router.add_api_route("/api/rooms/{room}/access", endpoints.room_file_access, methods=["POST"])
    router.add_api_route(
        FILES_PATH + "{attachment_id}/" + THUMBNAIL_SEGMENT,
        endpoints.thumbnail,
        methods=["GET"],
        response_model=None,
    )
    router.add_api_route(
        FILES_PATH + "{attachment_id}/{name:path}",
        endpoints.download,
        methods=["GET", "HEAD"],
        response_model=None,
    )
    return router


def _rooms_of(request: Request) -> ChatRooms:
    rooms: ChatRooms = request.app.state.rooms
    return rooms


def _files_of(request: Request) -> FileStore:
    files: FileStore = request.app.state.files
    return files


def _upload_for(request: Request, upload_id: str) -> StoredUpload:
    """The upload, if the request may touch it: the room's token for a private room."""
    upload = _files_of(request).upload(upload_id)
    if upload is None:
        raise UploadRefused(
            404,
            ErrorCode.UPLOAD_NOT_FOUND,
            "No such upload: it was finished, cancelled, expired or failed.",
        )
    _rooms_of(request).require_access(upload.room, request.headers.get(ROOM_TOKEN_HEADER))
    return upload


def _create_from_headers(request: Request) -> StoredUpload:
    """A tus creation: its length and metadata decoded and checked (in this order, which decides
    the refusal a request with several faults gets), then the upload, or Refused."""
    length = _header_int(request, "Upload-Length")
    metadata = parse_metadata(request.headers.get("upload-metadata"))
    room = metadata.get("room", "")
    validate_room(room)
    _rooms_of(request).require_access(room, request.headers.get(ROOM_TOKEN_HEADER))
    name = validate_file_name(metadata.get("filename", metadata.get("name", "")))
    file_type = validate_file_type(metadata.get("filetype", metadata.get("type", "")))
    sha256 = decode_sha256(metadata.get("sha256"))
    address = request.client.host if request.client else None
    return _files_of(request).create_upload(room, length, name, file_type, sha256, address)


def _patch_offset(request: Request) -> int:
    """A PATCH's Upload-Offset, once its Content-Type is tus's."""
    if request.headers.get("content-type", "").partition(";")[0].strip() != OFFSET_TYPE:
        raise UploadRefused(415, ErrorCode.UPLOAD_INVALID, f"A PATCH's Content-Type must be {OFFSET_TYPE}.")
    return _header_int(request, "Upload-Offset")


def _refuse_unless_fits(request: Request, upload: StoredUpload, writer: UploadWriter, offset: int) -> None:
    """The PATCH starts where the host's bytes end, and its declared length stays in the upload."""
    if offset != writer.offset:
        raise UploadRefused(
            409,
            ErrorCode.OFFSET_MISMATCH,
            f"The host has {writer.offset} bytes of this upload, not {offset}: ask with HEAD.",
            offset=writer.offset,
        )
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and offset + int(declared) > upload.length:
        raise UploadRefused(
            400,
            ErrorCode.UPLOAD_TOO_LONG,
            f"The upload has {upload.length} bytes; this sends more.",
        )


async def _receive(request: Request, writer: UploadWriter, takeover: asyncio.Event) -> bool:
    """The PATCH's body written; False when the client went (or gave way) first."""
    try:
        async for chunk in _body(request, takeover):
            await writer.write(chunk)
    except ClientDisconnect:
        await writer.flush()  # what arrived counts: the client resumes after it
        return False
    except UploadRefused:
        await writer.flush()
        raise
    return True


async def _settled(files: FileStore, upload: StoredUpload) -> StoredUpload | None:
    """The upload once a running PATCH settled (a silent one is asked to end now): that PATCH may
    have finished it, or failed it (None)."""
    await files.writer(upload)  # loads its offset (after a restart, by hashing the part file)
    try:
        async with files.exclusive(upload, UPLOAD_LOCK_WAIT_SECONDS):
            pass
    except UploadRefused as refusal:
        if refusal.code not in (ErrorCode.OFFSET_MISMATCH, ErrorCode.UPLOAD_NOT_FOUND):
            raise
        # Another node of a cluster finished or removed it meanwhile: its row says which.
    return files.upload(upload.id)


def _bodiless(refusal: Refused) -> Response:
    """A refusal's status alone: a HEAD has no body."""
    return Response(status_code=_refusal_response(refusal).status_code, headers=_tus())


def _served(attachment: Attachment, path: Path, media_type: str, disposition: str) -> FileResponse:
    return FileDownload(
        path,
        media_type=media_type,
        headers={
            "Content-Disposition": _content_disposition(disposition, attachment.name),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox; default-src 'none'",
            "Cache-Control": "private, max-age=31536000, immutable",
            "ETag": f'"{attachment.sha256}"',
        },
    )


class _FileEndpoints:
    """The handlers: each decodes, asks FileStore or ChatRooms, and turns a refusal into an answer."""

    def __init__(self, hosts: HostPolicy) -> None:
        self._hosts = hosts

    def _check_origin(self, request: Request) -> None:
        validate_origin(request.headers.get("origin"), request.headers.get("host"), self._hosts)

    def _check_tus(self, request: Request) -> None:
        self._check_origin(request)
        if request.headers.get("tus-resumable") != TUS_VERSION:
            raise UploadRefused(
                412, ErrorCode.UPLOAD_INVALID, f"This host speaks tus {TUS_VERSION} (Tus-Resumable header)."
            )

    async def tus_options(self, request: Request) -> Response:
        max_size = str(_files_of(request).limits.file_bytes)
        headers = {"Tus-Version": TUS_VERSION, "Tus-Extension": TUS_EXTENSIONS, "Tus-Max-Size": max_size}
        return Response(status_code=204, headers=_tus(headers))

    async def create_upload(self, request: Request) -> Response:
        try:
            self._check_tus(request)
            upload = _create_from_headers(request)
        except Refused as refusal:
            return _refusal_response(refusal)
        location = f"{UPLOADS_PATH}/{upload.id}"
        expires = _expires(_files_of(request), upload)
        headers = {"Location": location, "Upload-Offset": "0", "Upload-Expires": expires}
        return Response(status_code=201, headers=_tus(headers))

    async def upload_offset(self, request: Request, upload_id: str) -> Response:
        try:
            self._check_tus(request)
            upload = _upload_for(request, upload_id)
        except Refused as refusal:
            return _bodiless(refusal)
        files = _files_of(request)
        if not upload.complete:
            try:
                settled = await _settled(files, upload)
            except Refused as refusal:
                return _bodiless(refusal)
            if settled is None:
                return Response(status_code=404, headers=_tus())
            upload = settled
        headers = {
            "Upload-Offset": str(await files.offset(upload)),
            "Upload-Length": str(upload.length),
            "Upload-Expires": _expires(files, upload),
        }
        return Response(status_code=200, headers=_tus(headers))

    async def upload_bytes(self, request: Request, upload_id: str) -> Response:
        files = _files_of(request)
        try:
            self._check_tus(request)
            offset = _patch_offset(request)
            upload = _upload_for(request, upload_id)
            if upload.complete:
                raise UploadRefused(
                    409, ErrorCode.OFFSET_MISMATCH, "The upload is complete already.", offset=upload.length
                )
            writer = await files.writer(upload)
            async with files.exclusive(upload, UPLOAD_LOCK_WAIT_SECONDS) as takeover:
                _refuse_unless_fits(request, upload, writer, offset)
                if not await _receive(request, writer, takeover):
                    return Response(status_code=204, headers=_tus({"Upload-Offset": str(writer.offset)}))
                upload = await writer.finish_if_complete()
        except Refused as refusal:
            response = _refusal_response(refusal)
            # Refused before the body was all read: uvicorn would read and drop the rest (up to a
            # GB) to keep the connection; closing it stops the client sending.
            response.headers["Connection"] = "close"
            return response
        # The row as this request left it: its expiry moved if bytes arrived.
        fresh = files.upload(upload.id) or upload
        headers = {"Upload-Offset": str(writer.offset), "Upload-Expires": _expires(files, fresh)}
        return Response(status_code=204, headers=_tus(headers))

    async def cancel_upload(self, request: Request, upload_id: str) -> Response:
        try:
            self._check_tus(request)
            upload = _upload_for(request, upload_id)
            files = _files_of(request)
            if not upload.complete:  # a PATCH still sending is asked to stop first
                async with files.exclusive(upload, UPLOAD_LOCK_WAIT_SECONDS):
                    pass
            files.terminate(upload.id)
        except Refused as refusal:
            return _refusal_response(refusal)
        return Response(status_code=204, headers=_tus())

    async def room_file_access(self, request: Request, room: str) -> Response:
        """The room token (header) as an HttpOnly cookie for /api/files/: <img> cannot send headers."""
        token = request.headers.get(ROOM_TOKEN_HEADER)
        try:
            self._check_origin(request)
            validate_room(room)
            if not token:
                raise Refused(
                    ErrorCode.DIRECT_FORBIDDEN if is_direct_room(room) else ErrorCode.PASSWORD_REQUIRED,
                    f"Send the room's token in {ROOM_TOKEN_HEADER}.",
                )
            _rooms_of(request).require_access(room, token)
        except Refused as refusal:
            return _refusal_response(refusal)
        response = Response(status_code=204)
        response.set_cookie(
            file_cookie_name(room, _server_port(request)),
            token,
            max_age=math.ceil(_rooms_of(request).private.token_seconds),
            path=FILES_PATH,
            httponly=True,
            samesite="strict",
            # Over https, never sent back over plain http (a host may let browsers in that way, and
            # a typed address is plain until redirected). Not for a page on loopback: that is a
            # window's page reaching this host through its pinned gateway (plain on loopback, TLS
            # beyond), and a plain loopback origin would never send a Secure cookie back.
            secure=request.url.scheme == "https"
            and not is_loopback_host(host_name(request.headers.get("host"))),
        )
        return response

    def _attachment_for(self, request: Request, attachment_id: str) -> Attachment:
        """The attachment, if the request may read it: the room's token (header or cookie)."""
        self._check_origin(request)
        attachment = _files_of(request).attachment(attachment_id)
        if attachment is None:
            raise UploadRefused(
                404, ErrorCode.FILE_NOT_FOUND, "No file has that id (or its message was deleted)."
            )
        token = request.headers.get(ROOM_TOKEN_HEADER) or request.cookies.get(
            file_cookie_name(attachment.room, _server_port(request))
        )
        _rooms_of(request).require_access(attachment.room, token)
        return attachment

    async def thumbnail(self, request: Request, attachment_id: str) -> Response:
        try:
            attachment = self._attachment_for(request, attachment_id)
            path = _files_of(request).thumbnail_path(attachment.sha256)
            if not attachment.thumbnail or not path.is_file():
                raise UploadRefused(404, ErrorCode.FILE_NOT_FOUND, "This file has no thumbnail.")
        except Refused as refusal:
            return _refusal_response(refusal)
        return _served(attachment, path, "image/webp", "inline")

    async def download(self, request: Request, attachment_id: str, name: str) -> Response:
        try:
            attachment = self._attachment_for(request, attachment_id)
        except Refused as refusal:
            return _refusal_response(refusal)
        path = _files_of(request).content_path(attachment.sha256)
        # Only raster images we could decode are shown inline (as their real type); everything else,
        # HTML and SVG included, is octets to save, never a page.
        if attachment.preview is not None:
            return _served(attachment, path, attachment.preview, "inline")
        return _served(attachment, path, "application/octet-stream", "attachment")


def _addressed_to_loopback(request: Request) -> bool:
    return is_loopback_host(host_name(request.headers.get("host")))
