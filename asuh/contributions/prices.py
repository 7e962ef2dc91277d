"""Is a delivery's value believable? A rule that asks, never refuses.

"Madu 1 ml = Rp 45.000" is almost always a slip (the unit or the quantity picked wrong, a
zero too many); "Beras 2 karung 5 kg = Rp 150.000" is not. The value a sponsor writes
ends up in their statement letter, so a value far from the usual price per canonical unit
is questioned before it is saved: the form shows the question beside the value and a
"the value is right" tick, the API answers 422 on ``items[i].value_idr`` until the client
sends ``confirm_unusual_values: true``. The person may know better (a donated premium
honey), so a confirmed value is saved as typed.
"""

from decimal import Decimal

from asuh.errors import ValidationFailed
from asuh.formatting import format_quantity, format_rupiah

# Usual retail price in Rupiah per canonical unit (Kota Pangkalpinang, 2026), for the
# default catalogue's commodities. Commodities added later, "other" and cash are not
# questioned: there is no usual price to compare with.
USUAL_PRICE_IDR = {
    "rice": 15_000,        # per kg
    "eggs": 2_000,         # per butir
    "milk": 20_000,        # per liter (UHT)
    "milk_powder": 150,    # per gram (Rp 60.000 for 400 g)
    "honey": 200,          # per ml (Rp 50.000 for 250 ml)
}
# "Far outside": more than this many times above or below the usual price. Wide enough for
# premium brands and village prices, narrow enough to catch a wrong unit (1 ml for 1 botol
# is 250×) or a stray zero (10×).
FACTOR = 5
QUESTION = "Nilai tidak biasa:"


def unusual_value(item) -> str | None:
    """The question to ask about one cleaned item (``services.CleanItem``), or None."""
    commodity = item.commodity
    usual = USUAL_PRICE_IDR.get(commodity.code)
    if usual is None or commodity.is_cash or item.canonical_quantity <= 0:
        return None
    per_unit = Decimal(item.value_idr) / Decimal(item.canonical_quantity)
    if usual / FACTOR <= per_unit <= usual * FACTOR:
        return None
    unit = commodity.canonical_unit
    return (f"{QUESTION} {format_rupiah(item.value_idr)} untuk "
            f"{format_quantity(item.quantity)} {item.unit} {commodity.name} "
            f"(= {format_rupiah(per_unit.to_integral_value())} per {unit}; biasanya sekitar "
            f"{format_rupiah(usual)} per {unit}). Periksa barang, jumlah dan nilainya; bila "
            "sudah benar, tandai \u201cNilai sudah benar\u201d lalu simpan lagi.")


def unusual_values(items, field) -> dict[str, list[str]]:
    """``{field(i, "value_idr"): [question]}`` for every item whose value is far from the
    usual price; ``field`` names an item's field (``services.item_field``)."""
    questions = {}
    for index, item in enumerate(items):
        question = unusual_value(item)
        if question:
            questions[field(index, "value_idr")] = [question]
    return questions


def ask_about(items, field, *, ask: bool) -> None:
    """Raise ValidationFailed with the questions, if asking and there are any."""
    questions = unusual_values(items, field) if ask else {}
    if questions:
        raise ValidationFailed(questions)


def is_question(failure: ValidationFailed) -> bool:
    """Whether a refusal is only these questions (the form then offers its tick box)."""
    return bool(failure.errors) and all(
        message.startswith(QUESTION) for messages in failure.errors.values()
        for message in messages)
