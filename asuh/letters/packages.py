"""A monthly package as a letter prints it: ``Beras 10 kg, Telur 30 butir``."""

from decimal import Decimal, InvalidOperation

from asuh.contributions import catalogue
from asuh.formatting import format_quantity


def package_text(package: dict | None) -> str:
    """The package's commodities in catalogue order with their canonical units ("" when
    empty). Used for a city's package and, apart from it, the province's own."""
    if not package:
        return ""
    names = {c.code: c for c in catalogue.commodities()}
    parts = []
    for code, amount in package.items():
        try:
            quantity = Decimal(str(amount))
        except InvalidOperation:
            continue
        commodity = names.get(code)
        name = commodity.name if commodity else code
        unit = commodity.canonical_unit if commodity else ""
        parts.append(f"{name} {format_quantity(quantity)} {unit}".strip())
    return ", ".join(parts)
