"""The admin's settings form."""

from flask_wtf.file import FileAllowed, FileField
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from asuh.forms import FlaskForm


class SettingsForm(FlaskForm):
    city_name = StringField("Nama pemerintah daerah", validators=[DataRequired(), Length(max=100)])
    city_place = StringField("Tempat penandatanganan surat", validators=[DataRequired(),
                                                                        Length(max=60)])
    office_name = TextAreaField("Nama dinas", validators=[DataRequired(), Length(max=200)])
    office_short_name = StringField("Singkatan dinas", validators=[DataRequired(),
                                                                   Length(max=20)])
    office_address = StringField("Alamat", validators=[DataRequired(), Length(max=200)])
    office_phone = StringField("Telepon", validators=[Optional(), Length(max=40)])
    office_email = StringField("Email", validators=[Optional(), Length(max=120)])
    head_title = StringField("Jabatan penanda tangan", validators=[DataRequired(),
                                                                   Length(max=120)])
    head_name = StringField("Nama kepala dinas", validators=[Optional(), Length(max=120)])
    # Checked by the settings service with the NIP rules registration uses.
    # (asuh.identifiers.normalize_identifier: spaces and dots are layout).
    head_nip = StringField("NIP kepala dinas", validators=[Optional()])
    commitment_months = IntegerField("Masa komitmen (bulan)", validators=[
        DataRequired(), NumberRange(1, 36, "Masa komitmen 1–36 bulan.")])
    # Left empty, the stored value stays (the view leaves it out of the changes).
    public_min_group_size = IntegerField("Ukuran kelompok minimum data terbuka", validators=[
        Optional(), NumberRange(3, 50, "Ukuran kelompok minimum 3–50.")])
    letter_number_pattern = StringField("Pola nomor surat", validators=[DataRequired(),
                                                                        Length(max=80)])
    logo = FileField("Logo (PNG atau JPEG, maks. 1 MB)", validators=[
        FileAllowed(["png", "jpg", "jpeg"], "Logo harus berkas PNG atau JPEG.")])


class RegionSettingsForm(FlaskForm):
    """What a province or kabupaten/kota sets for itself: every field may stay blank,
    which keeps the value its province (or the installation) gives."""

    city_name = StringField("Nama pemerintah daerah", validators=[Optional(), Length(max=100)])
    city_place = StringField("Tempat penandatanganan surat",
                             validators=[Optional(), Length(max=60)])
    office_name = TextAreaField("Nama dinas", validators=[Optional(), Length(max=200)])
    office_short_name = StringField("Singkatan dinas", validators=[Optional(), Length(max=20)])
    office_address = StringField("Alamat", validators=[Optional(), Length(max=200)])
    office_phone = StringField("Telepon", validators=[Optional(), Length(max=40)])
    office_email = StringField("Email", validators=[Optional(), Length(max=120)])
    head_title = StringField("Jabatan penanda tangan", validators=[Optional(), Length(max=120)])
    head_name = StringField("Nama kepala dinas", validators=[Optional(), Length(max=120)])
    head_nip = StringField("NIP kepala dinas", validators=[Optional()])
    commitment_months = IntegerField("Masa komitmen (bulan)", validators=[
        Optional(), NumberRange(1, 36, "Masa komitmen 1–36 bulan.")])
    letter_number_pattern = StringField("Pola nomor surat",
                                        validators=[Optional(), Length(max=80)])
    logo = FileField("Logo (PNG atau JPEG, maks. 1 MB)", validators=[
        FileAllowed(["png", "jpg", "jpeg"], "Logo harus berkas PNG atau JPEG.")])
