"""Sponsor forms. The rules (identifier structure, phone, uniqueness) live in the services,
so the forms only carry input; choices are checked there too, with Indonesian messages."""

from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, Length

from asuh.forms import FlaskForm
from asuh.regions.choices import kelurahan_select_choices
from asuh.sponsors.models import SPONSOR_KINDS

KIND_CHOICES = [SelectChoice(value, label) for value, label in SPONSOR_KINDS.items()]
NUMBER = {"inputmode": "numeric", "autocomplete": "off"}


def kelurahan_choices() -> list[SelectChoice]:
    """Kelurahan grouped under their kecamatan, after an empty prompt."""
    return kelurahan_select_choices()


class _ContactFields(FlaskForm):
    phone = StringField("Nomor HP (WhatsApp)",
                        render_kw={"inputmode": "tel", "autocomplete": "tel"})
    address = TextAreaField("Alamat", render_kw={"rows": 2, "autocomplete": "street-address"})
    capacity = StringField("Jumlah anak yang bersedia diasuh", default="1",
                           render_kw={"inputmode": "numeric"})


class _IdentityFields(_ContactFields):
    kind = RadioField("Jenis", choices=KIND_CHOICES, validate_choice=False, default="asn")
    name = StringField("Nama lengkap", render_kw={"autocomplete": "name"})
    nip = StringField("NIP / Nomor PPPK", render_kw=NUMBER)
    is_pppk = BooleanField("Pegawai PPPK (bukan PNS)")
    agency = StringField("Instansi / OPD")
    rank = StringField("Pangkat / golongan (boleh kosong)")
    nik = StringField("NIK (KTP)", render_kw=NUMBER)
    kelurahan_code = SelectField("Kelurahan tempat tinggal", validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kelurahan_code.choices = kelurahan_choices()


class RegistrationForm(_IdentityFields):
    """Self-registration from the login page."""

    email = EmailField("Email", render_kw={"autocomplete": "email"})
    password = PasswordField("Kata sandi", render_kw={"autocomplete": "new-password"})
    confirm_password = PasswordField(
        "Ulangi kata sandi",
        validators=[EqualTo("password", message="Kedua kata sandi tidak sama.")],
        render_kw={"autocomplete": "new-password"},
    )


class SponsorForm(_IdentityFields):
    """An officer registers a sponsor."""

    email = EmailField("Email", render_kw={"autocomplete": "off"})


class SponsorEditForm(_IdentityFields):
    """An officer corrects a sponsor's data (the email is the login's and stays)."""


class OwnProfileForm(_ContactFields):
    pass


class WithdrawForm(FlaskForm):
    reason = TextAreaField(
        "Alasan pengunduran diri",
        validators=[DataRequired("Alasan wajib diisi."), Length(max=500)],
    )


class RejectForm(FlaskForm):
    reason = TextAreaField(
        "Alasan penolakan",
        validators=[DataRequired("Alasan penolakan wajib diisi."), Length(max=500)],
    )


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class CapacityDecisionForm(FlaskForm):
    """Approve or reject a sponsor's capacity request: the button pressed says which."""

    decision = StringField()
    reason = TextAreaField("Alasan (wajib bila ditolak)", validators=[Length(max=500)])


class InvitationForm(FlaskForm):
    password = PasswordField(
        "Kata sandi baru",
        validators=[DataRequired("Kata sandi wajib diisi."),
                    Length(min=10, message="Kata sandi minimal 10 karakter.")],
        render_kw={"autocomplete": "new-password"},
    )
    confirm_password = PasswordField(
        "Ulangi kata sandi",
        validators=[EqualTo("password", message="Kedua kata sandi tidak sama.")],
        render_kw={"autocomplete": "new-password"},
    )
