"""Exact decimals in API answers: JSON strings, never binary floats.

Quantities are written with three places ("10.000", as stored); conversion factors and
dashboard totals as their shortest exact form ("0.8", "12.5"): both contracts predate
this module, and both are made here.
"""

from decimal import Decimal

from marshmallow import fields

QUANTITY_PLACES = Decimal("0.001")


def quantity_text(value) -> str:
    return f"{Decimal(value).quantize(QUANTITY_PLACES)}"


def exact_text(value) -> str:
    return f"{Decimal(value).normalize():f}"


class Quantity(fields.Field):
    """A quantity with three decimals, as a string."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {})
        kwargs["metadata"] = {"type": "string", "pattern": r"^\d+\.\d{3}$",
                              "example": "10.000", **kwargs["metadata"]}
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else quantity_text(value)


class ExactDecimal(fields.Field):
    """A decimal in its shortest exact form, as a string."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {})
        kwargs["metadata"] = {"type": "string", "pattern": r"^-?\d+(\.\d+)?$",
                              "example": "12.5", **kwargs["metadata"]}
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else exact_text(value)
