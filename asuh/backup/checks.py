"""What a restore proves before it says "done": the trail, the aggregates, the documents."""

import hashlib
import hmac
from collections.abc import Callable

from sqlalchemy import select

from asuh import storage
from asuh.audit.chain import ChainHead, verify_chain
from asuh.contributions import photos
from asuh.contributions.models import ContributionPhoto
from asuh.dashboard.aggregates import check_all
from asuh.extensions import db
from asuh.letters.models import Letter
from asuh.transactions import end_read


def letters_hashes() -> list[str]:
    """Every stored letter's bytes still hash to the SHA-256 recorded (and printed) at
    issue."""
    problems = []
    rows = db.session.execute(select(Letter.id, Letter.number, Letter.sha256, Letter.pdf)
                              .order_by(Letter.id).execution_options(yield_per=50))
    for letter_id, number, recorded, pdf in rows:
        if not hmac.compare_digest(hashlib.sha256(pdf).hexdigest(), recorded):
            problems.append(f"letter {number} (id {letter_id}): PDF does not match its SHA-256")
    return problems


def photo_files() -> list[str]:
    """Every delivery photo row has its file, with the bytes it had when uploaded: read
    through the configured store (the restored folder, or the restored database's
    ``stored_files``)."""
    problems = []
    rows = db.session.execute(select(ContributionPhoto.id, ContributionPhoto.stored_name,
                                     ContributionPhoto.sha256).order_by(ContributionPhoto.id)
                              ).all()
    for photo_id, name, recorded in rows:
        data = storage.read(f"{photos.FOLDER}/{name}")
        if data is None:
            problems.append(f"photo {photo_id}: file {name} missing")
        elif hashlib.sha256(data).hexdigest() != recorded:
            problems.append(f"photo {photo_id}: file {name} does not match its SHA-256")
    return problems


def after_restore(anchor: ChainHead) -> list[tuple[str, list[str]]]:
    """Each check's name and its problems (empty: passed)."""
    checks: list[tuple[str, Callable[[], list[str]]]] = [
        (f"audit verify --anchor {anchor.seq}:{anchor.hash[:12]}…",
         lambda: verify_chain(anchor)),
        ("dashboard check", check_all),
        ("letters: PDF hashes", letters_hashes),
        ("delivery photos: files and hashes", photo_files),
    ]
    results = []
    for name, check in checks:
        results.append((name, check()))
        end_read()
    return results
