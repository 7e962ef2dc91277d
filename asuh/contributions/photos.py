"""Proof photos: checked by decoding, stripped of EXIF, kept outside ``static/``.

A batch is judged cheapest first, and all of it before the write transaction begins
(issue 12: forty 40 MP photos decoded under the write lock froze every writer for 28 s):
the number of photos, then every file's header (size, format, pixel count: no pixels
decoded), then each decoded and re-encoded, and its thumbnail made. Only storing the
result holds the lock.

Files are kept by ``asuh.storage`` under ``photos/<random name>`` (the local store:
``UPLOAD_FOLDER/photos/``, as always) and served only through the access-checked photo
views. A file written in a transaction that then rolls back is gone with it (the
database store's row is never committed; the local store removes its file), so a
refused or failed submission leaves nothing behind.
"""

import hashlib
import secrets
from dataclasses import dataclass, field

from sqlalchemy import func, select

from asuh import storage
from asuh.audit import services as audit
from asuh.contributions import access, thumbnails
from asuh.contributions.models import PENDING, Contribution, ContributionPhoto
from asuh.errors import NotPermitted, ValidationFailed
from asuh.extensions import db
from asuh.images import CleanImage, clean_image, read_header
from asuh.transactions import use_case

MAX_PHOTO_BYTES = 10 * 1_048_576
MAX_PHOTO_PIXELS = 40_000_000
MAX_PHOTOS = 10
EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}
FOLDER = "photos"


def photo_key(photo: ContributionPhoto) -> str:
    return f"{FOLDER}/{photo.stored_name}"


def read_photo(photo: ContributionPhoto) -> bytes | None:
    """The photo's stored bytes (None if its file is missing). A read: no lock."""
    return storage.read(photo_key(photo))


@dataclass(frozen=True)
class ReadyPhoto:
    """A cleaned photo with its tile's thumbnail, both made before the write lock."""

    image: CleanImage
    thumbnail: bytes

    @classmethod
    def of(cls, image: "CleanImage | ReadyPhoto") -> "ReadyPhoto":
        return image if isinstance(image, ReadyPhoto) else cls(image,
                                                               thumbnails.make(image.data))


@dataclass(frozen=True)
class PhotoBatch:
    """Uploaded photos made ready before the write transaction: their clean images (with
    thumbnails), or the errors that refuse them all (one bad file refuses the batch)."""

    images: tuple[ReadyPhoto, ...] = ()
    errors: dict = field(default_factory=dict)
    received: int = 0

    def __bool__(self) -> bool:
        return self.received > 0


def too_many(field_name: str, existing: int, adding: int) -> ValidationFailed:
    return ValidationFailed({field_name: [
        f"Maksimal {MAX_PHOTOS} foto per penyaluran (sudah ada {existing}, "
        f"ditambah {adding})."]})


def prepare_photos(files, *, field_name: str = "photos", existing: int = 0) -> PhotoBatch:
    """Count, then every header, then decode: the dearer check only if the cheaper pass."""
    if isinstance(files, PhotoBatch):
        return files
    files = list(files or ())
    if not files:
        return PhotoBatch()
    try:
        if existing + len(files) > MAX_PHOTOS:
            raise too_many(field_name, existing, len(files))
        for data in files:
            read_header(data, field=field_name, max_bytes=MAX_PHOTO_BYTES,
                        max_pixels=MAX_PHOTO_PIXELS)
        images = tuple(ReadyPhoto.of(image) for image in clean_photos(files, field_name))
    except ValidationFailed as failure:
        return PhotoBatch(errors=failure.errors, received=len(files))
    return PhotoBatch(images, received=len(files))


def prepare_kwarg(name: str = "photo_files"):
    """A ``use_case(prepare=...)`` hook: the keyword argument ``name`` made a PhotoBatch
    before the act's transaction begins."""

    def prepare(args: tuple, kwargs: dict) -> tuple[tuple, dict]:
        if kwargs.get(name):
            kwargs = {**kwargs, name: prepare_photos(kwargs[name])}
        return args, kwargs

    return prepare


def clean_photos(files: list[bytes], field: str = "photos") -> list[CleanImage]:
    """Decode and re-encode every photo (no count or storage: see ``prepare_photos``)."""
    return [clean_image(data, field=field, max_bytes=MAX_PHOTO_BYTES,
                        max_pixels=MAX_PHOTO_PIXELS) for data in files]


def _existing_count(contribution_id: int) -> int:
    return db.session.scalar(select(func.count(ContributionPhoto.id)).where(
        ContributionPhoto.contribution_id == contribution_id)) or 0


def _write(ready: ReadyPhoto) -> str:
    name = secrets.token_hex(16) + EXTENSIONS[ready.image.content_type]
    storage.save(f"{FOLDER}/{name}", ready.image.data, ready.image.content_type)
    # The tile's small copy, stored with the photo (and gone with it on a rollback).
    thumbnails.save(name, ready.thumbnail)
    return name


def store_photos(contribution: Contribution, images: list, *,
                 actor) -> list[ContributionPhoto]:
    """Write cleaned images (``ReadyPhoto``s from ``prepare_photos``; a bare
    ``CleanImage`` gets its thumbnail made here) and their rows (no audit record: the
    caller writes one)."""
    # Counted again under the lock: another upload may have landed since the batch was
    # prepared.
    count = _existing_count(contribution.id)
    if count + len(images) > MAX_PHOTOS:
        raise too_many("photos", count, len(images))
    stored = []
    for ready in map(ReadyPhoto.of, images):
        image = ready.image
        photo = ContributionPhoto(
            contribution_id=contribution.id, stored_name=_write(ready),
            content_type=image.content_type, width=image.width, height=image.height,
            size_bytes=len(image.data), sha256=hashlib.sha256(image.data).hexdigest(),
            uploaded_by_id=actor.id if actor is not None else None)
        db.session.add(photo)
        stored.append(photo)
    db.session.flush()
    return stored


def _prepare_added(args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    """``add_photos``' files judged before its transaction, counting those already there
    (read without the lock, counted again under it when stored)."""
    contribution, files = (list(args) + [None, None])[:2]
    files = kwargs.pop("files", files)
    if files and not isinstance(files, PhotoBatch):
        files = prepare_photos(files, field_name=kwargs.get("field", "photos"),
                               existing=_existing_count(contribution.id))
    return (contribution, files), kwargs


@use_case(prepare=_prepare_added)
def add_photos(contribution: Contribution, files, *, actor,
               field: str = "photos") -> list[ContributionPhoto]:
    """More proof for a delivery that is still waiting for verification.

    ``files`` are bytes, or a ``PhotoBatch`` already prepared by the caller."""
    if actor is not None and not access.can_edit(actor, contribution):
        raise NotPermitted("Anda tidak dapat menambah foto pada penyaluran ini.")
    if contribution.status != PENDING:
        raise ValidationFailed({field: [
            f"Penyaluran ini sudah {contribution.status_label.lower()}; foto tidak dapat "
            "ditambahkan lagi."]}, status=409)
    if not files:
        raise ValidationFailed({field: ["Pilih minimal satu foto."]})
    batch = prepare_photos(files, field_name=field)
    if batch.errors:
        raise ValidationFailed(batch.errors)
    photos = store_photos(contribution, list(batch.images), actor=actor)
    audit.record("add_photos", "contribution", contribution.id, user=actor,
                 summary=f"{len(photos)} foto bukti ditambahkan ke penyaluran "
                         f"#{contribution.id}",
                 changes={"photos": [None, [p.id for p in photos]]})
    return photos
