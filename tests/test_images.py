"""Uploaded images are judged by decoding, limited in size, and stripped of EXIF."""

import io

import pytest
from PIL import Image

from asuh.errors import ValidationFailed
from asuh.images import clean_image


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), "red")
    exif = Image.Exif()
    exif[0x8825] = {2: (6.0, 7.0, 8.0), 1: "S"}  # GPSInfo
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_reencoded_without_exif():
    original = _jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif()
    clean = clean_image(original, field="photo", max_bytes=5_000_000)
    assert clean.content_type == "image/jpeg"
    assert not Image.open(io.BytesIO(clean.data)).getexif()
    assert (clean.width, clean.height) == (64, 48)


def test_non_image_named_jpg_is_refused():
    with pytest.raises(ValidationFailed, match="bukan gambar"):
        clean_image(b"%PDF-1.4 not a photo", field="photo", max_bytes=5_000_000)


def test_gif_is_refused():
    out = io.BytesIO()
    Image.new("P", (10, 10)).save(out, "GIF")
    with pytest.raises(ValidationFailed, match="JPEG, PNG atau WebP"):
        clean_image(out.getvalue(), field="photo", max_bytes=5_000_000)


def test_decompression_bomb_is_refused_before_decoding():
    out = io.BytesIO()
    Image.new("1", (10_000, 5_000)).save(out, "PNG")  # 50 megapixels, a few KB on disk
    data = out.getvalue()
    assert len(data) < 200_000
    with pytest.raises(ValidationFailed, match="terlalu besar"):
        clean_image(data, field="photo", max_bytes=5_000_000)


def test_oversized_file_is_refused():
    with pytest.raises(ValidationFailed, match="maksimal 5 MB"):
        clean_image(b"\xff" * 6_000_000, field="photo", max_bytes=5 * 1_048_576)


def test_large_photo_is_scaled_down():
    out = io.BytesIO()
    Image.new("RGB", (4000, 3000), "blue").save(out, "WEBP")
    clean = clean_image(out.getvalue(), field="photo", max_bytes=20_000_000)
    assert max(clean.width, clean.height) == 2000
    assert clean.content_type == "image/webp"
