"""Forms for issuing letters and for checking an uploaded PDF; the rules are the services'."""

from datetime import date

from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from asuh.children.forms import IndonesianDateField
from asuh.errors import ValidationFailed
from asuh.formatting import MONTHS_ID, format_date_id, format_rupiah
from asuh.forms import FlaskForm
from asuh.letters.models import HANDOVER_RECEIPT, LETTER_KINDS, RECAP, SPONSOR_STATEMENT
from asuh.letters.periods import Period, parse_period, period_from_dates
from asuh.regions import scopes
from asuh.regions.services import kecamatan_list

KIND_CHOICES = [SelectChoice(value, label) for value, label in LETTER_KINDS.items()]


# What each kind asks for, in the order the form shows it (kind chosen first).
KIND_FIELDS = {
    SPONSOR_STATEMENT: ("sponsor_id", "period"),  # city_code only when asked for
    HANDOVER_RECEIPT: ("contribution_id",),
    RECAP: ("kecamatan_code", "period"),
}
KIND_HELP = {
    SPONSOR_STATEMENT: "Penyaluran satu Bapak/Bunda Asuh dalam satu bulan atau triwulan.",
    HANDOVER_RECEIPT: "Serah terima satu penyaluran yang sudah dikonfirmasi.",
    RECAP: "Rekapitulasi penyaluran provinsi (per kabupaten/kota), seluruh kabupaten/kota "
           "atau satu kecamatan untuk satu periode.",
}
QUARTERS_SHOWN = 8


def quarter_choices(today: date) -> list[SelectChoice]:
    """The current quarter and the ones before it, newest first: ``2026-Q4`` is shown as
    "Triwulan IV 2026 (Oktober–Desember)"."""
    year, quarter = today.year, (today.month - 1) // 3 + 1
    choices = [SelectChoice("", "— pilih triwulan —")]
    for _ in range(QUARTERS_SHOWN):
        period = parse_period(f"{year}-Q{quarter}")
        first, last = MONTHS_ID[period.start.month - 1], MONTHS_ID[period.end.month - 1]
        choices.append(SelectChoice(period.code, f"{period.label} ({first}–{last})"))
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    return choices


class IssueForm(FlaskForm):
    """Officers: the kind first, then only that kind's fields (``KIND_FIELDS``). The
    period is picked as a month, a quarter or two dates; ``period`` (text) stays for
    links that carry one (re-issuing a letter) and for the API's syntax."""

    kind = SelectField("Jenis surat", choices=KIND_CHOICES, validators=[DataRequired()])
    sponsor_id = SelectField("Bapak/Bunda Asuh", choices=[], validate_choice=False)
    contribution_id = SelectField("Penyaluran", choices=[], validate_choice=False)
    kecamatan_code = SelectField("Cakupan", choices=[], validate_choice=False)
    # A sponsor with children in several kabupaten/kota gets one statement per city.
    city_code = StringField("Kabupaten/kota (bila anak asuh di beberapa kabupaten/kota)",
                            validators=[Optional(), Length(max=5)])
    month = StringField("Bulan", validators=[Optional(), Length(max=7)],
                        render_kw={"type": "month", "placeholder": "2026-11"})
    quarter = SelectField("atau triwulan", choices=[], validate_choice=False)
    period = HiddenField(validators=[Optional(), Length(max=40)])
    period_start = IndonesianDateField("atau dari tanggal", validators=[Optional()])
    period_end = IndonesianDateField("sampai tanggal", validators=[Optional()])
    interim = BooleanField("Surat sementara: periode belum berakhir, catat s.d. hari ini")

    def set_choices(self, *, sponsors, deliveries, kecamatan, today: date) -> None:
        self.sponsor_id.choices = [SelectChoice("", "— pilih —")] + [
            SelectChoice(str(s.id), f"{s.name} ({s.kind_label}, {s.kelurahan.name})")
            for s in sponsors]
        self.contribution_id.choices = [SelectChoice("", "— pilih —")] + [
            SelectChoice(str(c.id), delivery_label(c)) for c in deliveries]
        # ``kecamatan``: (code, label) of the regions a recap may cover (recap_regions).
        self.kecamatan_code.choices = [SelectChoice(code, label) for code, label in kecamatan]
        self.quarter.choices = quarter_choices(today)

    def show_period(self, text: str) -> None:
        """Put a period that came as text (a re-issue link) into the picker that fits."""
        try:
            period = parse_period(text)
        except ValidationFailed:
            self.period.data = text  # shown back with the parser's reason
            return
        if period.is_month:
            self.month.data = period.code
        elif period.quarter:
            self.quarter.data = period.code
        else:
            self.period_start.data, self.period_end.data = period.start, period.end

    def chosen_period(self) -> Period | None:
        """The one period picked; ValidationFailed if none parses or several are given.
        ``period`` (text, hidden) counts only when no picker is used, so a typed period
        that was refused never stands in the way of picking one."""
        picked = [name for name, given in (
            ("month", (self.month.data or "").strip()), ("quarter", self.quarter.data),
            ("period_start", self.period_start.data or self.period_end.data)) if given]
        if len(picked) > 1:
            raise ValidationFailed({"period": [
                "Pilih satu saja: bulan, triwulan, atau rentang tanggal."]})
        if not picked and (self.period.data or "").strip():
            picked = ["period"]
        if not picked:
            return None
        if picked[0] == "period_start":
            return period_from_dates(self.period_start.data, self.period_end.data)
        text = getattr(self, picked[0]).data.strip()
        self.period.data = ""
        try:
            return parse_period(text)
        except ValidationFailed as failure:
            if picked[0] == "period":
                self.period.data = text  # kept, and shown back with the reason
            raise ValidationFailed({"period": [
                message for messages in failure.errors.values() for message in messages]}
            ) from None


