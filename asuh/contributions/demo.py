"""Demo deliveries: a monthly package for each active match, most of them confirmed."""

import io
import random
from datetime import date, timedelta

from PIL import Image, ImageDraw
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from asuh.contributions import services, verification
from asuh.extensions import db
from asuh.matching.models import Match
from asuh.matching.rules import running
from asuh.sponsors.models import Sponsor

# (commodity code, quantity, unit, value in Rupiah): Rp 15.000 a day of food (BKKBN).
PACKAGES = (
    (("rice", 10, "kg", 140_000), ("eggs", 1, "tray", 60_000),
     ("milk", 4, "kotak 1 L", 80_000), ("honey", 1, "botol 250 ml", 75_000)),
    (("rice", 2, "karung 5 kg", 135_000), ("eggs", 30, "butir", 60_000),
     ("milk", 10, "kotak 200 ml", 50_000)),
    (("eggs", 2, "papan", 120_000), ("honey", 1, "botol 500 ml", 140_000)),
)


def _photo(rng: random.Random, label: str) -> bytes:
    """A small stand-in for the sponsor's phone photo of the handover."""
    colour = tuple(rng.randint(120, 220) for _ in range(3))
    image = Image.new("RGB", (480, 360), colour)
    ImageDraw.Draw(image).text((20, 20), label, fill=(20, 20, 20))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def seed(rng: random.Random, today: date, *, verifier, pending_share: float = 0.15,
         verifier_for=None) -> int:
    """Log one delivery per month of every active match; returns how many. The caller
    commits. ``verifier_for(match)`` picks the officer confirming a match's deliveries
    (each kabupaten/kota's own); ``verifier`` otherwise."""
    matches = db.session.scalars(
        select(Match).where(running())
        .options(selectinload(Match.sponsor).selectinload(Sponsor.user),
                 selectinload(Match.child))).all()
    logged = 0
    for match in matches:
        officer = verifier_for(match) if verifier_for is not None else verifier
        day = match.start_on + timedelta(days=rng.randint(3, 10))
        while day <= today:
            package = rng.choice(PACKAGES)
            items = [{"commodity": c, "quantity": q, "unit": u, "value_idr": v}
                     for c, q, u, v in package]
            contribution, _ = services.log_contribution(
                match, delivered_on=day, items=items, actor=match.sponsor.user or officer,
                note=rng.choice([None, "Diantar langsung ke rumah.", "Dititipkan lewat posyandu."]),
                photo_files=[_photo(rng, f"{match.child.first_name} {day:%d-%m-%Y}")],
                today=today)
            if day < today - timedelta(days=7) or rng.random() > pending_share:
                verification.confirm_contribution(contribution, actor=officer)
            logged += 1
            day += timedelta(days=rng.randint(26, 34))
    return logged
