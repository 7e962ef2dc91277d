"""The typed fields every API schema is built from, with the API's Indonesian messages.

Each field accepts exactly what the OpenAPI document says it does (the document is made
from these same fields), so a value the document calls wrong is refused with 422 naming
the field, and nothing the document allows can reach a service in a shape that crashes it.
"""

import re
from datetime import date

import marshmallow
from marshmallow import EXCLUDE, fields, validate

REQUIRED = "Wajib diisi."
# SQLite and PostgreSQL store ids as signed 64-bit integers: a larger number is no id.
MAX_ID = 2**63 - 1
_ASCII_INTEGER = re.compile(r"[0-9]{1,19}")
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

class Schema(marshmallow.Schema):
    """Every API body and answer: fields a client sends beyond the declared ones are
    ignored (as before the declarations), and the document says so (no
    ``additionalProperties: false``)."""

    class Meta:
        unknown = EXCLUDE


_MISSING = {"required": REQUIRED, "null": REQUIRED}


class Text(fields.String):
    default_error_messages = {**_MISSING, "invalid": "Harus berupa teks."}


class Flag(fields.Boolean):
    """true or false in JSON (not "yes", not 1)."""

    default_error_messages = {**_MISSING, "invalid": "Harus true atau false."}

    def __init__(self, **kwargs):
        super().__init__(truthy={True}, falsy={False}, **kwargs)


class QueryFlag(fields.Boolean):
    """``true`` or ``false`` in a query string."""

    default_error_messages = {**_MISSING, "invalid": "Harus 'true' atau 'false'."}

    def __init__(self, **kwargs):
        super().__init__(truthy={"true"}, falsy={"false"}, **kwargs)


class Integer(fields.Integer):
    """A JSON integer (not "1", not true)."""

    default_error_messages = {**_MISSING, "invalid": "Harus bilangan bulat."}

    def __init__(self, **kwargs):
        super().__init__(strict=True, **kwargs)

    def _validated(self, value):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        return super()._validated(value)


class Id(Integer):
    """A record's id in a body: 1 up to the largest id the database can hold."""

    def __init__(self, **kwargs):
        super().__init__(validate=validate.Range(min=1, max=MAX_ID,
                                                 error="Tidak ada data dengan id ini."),
                         **kwargs)


class QueryInteger(fields.Integer):
    """An integer in a query string: ASCII digits only (``²`` and ``١`` are not numbers
    here, though Python's ``int`` reads some of them)."""

    default_error_messages = {**_MISSING, "invalid": "Harus bilangan bulat."}

    def _validated(self, value):
        if isinstance(value, str) and not _ASCII_INTEGER.fullmatch(value):
            raise self.make_error("invalid")
        return super()._validated(value)


class QueryId(QueryInteger):
    def __init__(self, **kwargs):
        super().__init__(validate=validate.Range(min=1, max=MAX_ID,
                                                 error="Tidak ada data dengan id ini."),
                         **kwargs)


class Day(fields.Date):
    """A calendar day, exactly ``YYYY-MM-DD``."""

    default_error_messages = {**_MISSING, "invalid": "Tanggal harus berformat YYYY-MM-DD.",
                              "format": "Tanggal harus berformat YYYY-MM-DD."}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not _ISO_DAY.fullmatch(value):
            raise self.make_error("invalid")
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise self.make_error("invalid") from exc


class Measure(fields.Float):
    """A physical measure in a body: a JSON number within the given bounds (a measure
    beyond them is a typing slip, and would overflow the stored column)."""

    default_error_messages = {**_MISSING, "invalid": "Harus berupa angka."}

    def __init__(self, *, maximum: float, **kwargs):
        super().__init__(allow_nan=False, validate=validate.Range(
            min=0, max=maximum, error=f"Harus angka antara 0 dan {maximum:g}."), **kwargs)

    def _validated(self, value):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        return super()._validated(value)


def computed(field: fields.Field, getter) -> fields.Field:
    """A typed answer field (so the document states its type) whose value is
    ``getter(obj)``: a derived or masked value, never a second, hand-typed schema."""
    field.get_value = lambda obj, attr, accessor=None, default=None: getter(obj)
    return field


def one_of(choices, **kwargs) -> Text:
    """Text that must be one of ``choices`` (documented as an enum)."""
    choices = list(choices)
    return Text(validate=validate.OneOf(choices, error="Harus salah satu dari: "
                                        + ", ".join(choices) + "."), **kwargs)


def query_one_of(choices, **kwargs) -> Text:
    return one_of(choices, **kwargs)


def filled(**kwargs) -> Text:
    """Required text that may not be empty."""
    return Text(required=True, validate=validate.Length(min=1, error=REQUIRED), **kwargs)
