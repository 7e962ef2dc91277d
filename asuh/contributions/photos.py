"""Proof photos: checked by decoding, stripped of EXIF, kept outside ``static/``.

Files live in ``UPLOAD_FOLDER/photos/`` under random names and are served only through
the access-checked photo views. A file written in a transaction that then rolls back
is removed again, so a refused or failed submission leaves nothing behind on disk.
"""

import hashlib
import os
import secrets
from pathlib import Path

from flask import current_app
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from asuh.audit import services as audit
from asuh.contributions import access, thumbnails
from asuh.contributions.models import PENDING, Contribution, ContributionPhoto
from asuh.errors import NotPermitted, ValidationFailed
from asuh.extensions import db
from asuh.images import CleanImage, clean_image
from asuh.transactions import use_case

MAX_PHOTO_BYTES = 10 * 1_048_576
MAX_PHOTO_PIXELS = 40_000_000
MAX_PHOTOS = 10
EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}
_WRITTEN = "asuh_contribution_photos_written"


def photo_folder() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"]) / "photos"


def photo_path(photo: ContributionPhoto) -> Path:
    return photo_folder() / photo.stored_name


def clean_photos(files: list[bytes], field: str = "photos") -> list[CleanImage]:
    """Check every photo before anything is stored, so one bad file refuses them all."""
    return [clean_image(data, field=field, max_bytes=MAX_PHOTO_BYTES,
                        max_pixels=MAX_PHOTO_PIXELS) for data in files]


def _write(image: CleanImage) -> str:
    folder = photo_folder()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    name = secrets.token_hex(16) + EXTENSIONS[image.content_type]
    temporary = folder / f".{name}.part"
    temporary.write_bytes(image.data)
    os.replace(temporary, folder / name)
    db.session.info.setdefault(_WRITTEN, []).append(folder / name)
    # The tile's small copy, made now (the bytes are at hand); removed with the photo on a
    # rollback.
    db.session.info[_WRITTEN].append(thumbnails.write(name, image.data))
    return name


def store_photos(contribution: Contribution, images: list[CleanImage], *,
                 actor) -> list[ContributionPhoto]:
    """Write cleaned images and their rows (no audit record: the caller writes one)."""
    count = db.session.scalar(select(func.count(ContributionPhoto.id)).where(
        ContributionPhoto.contribution_id == contribution.id)) or 0
    if count + len(images) > MAX_PHOTOS:
        raise ValidationFailed({"photos": [
            f"Maksimal {MAX_PHOTOS} foto per penyaluran (sudah ada {count})."]})
    stored = []
    for image in images:
        photo = ContributionPhoto(
            contribution_id=contribution.id, stored_name=_write(image),
            content_type=image.content_type, width=image.width, height=image.height,
            size_bytes=len(image.data), sha256=hashlib.sha256(image.data).hexdigest(),
            uploaded_by_id=actor.id if actor is not None else None)
        db.session.add(photo)
        stored.append(photo)
    db.session.flush()
    return stored


@use_case
def add_photos(contribution: Contribution, files: list[bytes], *, actor,
               field: str = "photos") -> list[ContributionPhoto]:
    """More proof for a delivery that is still waiting for verification."""
    if actor is not None and not access.can_edit(actor, contribution):
        raise NotPermitted("Anda tidak dapat menambah foto pada penyaluran ini.")
    if contribution.status != PENDING:
        raise ValidationFailed({field: [
            f"Penyaluran ini sudah {contribution.status_label.lower()}; foto tidak dapat "
            "ditambahkan lagi."]}, status=409)
    if not files:
        raise ValidationFailed({field: ["Pilih minimal satu foto."]})
    photos = store_photos(contribution, clean_photos(files, field), actor=actor)
    audit.record("add_photos", "contribution", contribution.id, user=actor,
                 summary=f"{len(photos)} foto bukti ditambahkan ke penyaluran "
                         f"#{contribution.id}",
                 changes={"photos": [None, [p.id for p in photos]]})
    return photos


@event.listens_for(Session, "after_commit")
def _keep_written(session) -> None:
    session.info.pop(_WRITTEN, None)


@event.listens_for(Session, "after_rollback")
def _remove_written(session) -> None:
    for path in session.info.pop(_WRITTEN, []):
        Path(path).unlink(missing_ok=True)