def recap_regions(user) -> list[tuple[str, str]]:
    """What a recap may cover for ``user``: the scope's own region first (the default),
    then the province (provincial staff and installation admins), its kabupaten/kota and
    their kecamatan."""
    scope = scopes.scope_of(user)
    cities = scopes.cities_in(scope)
    choices = [("", "Seluruh wilayah tugas" if scope is None or len(scope) == 2
                else "Seluruh kabupaten/kota")]
    if scope is None or len(scope) == 2:
        provinces = {c.parent.code: c.parent for c in cities if c.parent is not None}
        choices += [(p.code, f"Provinsi {p.name} (per kabupaten/kota)")
                    for p in provinces.values()]
        choices += [(c.code, c.name) for c in cities]
    city_codes = {c.code for c in cities}
    choices += [(k.code, f"Kecamatan {k.name}") for k in kecamatan_list()
                if k.code[:5] in city_codes]
    return choices


def delivery_label(contribution) -> str:
    """``#12 · 3 November 2026 · Siti Rahmawati → Muhammad Fajar · Rp 150.000``."""
    match = contribution.match
    return (f"#{contribution.id} · {format_date_id(contribution.delivered_on)} · "
            f"{match.sponsor.name} → {match.child.name} · "
            f"{format_rupiah(contribution.total_value_idr)}")


class OwnStatementForm(FlaskForm):
    """A sponsor's own statement for one month."""

    month = StringField("Bulan", validators=[DataRequired(message="Pilih bulan.")],
                        render_kw={"type": "month", "placeholder": "2026-11"})
    interim = BooleanField("Surat sementara: bulan belum berakhir, catat s.d. hari ini")


class BulkStatementsForm(FlaskForm):
    """Officers: every sponsor's statement for one month, issued by a background job."""

    month = StringField("Bulan", validators=[DataRequired(message="Pilih bulan.")],
                        render_kw={"type": "month", "placeholder": "2026-11"})
    interim = BooleanField("Surat sementara: bulan belum berakhir, catat s.d. hari ini")


class VerifyUploadForm(FlaskForm):
    pdf = FileField("Berkas PDF surat", validators=[FileRequired("Pilih berkas PDF.")],
                    render_kw={"accept": "application/pdf,.pdf"})
