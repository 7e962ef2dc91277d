"""Reading JSON bodies and writing JSON answers the same way in every endpoint."""

from datetime import date

from flask import request

from asuh.errors import ValidationFailed


def json_body() -> dict:
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise ValidationFailed({"_body": ["Badan permintaan harus berupa objek JSON."]})
    return payload


def require_fields(payload: dict, *names: str) -> None:
    missing = {name: ["Wajib diisi."] for name in names if payload.get(name) in (None, "")}
    if missing:
        raise ValidationFailed(missing)


def parse_date(payload: dict, name: str, *, required: bool = True) -> date | None:
    value = payload.get(name)
    if value in (None, ""):
        if required:
            raise ValidationFailed({name: ["Wajib diisi."]})
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise ValidationFailed({name: ["Tanggal harus berformat YYYY-MM-DD."]}) from exc


def iso(value) -> str | None:
    return None if value is None else value.isoformat()
