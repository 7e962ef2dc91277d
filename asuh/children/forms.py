"""Forms for children, measurements, status changes and file imports.

The forms check presence and shape only; the rules (NIK, ages, growth) are the
services', so the API and the pages refuse the same things with the same messages.
"""

from datetime import datetime

from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.fields import DateField
from wtforms.validators import DataRequired, Length, Optional

from asuh import timeutil
from asuh.children.growth import SEX_LABELS
from asuh.children.measuring import POSITIONS
from asuh.children.models import CHILD_STATUSES
from asuh.forms import FlaskForm, NumberField
from asuh.regions.choices import kelurahan_select_choices
from asuh.regions.models import Region

SEX_CHOICES = [SelectChoice("", "— pilih —")] + [
    SelectChoice(value, label) for value, label in SEX_LABELS.items()]
POSITION_CHOICES = [SelectChoice(value, f"{label} ({'panjang' if value == 'lying' else 'tinggi'}"
                                        " badan)") for value, label in POSITIONS.items()]
# "aged_out" follows from the birth date (children age-out), never chosen by hand.
STATUS_CHOICES = [SelectChoice(value, label) for value, label in CHILD_STATUSES.items()
                  if value != "aged_out"]


class IndonesianDateField(DateField):
    """A date input whose parse error speaks Indonesian."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return  # field absent from the post: keep the default
        if not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = datetime.strptime(valuelist[0].strip(), "%Y-%m-%d").date()
        except ValueError:
            self.data = None
            raise ValueError("Tanggal tidak valid; gunakan pemilih tanggal.") from None


def kelurahan_choices(regions: list[Region]) -> list[SelectChoice]:
    """Kelurahan grouped under their kecamatan, for a select field."""
    return kelurahan_select_choices("— pilih kelurahan —", regions)


class ChildForm(FlaskForm):
    nik = StringField("NIK anak", validators=[DataRequired("NIK wajib diisi.")],
                      render_kw={"inputmode": "numeric", "autocomplete": "off",
                                 "maxlength": 20})
    name = StringField("Nama anak", validators=[DataRequired("Nama wajib diisi."),
                                                Length(max=120)])
    sex = SelectField("Jenis kelamin", choices=SEX_CHOICES,
                      validators=[DataRequired("Jenis kelamin wajib dipilih.")])
    birth_date = IndonesianDateField("Tanggal lahir",
                                     validators=[DataRequired("Tanggal lahir wajib diisi.")])
    guardian_name = StringField("Nama ibu/wali",
                                validators=[DataRequired("Nama ibu/wali wajib diisi."),
                                            Length(max=120)])
    guardian_phone = StringField("Telepon ibu/wali", validators=[Optional(), Length(max=20)],
                                 render_kw={"inputmode": "tel"})
    address = TextAreaField("Alamat", validators=[DataRequired("Alamat wajib diisi."),
                                                  Length(max=300)])
    kelurahan_code = SelectField("Kelurahan", choices=[],
                                 validators=[DataRequired("Kelurahan wajib dipilih.")])
    posyandu = StringField("Posyandu", validators=[Optional(), Length(max=120)])
    confirm_nik_warnings = BooleanField("Saya sudah memeriksa, simpan")

    def values(self) -> dict:
        return {name: getattr(self, name).data for name in (
            "nik", "name", "sex", "birth_date", "guardian_name", "guardian_phone", "address",
            "kelurahan_code", "posyandu")}


class StatusForm(FlaskForm):
    status = SelectField("Status baru", choices=STATUS_CHOICES)
    reason = TextAreaField("Alasan", validators=[DataRequired("Alasan wajib diisi."),
                                                 Length(max=500)])


class MoveForm(FlaskForm):
    """Hand the child over to a kelurahan of another kabupaten/kota (issue 15)."""

    kelurahan_code = SelectField("Kelurahan/desa tujuan", validate_choice=False)
    reason = TextAreaField("Alasan pindah", validators=[DataRequired("Alasan wajib diisi."),
                                                        Length(max=500)])


class MeasurementForm(FlaskForm):
    measured_on = IndonesianDateField("Tanggal pengukuran", default=timeutil.today,
                                      validators=[DataRequired("Tanggal wajib diisi.")])
    # Blank for a monthly weighing: a weight-only measurement (BB/U only).
    height_cm = NumberField("Panjang/tinggi badan (cm)", validators=[Optional()],
                            render_kw={"inputmode": "decimal", "placeholder": "85,5"},
                            not_a_number="Tinggi/panjang badan harus berupa angka.")
    weight_kg = NumberField("Berat badan (kg)",
                            validators=[DataRequired("Berat badan wajib diisi.")],
                            render_kw={"inputmode": "decimal", "placeholder": "10,25"},
                            not_a_number="Berat badan harus berupa angka.")
    position = SelectField("Cara ukur", choices=POSITION_CHOICES)
    measured_by = StringField("Diukur oleh", validators=[Optional(), Length(max=120)])
    # Shown only after the figures were questioned against the child's history.
    confirm_history = BooleanField("Angka sudah diperiksa (atau anak sudah diukur ulang): "
                                   "simpan dan tandai perlu diukur ulang")


class VoidForm(FlaskForm):
    reason = StringField("Alasan pembatalan", validators=[DataRequired("Alasan wajib diisi."),
                                                          Length(max=500)])


class ImportForm(FlaskForm):
    file = FileField("Berkas e-PPGBM / posyandu (.xlsx atau .csv)", validators=[
        FileRequired("Pilih berkas yang akan diimpor."),
        FileAllowed(["xlsx", "csv"], "Hanya berkas .xlsx atau .csv.")])


class ConfirmForm(FlaskForm):
    """Nothing but the CSRF token: the kept file is what gets confirmed."""
