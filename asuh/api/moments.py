"""Moments in API answers: UTC, ISO 8601 with the offset, written one way everywhere.

The database stores moments as naive UTC; this field is the one place that says so to
clients (``2026-11-23T04:05:06.123456Z``), so no endpoint adds a "Z" by hand.
"""

from datetime import UTC, datetime

from marshmallow import fields


def utc_text(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    # RFC 3339's "Z" is the UTC offset +00:00; clients of the first API version read it.
    return aware.isoformat().replace("+00:00", "Z")


class Moment(fields.DateTime):
    """A stored UTC moment, answered as ISO 8601 with its offset."""

    def _serialize(self, value, attr, obj, **kwargs):
        return utc_text(value)
