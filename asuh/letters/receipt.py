"""What a handover receipt (*berita acara serah terima*, BAST) says about one confirmed
delivery: the day in words, the sponsor as PIHAK KESATU, the child's family as PIHAK
KEDUA, the items, and the field officer who confirmed it as witness."""

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from asuh.contributions.models import Contribution, ContributionItem
from asuh.contributions.rules import is_confirmed
from asuh.errors import ValidationFailed
from asuh.extensions import db
from asuh.formatting import format_date_id, format_quantity, format_rupiah
from asuh.letters.content import commodity_totals
from asuh.letters.statement import sponsor_identity
from asuh.letters.words import date_in_words, rupiah_in_words
from asuh.matching.models import Match
from asuh.permissions import ROLE_LABELS, Role
from asuh.settings import services as settings

# The registry keeps the child's NIK, not the parent's: the family writes theirs by hand.
BLANK = "…………………………"


def load_confirmed(contribution_id) -> Contribution:
    contribution = db.session.scalar(
        select(Contribution)
        .options(joinedload(Contribution.match).joinedload(Match.sponsor),
                 joinedload(Contribution.match).joinedload(Match.child),
                 joinedload(Contribution.verified_by),
                 selectinload(Contribution.items).joinedload(ContributionItem.commodity))
        .where(Contribution.id == contribution_id))
    if contribution is None:
        raise ValidationFailed({"contribution_id": ["Penyaluran tidak ditemukan."]})
    if not is_confirmed(contribution):
        raise ValidationFailed({"contribution_id": [
            "Berita acara hanya untuk penyaluran yang sudah dikonfirmasi diterima keluarga "
            f"(status sekarang: {contribution.status_label.lower()})."]}, status=409)
    return contribution


def receipt_content(contribution: Contribution) -> dict:
    sponsor, child = contribution.match.sponsor, contribution.match.child
    verifier = contribution.verified_by
    first_party = sponsor_identity(sponsor,
                                   full_nip=bool(settings.get("letter_full_asn_nip")))
    first_party["role"] = "Bapak/Bunda Asuh Anak Stunting" + (
        f", {first_party['agency']}" if first_party["agency"] else "")
    kelurahan = child.kelurahan.name if child.kelurahan else ""
    rows = [{"commodity": item.commodity.name, "quantity": format_quantity(item.quantity),
             "unit": item.unit,
             "canonical": (None if item.unit == item.commodity.canonical_unit
                           or item.commodity.is_cash
                           else f"{format_quantity(item.canonical_quantity)} "
                                f"{item.commodity.canonical_unit}"),
             "value_idr": item.value_idr}
            for item in contribution.items]
    totals = commodity_totals(
        (i.commodity, i.canonical_quantity, i.value_idr) for i in contribution.items)
    return {
        "contribution_id": contribution.id,
        **_what_was_given(totals),
        "delivered_on": contribution.delivered_on,
        "opening": f"Pada {date_in_words(contribution.delivered_on)} "
                   f"({format_date_id(contribution.delivered_on)})",
        "first_party": first_party,
        "second_party": {
            "name": child.guardian_name, "id_label": "NIK", "id_masked": BLANK,
            "role": f"Orang tua/wali anak asuh {child.first_name}",
            "address": f"{child.address}, Kel. {kelurahan}" if kelurahan else child.address,
            "posyandu": child.posyandu,
        },
        "witness": {
            "name": verifier.name if verifier else BLANK,
            "role": (ROLE_LABELS[Role(verifier.role)] if verifier else
                     ROLE_LABELS[Role.FIELD]),
        },
        "rows": rows,
        "totals": totals,
        "note": contribution.note,
    }


def _what_was_given(totals) -> dict:
    """The receipt's words for what changed hands: money is not "makanan bergizi" nor
    "barang" (cash instead of the goods is allowed, DOMAIN.md), and an amount of money is
    written in words as well as in figures."""
    cash, goods = totals.cash_value_idr, totals.goods_value_idr
    cash_text = f"uang tunai sebesar {format_rupiah(cash)} ({rupiah_in_words(cash)})"
    if cash and not totals.goods:
        given = f"bantuan berupa {cash_text} sebagai pengganti makanan bergizi"
        received = "Uang tersebut telah diterima dengan jumlah yang benar"
    elif cash:
        given = f"bantuan makanan bergizi dan {cash_text}"
        received = "Barang dan uang tersebut telah diterima dalam keadaan baik dan cukup"
    else:
        given = "bantuan makanan bergizi"
        received = "Barang tersebut telah diterima dalam keadaan baik dan cukup"
    return {"given": given, "received": received, "item_heading":
            "Barang" if not cash else "Uang tunai" if not totals.goods else "Barang/uang",
            "total_in_words": rupiah_in_words(goods + cash)}


def receipt_summary(content: dict) -> dict:
    return {"sponsor_name": content["first_party"]["name"],
            "delivered_on": content["delivered_on"].isoformat(),
            "delivered_on_label": format_date_id(content["delivered_on"]),
            "contribution_id": content["contribution_id"],
            **content["totals"].summary()}
