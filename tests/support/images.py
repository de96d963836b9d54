"""Image bytes made on the spot: a real PNG, a JPEG turned by EXIF, a PNG that lies about its size."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

__all__ = ["jpeg_with_orientation", "png_bytes", "png_chunk", "png_claiming"]


def png_bytes(width: int, height: int) -> bytes:
    """A real PNG with a dotted pattern, so a scaled copy differs from a blank one."""
    image = Image.new("RGB", (width, height), (40, 120, 200))
    for x in range(0, width, 8):
        for y in range(0, height, 8):
            image.putpixel((x, y), (250, 200, 30))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a canvas of width x height (what a decompression bomb does)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\0" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", pixels)
        + png_chunk(b"IEND", b"")
    )


def jpeg_with_orientation(width: int, height: int, orientation: int) -> bytes:
    image = Image.new("RGB", (width, height), "red")
    exif = Image.Exif()
    exif[0x0112] = orientation
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()
