"""The declarations of deliveries (contributions) in the API: bodies, filters, answers."""

import re

from flask import url_for
from flask_smorest.fields import Upload
from marshmallow import fields, validate

from asuh.api.decimals import Quantity
from asuh.api.fields import Day, Flag, Id, Integer, QueryId, Schema, Text, computed, filled, one_of
from asuh.api.moments import Moment
from asuh.api.paging import PageArgs
from asuh.contributions.models import CONTRIBUTION_STATUSES
from asuh.contributions.services import MAX_ITEMS

IDEMPOTENCY_HEADER = "Idempotency-Key"
_QUANTITY_TEXT = r"^[0-9]{1,9}(\.[0-9]+)?$"
MAX_QUANTITY = 10**9
MAX_VALUE_IDR = 10**12
_NOTE = validate.Length(max=500, error="Paling banyak 500 karakter.")
_MONTH = r"^(?!0000)[0-9]{4}-(0[1-9]|1[0-2])$"


class QuantityIn(fields.Field):
    """A quantity as a JSON number or a decimal string ("2", "1.5"): read exactly."""

    default_error_messages = {"required": "Wajib diisi.", "null": "Wajib diisi.",
                              "invalid": "Harus berupa angka (mis. 2 atau \"1.5\")."}

    def __init__(self, **kwargs):
        super().__init__(metadata={"oneOf": [
            {"type": "number", "minimum": 0, "maximum": MAX_QUANTITY},
            {"type": "string", "pattern": _QUANTITY_TEXT}], "example": "2"}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        if isinstance(value, int | float):
            if not 0 <= value <= MAX_QUANTITY:
                raise self.make_error("invalid")
            return str(value)
        if isinstance(value, str) and re.fullmatch(_QUANTITY_TEXT, value):
            return value
        raise self.make_error("invalid")


class ItemIn(Schema):
    commodity = filled(metadata={"description": "An active catalogue code: rice, eggs, milk, "
                                                "…, or an addition of the child's "
                                                "kabupaten/kota (GET /api/v1/commodities"
                                                "?city_code=)"})
    quantity = QuantityIn(required=True)
    unit = filled(metadata={"description": "The canonical unit or an active pack unit of "
                                           "that commodity ('other' takes any unit; 'cash' "
                                           "is 'Rp')"})
    value_idr = Integer(allow_none=True, validate=validate.Range(
        min=0, max=MAX_VALUE_IDR, error=f"Harus antara 0 dan {MAX_VALUE_IDR}."), metadata={
        "description": "Estimated value in whole Rupiah; required except for cash"})


def _items(**kwargs):
    return fields.List(fields.Nested(ItemIn), validate=validate.Length(
        min=1, max=MAX_ITEMS, error=f"Isi 1 sampai {MAX_ITEMS} barang."), **kwargs)


class DeliveryChanges(Schema):
    delivered_on = Day()
    items = _items()
    note = Text(allow_none=True, validate=_NOTE)
    confirm_unusual_values = Flag(load_default=False, metadata={
        "description": "A value far from the usual price per unit (e.g. 1 ml of honey for "
                       "Rp 45.000) is refused with 422 on `items[i].value_idr` and a "
                       "question; send true once the person has confirmed the value"})


class NewDelivery(DeliveryChanges):
    match_id = Id(required=True)
    delivered_on = Day(required=True)
    items = _items(required=True)
    note = Text(allow_none=True, load_default=None, validate=_NOTE)


class KeyHeader(Schema):
    key = Text(data_key=IDEMPOTENCY_HEADER, validate=validate.Regexp(
        r"^[\x21-\x7e]{1,80}$", error="Harus 1–80 karakter ASCII yang terlihat, tanpa spasi."),
        metadata={"description": "Makes retries safe: a repeat with the same key and body "
                                 "returns the same delivery (201, `Idempotent-Replayed: "
                                 "true`); the same key with another body is 422."})


class PhotoUpload(Schema):
    photo = Upload(required=True)


class DecisionSchema(Schema):
    decision = one_of(["confirmed", "rejected"], required=True)
    reason = Text(allow_none=True, load_default=None,
                  metadata={"description": "Required when rejecting"})


class VoidSchema(Schema):
    reason = filled()


class DeliveryArgs(PageArgs):
    match_id = QueryId()
    sponsor_id = QueryId()
    child_id = QueryId()
    status = one_of(CONTRIBUTION_STATUSES)
    month = Text(validate=validate.Regexp(_MONTH, error="Bulan harus berformat YYYY-MM."),
                 metadata={"example": "2026-11", "description": "Delivered in"})
    delivered_from = Day()
    delivered_to = Day()
    kelurahan_code = Text()
    kecamatan_code = Text()


FILTERS = ("match_id", "sponsor_id", "child_id", "status", "month", "delivered_from",
           "delivered_to", "kelurahan_code", "kecamatan_code")


class PhotoSchema(Schema):
    id = Id()
    content_type = one_of(["image/jpeg", "image/png", "image/webp"])
    width = Integer()
    height = Integer()
    url = computed(Text(metadata={"description": "GET with the token"}), lambda p: url_for(
        "api.get_contribution_photo", contribution_id=p.contribution_id, photo_id=p.id))


class ItemSchema(Schema):
    commodity = computed(Text(metadata={"example": "rice"}), lambda i: i.commodity.code)
    commodity_name = computed(Text(), lambda i: i.commodity.name)
    is_cash = computed(Flag(), lambda i: i.commodity.is_cash)
    quantity = Quantity()
    unit = Text(metadata={"example": "karung 5 kg"})
    canonical_quantity = Quantity()
    canonical_unit = computed(Text(), lambda i: i.commodity.canonical_unit)
    value_idr = Integer()


class ContributionSchema(Schema):
    id = Id()
    match_id = Id()
    sponsor_id = Id()
    child_id = Id()
    kelurahan_code = Text()
    delivered_on = Day()
    status = one_of(CONTRIBUTION_STATUSES, metadata={
        "description": "Only confirmed deliveries count in totals and letters"})
    note = Text(allow_none=True)
    total_value_idr = Integer()
    items = fields.List(fields.Nested(ItemSchema))
    photos = fields.List(fields.Nested(PhotoSchema))
    created_at = Moment(allow_none=True)
    verified_at = Moment(allow_none=True)
    rejection_reason = Text(allow_none=True)
    voided_at = Moment(allow_none=True)
    void_reason = Text(allow_none=True)


