"""Forms for issuing letters and for checking an uploaded PDF; the rules are the services'."""

from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from asuh.children.forms import IndonesianDateField
from asuh.forms import FlaskForm
from asuh.letters.models import LETTER_KINDS
from asuh.letters.periods import HELP as PERIOD_HELP

KIND_CHOICES = [SelectChoice(value, label) for value, label in LETTER_KINDS.items()]


class IssueForm(FlaskForm):
    """Officers: any kind. Which fields count depends on the kind (the service says)."""

    kind = SelectField("Jenis surat", choices=KIND_CHOICES, validators=[DataRequired()])
    sponsor_id = SelectField("Bapak/Bunda Asuh (untuk surat pertanggungjawaban)",
                             choices=[], validate_choice=False)
    contribution_id = StringField("Nomor penyaluran (untuk berita acara)",
                                  validators=[Optional(), Length(max=12)],
                                  render_kw={"inputmode": "numeric", "placeholder": "123"})
    kecamatan_code = SelectField("Cakupan (untuk rekapitulasi)", choices=[],
                                 validate_choice=False)
    period = StringField("Periode", validators=[Optional(), Length(max=40)],
                         render_kw={"placeholder": "2026-11", "autocomplete": "off"},
                         description=PERIOD_HELP)
    period_start = IndonesianDateField("atau dari tanggal", validators=[Optional()])
    period_end = IndonesianDateField("sampai tanggal", validators=[Optional()])
    interim = BooleanField("Surat sementara: periode belum berakhir, catat s.d. hari ini")

    def set_choices(self, sponsors, kecamatan) -> None:
        self.sponsor_id.choices = [SelectChoice("", "— pilih —")] + [
            SelectChoice(str(s.id), f"{s.name} ({s.kind_label})") for s in sponsors]
        self.kecamatan_code.choices = [SelectChoice("", "Seluruh kota")] + [
            SelectChoice(k.code, f"Kecamatan {k.name}") for k in kecamatan]


class OwnStatementForm(FlaskForm):
    """A sponsor's own statement for one month."""

    month = StringField("Bulan", validators=[DataRequired(message="Pilih bulan.")],
                        render_kw={"type": "month", "placeholder": "2026-11"})
    interim = BooleanField("Surat sementara: bulan belum berakhir, catat s.d. hari ini")


class VerifyUploadForm(FlaskForm):
    pdf = FileField("Berkas PDF surat", validators=[FileRequired("Pilih berkas PDF.")],
                    render_kw={"accept": "application/pdf,.pdf"})
