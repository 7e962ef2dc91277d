"""What a letter is about (its subject) and which fields each kind of letter needs."""

from dataclasses import dataclass
from datetime import date

from asuh import timeutil
from asuh.errors import ValidationFailed
from asuh.extensions import db
from asuh.letters import offices
from asuh.letters.models import HANDOVER_RECEIPT, LETTER_KINDS, RECAP, SPONSOR_STATEMENT
from asuh.letters.periods import Period, covered_through
from asuh.regions.models import KECAMATAN
from asuh.sponsors.models import Sponsor


def _covered(period: Period, through: date | None) -> Period:
    """The days a letter's content is read over: the period, or up to an interim's day."""
    return period if through is None else Period(period.start, min(through, period.end))


@dataclass(frozen=True)
class Subject:
    """What a letter is about; two letters with the same subject supersede each other."""

    kind: str
    sponsor_id: int | None = None
    contribution_id: int | None = None
    kecamatan_code: str | None = None
    period: Period | None = None
    # An interim letter's last day (today); None when the period has ended.
    through: date | None = None
    # The issuing office: the children's kabupaten/kota (a statement covers one city's
    # children: a sponsor with children in two cities gets one statement from each), the
    # delivery's city (a receipt), or the recap's city or province. None until known.
    office_code: str | None = None


def _int_or_none(value, field: str, errors: dict) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not str(value).isdigit():
        errors[field] = ["Harus bilangan bulat."]
        return None
    return int(value)


def check_subject(kind, *, sponsor_id=None, contribution_id=None, kecamatan_code=None,
                  period: Period | None = None, today: date | None = None,
                  interim: bool = False, city_code=None, region_code=None,
                  scope: str | None = None) -> Subject:
    """Which fields each kind needs (and refuses); unknown ids are 422s. A statement or
    recap covers an ended period, or one still running only when ``interim``.

    ``city_code`` picks which city's statement (a sponsor with children in several);
    ``region_code`` a recap's kabupaten/kota or province (``kecamatan_code`` one
    kecamatan); ``scope`` is the actor's (``scopes.scope_of``): the default recap is the
    scope's, and regions outside it do not exist for them."""
    today = today or timeutil.today()
    if kind not in LETTER_KINDS:
        raise ValidationFailed({"kind": [f"Harus salah satu dari: {', '.join(LETTER_KINDS)}."]})
    errors: dict[str, list[str]] = {}
    through = None
    sponsor_id = _int_or_none(sponsor_id, "sponsor_id", errors)
    contribution_id = _int_or_none(contribution_id, "contribution_id", errors)
    if kind == HANDOVER_RECEIPT:
        if contribution_id is None and "contribution_id" not in errors:
            errors["contribution_id"] = ["Pilih penyaluran yang diserahterimakan."]
        if period is not None:
            errors["period"] = ["Berita acara mencatat satu penyaluran; tanpa periode."]
    else:
        if period is None:
            errors["period"] = ["Periode wajib diisi."]
        else:
            try:
                through = covered_through(period, today, interim=interim)
            except ValidationFailed as failure:
                errors.update(failure.errors)
    if kind == SPONSOR_STATEMENT:
        if sponsor_id is None and "sponsor_id" not in errors:
            errors["sponsor_id"] = ["Pilih Bapak/Bunda Asuh."]
        elif sponsor_id is not None and db.session.get(Sponsor, sponsor_id) is None:
            errors["sponsor_id"] = ["Bapak/Bunda Asuh tidak ditemukan."]
    if errors:
        raise ValidationFailed(errors)
    if kind == SPONSOR_STATEMENT:
        city = offices.statement_city(sponsor_id, _covered(period, through), city_code,
                                      scope)
        return Subject(kind, sponsor_id=sponsor_id, period=period, through=through,
                       office_code=city)
    if kind == RECAP:
        region = offices.recap_region(kecamatan_code, region_code, scope)
        return Subject(kind, kecamatan_code=region.code if region.level == KECAMATAN
                       else None, period=period, through=through,
                       office_code=offices.office_of(region))
    return Subject(kind, contribution_id=contribution_id)
