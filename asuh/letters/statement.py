"""What a sponsor's statement (*surat pertanggungjawaban*) says, read in a fixed set of
queries for a whole batch of sponsors: the sponsors, their matches overlapping the period
with the children, the confirmed deliveries with their items, the children's live
measurements. The bulk command reads a batch at once; a single letter is a batch of one.
"""

from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from asuh import timeutil
from asuh.children.growth import age_label
from asuh.children.models import Child, Measurement
from asuh.children.rules import live_measurement
from asuh.contributions.models import Contribution, ContributionItem
from asuh.contributions.rules import confirmed_between
from asuh.extensions import db
from asuh.formatting import format_quantity
from asuh.letters.content import (
    categories_over,
    commodity_totals,
    mask_last4,
)
from asuh.letters.packages import package_text
from asuh.letters.periods import Period
from asuh.letters.words import rupiah_in_words
from asuh.matching.models import Match
from asuh.matching.rules import active_during
from asuh.regions.scopes import city_code_of
from asuh.settings import services as settings
from asuh.sponsors.models import ASN, Sponsor


def overlapping(period: Period):
    """Matches that were active on at least one day of the period."""
    return active_during(period.start, period.end)


def sponsor_identity(sponsor: Sponsor, *, full_nip: bool = True) -> dict:
    """Who signs; ``signature_id`` goes under the signature: an ASN's full NIP when
    ``full_nip`` (the ``letter_full_asn_nip`` setting), anyone else's masked."""
    asn = sponsor.kind == ASN
    masked = mask_last4(sponsor.identifier)
    return {
        "id": sponsor.id, "name": sponsor.name, "kind": sponsor.kind,
        "kind_label": sponsor.kind_label,
        "id_label": ("NIP PPPK" if sponsor.is_pppk else "NIP") if asn else "NIK",
        "id_masked": masked,
        "signature_id": sponsor.identifier if asn and full_nip else masked,
        "agency": sponsor.agency if asn else None, "rank": sponsor.rank if asn else None,
        "address": sponsor.address,
        "kelurahan": sponsor.kelurahan.name if sponsor.kelurahan else "",
    }


def statement_contents(pairs: list[tuple[int, str]], period: Period,
                       today: date | None = None) -> dict[tuple[int, str], dict]:
    """``{(sponsor_id, city_code): content}`` for each pair found: the sponsor's children
    living in that kabupaten/kota and their deliveries; the letter's plain data."""
    today = today or timeutil.today()
    full_nip = bool(settings.get("letter_full_asn_nip"))  # installation-wide
    sponsor_ids = sorted({sid for sid, _ in pairs})
    sponsors = {s.id: s for s in db.session.scalars(
        select(Sponsor).where(Sponsor.id.in_(sponsor_ids)))}
    if not sponsors:
        return {}
    matches = list(db.session.scalars(
        select(Match).options(joinedload(Match.child))
        .where(Match.sponsor_id.in_(sponsors), overlapping(period))
        .order_by(Match.sponsor_id, Match.start_on, Match.id)))
    contributions = list(db.session.scalars(
        select(Contribution)
        .options(selectinload(Contribution.items).joinedload(ContributionItem.commodity))
        .where(Contribution.sponsor_id.in_(sponsors),
               confirmed_between(period.start, period.end))
        .order_by(Contribution.sponsor_id, Contribution.delivered_on, Contribution.id)))
    children = {m.child_id: m.child for m in matches}
    # A delivery always falls inside its match's dates, so its child is normally loaded;
    # the lookup only guards against a match's dates edited after the delivery.
    missing = {c.child_id for c in contributions} - set(children)
    if missing:
        children.update({c.id: c for c in db.session.scalars(
            select(Child).where(Child.id.in_(missing)))})
    measurements: dict[int, list[Measurement]] = defaultdict(list)
    for m in db.session.scalars(
            select(Measurement)
            .where(Measurement.child_id.in_(children), live_measurement(),
                   Measurement.measured_on <= period.end)
            .order_by(Measurement.child_id, Measurement.measured_on, Measurement.id)):
        measurements[m.child_id].append(m)

    age_on = min(period.end, today)
    # Each city's statement lists the children living there now (a child moved within the
    # province is handed over with their history) and those children's deliveries.
    per_pair_matches: dict[tuple, list[Match]] = defaultdict(list)
    for m in matches:
        per_pair_matches[(m.sponsor_id, city_code_of(m.child.kelurahan_code))].append(m)
    per_pair_deliveries: dict[tuple, list[Contribution]] = defaultdict(list)
    for c in contributions:
        child = children.get(c.child_id)
        city = city_code_of(child.kelurahan_code if child else c.kelurahan_code)
        per_pair_deliveries[(c.sponsor_id, city)].append(c)
    packages = {city: settings.for_city(city) for city in {city for _, city in pairs}}

    contents = {}
    for pair in pairs:
        sponsor_id, city = pair
        sponsor = sponsors.get(sponsor_id)
        if sponsor is None:
            continue
        listed, child_rows = set(), []
        for m in per_pair_matches[pair]:
            if m.child_id in listed:
                continue
            listed.add(m.child_id)
            child = m.child
            start, end = categories_over(measurements[child.id], period.start, period.end)
            child_rows.append({
                "first_name": child.first_name,
                "age": age_label(child.birth_date, max(age_on, child.birth_date)),
                "kelurahan": child.kelurahan.name if child.kelurahan else "",
                "start": start, "end": end})
        rows, items = [], []
        deliveries = per_pair_deliveries[pair]
        for c in deliveries:
            child = children.get(c.child_id)
            for item in c.items:
                rows.append({"on": c.delivered_on,
                             "child": child.first_name if child else "",
                             "commodity": item.commodity.name,
                             "quantity": format_quantity(item.quantity), "unit": item.unit,
                             "value_idr": item.value_idr, "cash": item.commodity.is_cash})
                items.append((item.commodity, item.canonical_quantity, item.value_idr))
        totals = commodity_totals(items)
        contents[pair] = {
            "sponsor": sponsor_identity(sponsor, full_nip=full_nip),
            "city_code": city,
            # The city's package and, apart from it, the province's own (issue 15).
            "package": package_text(packages[city]["monthly_package"]),
            "province_package": package_text(packages[city]["province_package"]),
            "children": child_rows,
            "rows": rows,
            "delivery_count": len(deliveries),
            "totals": totals,
            "total_in_words": rupiah_in_words(totals.total_value_idr),
        }
    return contents


def statement_summary(content: dict) -> dict:
    """What the public verification page may show: no child appears in it."""
    return {"sponsor_name": content["sponsor"]["name"],
            "delivery_count": content["delivery_count"],
            "children_count": len(content["children"]),
            **content["totals"].summary()}
