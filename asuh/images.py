"""Checking uploaded images by decoding them, and re-encoding them without metadata.

The file name and the browser's content type are ignored: only Pillow decoding the bytes
decides what a file is. Re-encoding drops EXIF (GPS location of the family's house) and
anything hidden after the image data.
"""

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from asuh.errors import ValidationFailed

ALLOWED_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
DEFAULT_MAX_PIXELS = 40_000_000
MAX_STORED_SIDE = 2000


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    content_type: str
    width: int
    height: int


@dataclass(frozen=True)
class ImageHeader:
    format: str
    width: int
    height: int


def _invalid(field: str) -> ValidationFailed:
    return ValidationFailed({field: ["Berkas bukan gambar yang valid (JPEG, PNG atau WebP)."]})


def read_header(data: bytes, *, field: str, max_bytes: int,
                max_pixels: int = DEFAULT_MAX_PIXELS) -> ImageHeader:
    """Size, format and pixel count from the file's header alone, or ValidationFailed.

    Pillow's ``open`` is lazy: it reads the header and decodes no pixels, so a small file
    that expands to gigabytes of pixels (or a batch of forty 40 MP photos) is refused for
    the price of reading a few bytes each.
    """
    if not data:
        raise ValidationFailed({field: ["Berkas kosong."]})
    if len(data) > max_bytes:
        raise ValidationFailed({field: [
            f"Berkas terlalu besar ({len(data) / 1_048_576:.1f} MB); "
            f"maksimal {max_bytes / 1_048_576:.0f} MB."]})
    too_large = ValidationFailed({field: [
        f"Gambar terlalu besar; maksimal {max_pixels // 1_000_000} megapiksel."]})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                header = ImageHeader(image.format, image.width, image.height)
    except Image.DecompressionBombError as exc:
        raise too_large from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise _invalid(field) from exc
    if header.format not in ALLOWED_FORMATS:
        raise ValidationFailed({field: ["Foto harus berformat JPEG, PNG atau WebP."]})
    if header.width * header.height > max_pixels:
        raise ValidationFailed({field: [
            f"Gambar terlalu besar ({header.width}×{header.height} piksel); "
            f"maksimal {max_pixels // 1_000_000} megapiksel."]})
    return header


def clean_image(data: bytes, *, field: str, max_bytes: int,
                max_pixels: int = DEFAULT_MAX_PIXELS,
                max_side: int = MAX_STORED_SIDE) -> CleanImage:
    """Decode, check and re-encode an uploaded image, or raise ValidationFailed.

    The header is checked first (:func:`read_header`); only then are pixels decoded.
    """
    read_header(data, field=field, max_bytes=max_bytes, max_pixels=max_pixels)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # WeasyPrint sets Pillow's process-wide LOAD_TRUNCATED_IMAGES on import, after
            # which a damaged file would decode as padding; verify() still checks the
            # PNG's chunk checksums (a no-op for the other formats).
            Image.open(io.BytesIO(data)).verify()
            image = Image.open(io.BytesIO(data))
            if image.format not in ALLOWED_FORMATS or image.width * image.height > max_pixels:
                raise _invalid(field)
            if image.format == "JPEG":
                # JPEG decodes at 1/2, 1/4 or 1/8 scale for free when the stored copy
                # is smaller anyway: a 40 MP photo costs a fraction of its full decode.
                image.draft("RGB", (max_side, max_side))
            image.load()
    except ValidationFailed:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _invalid(field) from exc
    fmt = image.format
    image = ImageOps.exif_transpose(image)
    image.thumbnail((max_side, max_side))
    if fmt == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    out = io.BytesIO()
    save_options = {"JPEG": {"quality": 85, "optimize": True}, "PNG": {"optimize": True},
                    "WEBP": {"quality": 85}}[fmt]
    image.save(out, format=fmt, **save_options)
    return CleanImage(out.getvalue(), ALLOWED_FORMATS[fmt], image.width, image.height)
