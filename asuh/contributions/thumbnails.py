"""Small copies of delivery photos for the photo tiles.

A tile is 10rem (160 CSS px) wide; the stored photo is up to 2000 px and ~300 KB, which a
phone on slow 3G downloads for six seconds per tile. A 480-px JPEG (sharp at 3× pixel
density) is ~20–40 KB. Made before a photo is stored (outside the write lock) and
stored with it; for photos stored before thumbnails existed (or whose thumbnail was
lost), made on first request. They are kept by ``asuh.storage`` under
``thumbnails/<photo stem>.jpg`` (the local store: ``UPLOAD_FOLDER/thumbnails/``) and
served only through the access-checked photo views, exactly like the photo itself; they
can always be made again from it.
"""

import io
from pathlib import PurePath

from PIL import Image, ImageOps

from asuh import storage

SIDE = 480
QUALITY = 75


FOLDER = "thumbnails"


def key_for(stored_name: str) -> str:
    return f"{FOLDER}/{PurePath(stored_name).stem}.jpg"


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


def save(stored_name: str, thumbnail: bytes) -> None:
    """Keep a photo's thumbnail (its bytes made by :func:`make`) under its stored name."""
    storage.save(key_for(stored_name), thumbnail, "image/jpeg")


def ensure(stored_name: str, original_key: str) -> bytes | None:
    """The thumbnail's bytes, made from the original now if missing; None without one.

    Made on a read (a GET), it is kept only where keeping it takes no database write
    lock (the local store); the database store makes it again each time, which happens
    only for a photo whose thumbnail was lost: every photo stored since gets one with it.
    """
    found = storage.read(key_for(stored_name))
    if found is not None:
        return found
    original = storage.read(original_key)
    if original is None:
        return None
    thumbnail = make(original)
    if storage.store().keeps_derived_on_read:
        save(stored_name, thumbnail)
    return thumbnail
