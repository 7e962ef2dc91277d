"""Small copies of delivery photos for the photo tiles.

A tile is 10rem (160 CSS px) wide; the stored photo is up to 2000 px and ~300 KB, which a
phone on slow 3G downloads for six seconds per tile. A 480-px JPEG (sharp at 3× pixel
density) is ~20–40 KB. Made when a photo is stored and, for photos stored before
thumbnails existed (or whose thumbnail was lost), on first request. They live beside the
photos under ``UPLOAD_FOLDER/thumbnails/`` and are served only through the access-checked
photo views, exactly like the photo itself; they can always be made again from it.
"""

import io
import os
import secrets
from pathlib import Path

from flask import current_app
from PIL import Image, ImageOps

SIDE = 480
QUALITY = 75


def folder() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"]) / "thumbnails"


def path_for(stored_name: str) -> Path:
    return folder() / f"{Path(stored_name).stem}.jpg"


def make(data: bytes) -> bytes:
    """A JPEG no larger than SIDE on its long side. The input is a stored photo: already
    checked, re-encoded and stripped of metadata by ``images.clean_image``."""
    with Image.open(io.BytesIO(data)) as image:
        image = ImageOps.exif_transpose(image)
        image.thumbnail((SIDE, SIDE))
        if image.mode in ("RGBA", "LA", "P"):
            image = image.convert("RGBA")
            flat = Image.new("RGB", image.size, (255, 255, 255))
            flat.paste(image, mask=image.getchannel("A"))
            image = flat
        elif image.mode != "RGB":
            image = image.convert("RGB")
        out = io.BytesIO()
        image.save(out, "JPEG", quality=QUALITY, optimize=True, progressive=True)
        return out.getvalue()


def write(stored_name: str, data: bytes) -> Path:
    """Write the thumbnail of a photo (its stored bytes) under its stored name."""
    target = path_for(stored_name)
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
    partial.write_bytes(make(data))
    os.replace(partial, target)  # two requests making it at once: the last one wins, whole
    return target


def ensure(stored_name: str, original: Path) -> Path | None:
    """The thumbnail's path, made from the original now if missing; None without one."""
    target = path_for(stored_name)
    if target.is_file():
        return target
    if not original.is_file():
        return None
    return write(stored_name, original.read_bytes())
