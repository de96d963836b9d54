"""Previews of attached images (server/thumbnails.py): orientation, the pixel limit, what is no image."""

from __future__ import annotations

from PIL import Image

from server.files.thumbnails import MAX_IMAGE_PIXELS, THUMBNAIL_MAX_SIDE, inspect_image
from tests.support.images import jpeg_with_orientation, png_claiming


def test_a_photo_turned_by_exif_is_measured_and_thumbnailed_upright(tmp_path):
    source, thumb = tmp_path / "photo", tmp_path / "thumb.webp"
    source.write_bytes(jpeg_with_orientation(1600, 800, 6))  # 6: rotate 90 degrees to show
    facts = inspect_image(source, thumb)
    assert (facts.width, facts.height, facts.preview, facts.thumbnail) == (800, 1600, "image/jpeg", True)
    with Image.open(thumb) as made:
        assert made.format == "WEBP"
        assert made.size == (THUMBNAIL_MAX_SIDE // 2, THUMBNAIL_MAX_SIDE)


def test_a_thumbnail_is_made_once(tmp_path):
    source, thumb = tmp_path / "photo", tmp_path / "thumb.webp"
    source.write_bytes(jpeg_with_orientation(100, 50, 1))
    inspect_image(source, thumb)
    thumb.write_bytes(b"kept")
    inspect_image(source, thumb)
    assert thumb.read_bytes() == b"kept"


def test_a_png_claiming_more_pixels_than_the_limit_gets_no_preview_and_is_never_decoded(tmp_path):
    side = int(MAX_IMAGE_PIXELS**0.5) + 1
    source, thumb = tmp_path / "bomb.png", tmp_path / "thumb.webp"
    source.write_bytes(png_claiming(side, side))
    facts = inspect_image(source, thumb)
    assert (facts.preview, facts.width, facts.thumbnail) == (None, None, False)
    assert not thumb.exists()


def test_a_png_at_the_pixel_limit_is_previewed(tmp_path):
    source, thumb = tmp_path / "wide.png", tmp_path / "thumb.webp"
    Image.new("RGB", (MAX_IMAGE_PIXELS // 2000, 2000), "blue").save(source, "PNG")
    facts = inspect_image(source, thumb)
    assert facts.preview == "image/png"
    assert facts.width * facts.height == MAX_IMAGE_PIXELS


def test_svg_html_and_text_are_no_previews(tmp_path):
    for body in (
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b"<html>",
        b"hi",
    ):
        source = tmp_path / "file"
        source.write_bytes(body)
        assert inspect_image(source, tmp_path / "thumb.webp").preview is None


def test_a_truncated_image_gets_no_preview_and_no_error(tmp_path):
    source = tmp_path / "cut.jpg"
    source.write_bytes(jpeg_with_orientation(400, 300, 1)[:300])
    facts = inspect_image(source, tmp_path / "thumb.webp")
    assert facts.preview is None
