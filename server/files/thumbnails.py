"""Previews of attached images, made once when an upload is verified (Pillow, on a worker thread).

Only PNG, JPEG, GIF and WebP whose header Pillow reads are previews; anything else, SVG included
(a page that can run script), is a plain download. The pixel count is read from the header before
any pixel is decoded: past MAX_IMAGE_PIXELS (a small file can claim a 30,000 x 30,000 canvas and
decompress to gigabytes) the file is still attachable, as a download with no preview.

Pixels are weighed against bytes too: a 2 KB lossless WebP may claim 7,070 x 7,070 pixels (just
under the cap) and decoding it took a gigabyte. An image may decode to SMALL_IMAGE_PIXELS
whatever its size, and past that to PIXELS_PER_FILE_BYTE pixels for each byte of the file (a
photo has well under one pixel a byte, a flat screenshot some tens). Images are inspected one at
a time on their own thread (THUMBNAILS), and shrunk before they are turned upright.

Pillow is imported on the first image inspected, not with this module: the server's settings
import the file store and so this module, and a process that never sees an image (the window at
start-up, an idle host) should not load an imaging library.
"""

from __future__ import annotations

import logging
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image

__all__ = [
    "MAX_IMAGE_PIXELS",
    "PIXELS_PER_FILE_BYTE",
    "PREVIEW_TYPES",
    "SMALL_IMAGE_PIXELS",
    "THUMBNAILS",
    "THUMBNAIL_MAX_SIDE",
    "ImageFacts",
    "decode_budget",
    "inspect_image",
]

log = logging.getLogger("lanchat.files")

# 50 megapixels: a phone's or a camera's photo; decoding one takes about 200 MB at most.
MAX_IMAGE_PIXELS = 50_000_000
# Any image may decode to this many pixels (16 MiB as RGBA)...
SMALL_IMAGE_PIXELS = 4_000_000
# ...and a larger one to this many for each byte of its file: a 50-megapixel image needs a file of
# 50 KB at least (its photos are megabytes), so a tiny file cannot claim a huge canvas.
PIXELS_PER_FILE_BYTE = 1000
# Images are decoded one at a time, beside the uploads' own threads: three bombs at once once
# took 2.9 GB.
THUMBNAILS = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lanchat-thumbnails")
# The thumbnail fits this square (twice a timeline preview's CSS size, for high-density screens).
THUMBNAIL_MAX_SIDE = 640
THUMBNAIL_QUALITY = 80
PREVIEW_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
# EXIF orientations that swap width and height.
_TRANSPOSED = {5, 6, 7, 8}
_ORIENTATION_TAG = 0x0112


@dataclass(frozen=True, slots=True)
class ImageFacts:
    width: int | None = None
    height: int | None = None
    preview: str | None = None  # the image/* type it is served inline as
    thumbnail: bool = False


def inspect_image(path: Path, thumbnail_path: Path) -> ImageFacts:
    """Whether the file is a raster image we preview; its size as shown (EXIF orientation applied),
    and its thumbnail written to `thumbnail_path` (WebP). Never raises for a bad file."""
    from PIL import Image, UnidentifiedImageError  # here, not at the top: see the module's docstring

    # Pillow's own guard, at our limit (it warns at the limit and refuses at twice it).
    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                preview = PREVIEW_TYPES.get(image.format or "")
                if preview is None:
                    return ImageFacts()
                width, height = image.size
                if width * height > decode_budget(path.stat().st_size):
                    return ImageFacts()
                if image.getexif().get(_ORIENTATION_TAG) in _TRANSPOSED:
                    width, height = height, width
                if not thumbnail_path.exists():
                    _write_thumbnail(image, thumbnail_path)
                return ImageFacts(width, height, preview, True)
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        return ImageFacts()
    except (OSError, ValueError, SyntaxError) as exc:  # truncated or malformed pixel data
        log.info("no preview for %s: %s", path.name, exc)
        return ImageFacts()


def decode_budget(file_bytes: int) -> int:
    """The most pixels a file of `file_bytes` bytes may decode to for a preview."""
    return min(MAX_IMAGE_PIXELS, max(SMALL_IMAGE_PIXELS, PIXELS_PER_FILE_BYTE * file_bytes))


def _write_thumbnail(image: Image.Image, thumbnail_path: Path) -> None:
    from PIL import ImageOps

    # Shrink first, then turn upright: JPEG decodes at a fraction of its size (draft, in
    # thumbnail), and the rotation copies the small image, never the whole one.
    image.thumbnail((THUMBNAIL_MAX_SIDE, THUMBNAIL_MAX_SIDE))
    upright = ImageOps.exif_transpose(image)
    if upright.mode not in ("RGB", "RGBA"):
        upright = upright.convert("RGBA" if "transparency" in upright.info or "A" in upright.mode else "RGB")
    part = thumbnail_path.with_suffix(".part")
    upright.save(part, "WEBP", quality=THUMBNAIL_QUALITY)
    part.replace(thumbnail_path)
