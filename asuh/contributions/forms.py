"""Forms for logging, verifying and voiding deliveries, and for the catalogue.

The delivery form has a fixed number of item rows (no JavaScript needed on a phone);
each row picks commodity and unit in one select, so a unit can never belong to another
commodity. The rules themselves are the services'.
"""

import re
import secrets
from decimal import Decimal

from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from asuh.children.forms import IndonesianDateField
from asuh.contributions import catalogue
from asuh.contributions.services import MAX_ITEMS
from asuh.formatting import format_quantity
from asuh.forms import FlaskForm, NumberField, RupiahField

ITEM_ROWS = 4
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
PHOTO_ACCEPT = {"accept": "image/jpeg,image/png,image/webp"}


def _unit_label(option: catalogue.UnitOption) -> str:
    commodity = option.commodity
    if commodity.is_cash:
        return "Rupiah (jumlah = nilai uang)"
    if catalogue.is_as_entered(commodity) and option.unit == commodity.canonical_unit:
        return "satuan lain (tulis di kolom Satuan lain)"
    if option.unit == commodity.canonical_unit:
        return option.unit
    factor = format_quantity(Decimal(option.factor))
    if re.search(rf"(?<![\d,]){re.escape(factor)}(?![\d,])", option.unit):
        # "karung 5 kg" says its content already
        return option.unit
    return f"{option.unit} (= {factor} {commodity.canonical_unit})"


def option_label(option: catalogue.UnitOption) -> str:
    """"Beras — karung 5 kg": a closed select shows only the chosen option, so each option
    names its commodity as well as its unit (the optgroup heading is not shown then)."""
    return f"{option.commodity.name} — {_unit_label(option)}"


def item_choices(city_code: str | None = None) -> list[SelectChoice]:
    """The shared catalogue and the additions of the child's kabupaten/kota."""
    return [SelectChoice("", "— pilih barang —")] + [
        SelectChoice(o.value, option_label(o), optgroup=o.commodity.name)
        for o in catalogue.unit_options(city_code)]


class ItemForm(Form):
    """One row: what and in which unit, how many, and its estimated value."""

    item = SelectField("Barang dan satuan", choices=[], validate_choice=False)
    quantity = NumberField("Jumlah", render_kw={"inputmode": "decimal",
                                                "placeholder": "mis. 2"},
                           not_a_number="Jumlah harus berupa angka, misalnya 2,5.")
    value_idr = RupiahField("Nilai (Rp)", render_kw={"inputmode": "numeric"})
    other_unit = StringField("Satuan, bila barang Lainnya",
                             validators=[Optional(), Length(max=40)],
                             render_kw={"placeholder": "mis. ekor, paket"})

    def is_blank(self) -> bool:
        return not any((self.item.data or "").strip() or (f.data or "").strip()
                       for f in (self.quantity, self.value_idr, self.other_unit))


class ContributionForm(FlaskForm):
    delivered_on = IndonesianDateField("Tanggal penyaluran",
                                       validators=[DataRequired("Tanggal wajib diisi.")])
    items = FieldList(FormField(ItemForm), min_entries=ITEM_ROWS, max_entries=MAX_ITEMS)
    note = TextAreaField("Catatan", validators=[Optional(), Length(max=500)],
                         render_kw={"rows": 2, "placeholder": "mis. diserahkan lewat kader "
                                                             "posyandu"})
    photos = MultipleFileField("Foto bukti (JPEG, PNG atau WebP, maks. 10 MB per foto)",
                               render_kw=PHOTO_ACCEPT)
    # Shown only after the service questioned a value (prices.py): ticking it resubmits the
    # same delivery with the values confirmed.
    confirm_unusual_values = BooleanField("Nilai sudah benar, simpan apa adanya")
    # A one-time token per rendered form: a double tap or a retried post carries the
    # same one, and the service finds the delivery it already made.
    submission_token = HiddenField(validators=[
        DataRequired("Formulir tidak lengkap; muat ulang halaman lalu kirim lagi."),
        Regexp(_TOKEN, message="Formulir tidak lengkap; muat ulang halaman lalu kirim lagi.")])

    asking = False  # the service questioned a value: the tick box is shown

    def prepare(self, *, fresh_token: bool, city_code: str | None = None) -> "ContributionForm":
        choices = item_choices(city_code)
        while len(self.items.entries) < ITEM_ROWS:
            self.items.append_entry()
        if fresh_token and len(self.items.entries) < MAX_ITEMS and not any(
                entry.form.is_blank() for entry in self.items.entries):
            self.items.append_entry()  # room to add an item when correcting
        for entry in self.items.entries:
            entry.form.item.choices = choices
        if fresh_token:
            self.submission_token.data = secrets.token_urlsafe(24)
        return self

    def keep_submittable(self) -> None:
        """Before re-rendering a refused post: a missing or mangled token is replaced, so
        the person can send the form again (a valid one stays: it is the same attempt)."""
        # A hidden field shows no error of its own: its message goes to the form's top.
        for message in self.submission_token.errors:
            if message not in self.form_errors:
                self.form_errors.append(message)
        if not _TOKEN.match(self.submission_token.data or ""):
            self.submission_token.data = secrets.token_urlsafe(24)

    def item_rows(self) -> tuple[list[dict], list[int]]:
        """The filled-in rows as service items, and each one's row index in the form."""
        items, rows = [], []
        for index, entry in enumerate(self.items.entries):
            row = entry.form
            if row.is_blank():
                continue
            code, _, unit = (row.item.data or "").partition("|")
            other = (row.other_unit.data or "").strip()
            items.append({"commodity": code, "unit": other or unit,
                          "quantity": row.quantity.data, "value_idr": row.value_idr.data})
            rows.append(index)
        return items, rows

    def photo_files(self) -> list[bytes]:
        return [f.read() for f in (self.photos.data or []) if f and f.filename]


class PhotoForm(FlaskForm):
    photos = MultipleFileField("Tambah foto bukti", render_kw=PHOTO_ACCEPT)

    def photo_files(self) -> list[bytes]:
        return [f.read() for f in (self.photos.data or []) if f and f.filename]


class ConfirmForm(FlaskForm):
    """Confirming needs no more than the press of a button; the one-time token lets a
    confirmation resent from a phone's outbox (issue 13) count once."""

    submission_token = HiddenField(default=lambda: secrets.token_urlsafe(24), validators=[
        Optional(), Regexp(_TOKEN, message="Formulir tidak lengkap; muat ulang halaman lalu "
                                           "kirim lagi.")])


class RejectForm(FlaskForm):
    reason = TextAreaField("Alasan penolakan", validators=[
        DataRequired("Alasan penolakan wajib diisi."), Length(max=500)],
        render_kw={"rows": 2})


class VoidForm(FlaskForm):
    reason = TextAreaField("Alasan pembatalan", validators=[
        DataRequired("Alasan pembatalan wajib diisi."), Length(max=500)],
        render_kw={"rows": 2})


# --- catalogue --------------------------------------------------------------------------


class CommodityForm(FlaskForm):
    code = StringField("Kode", validators=[DataRequired("Kode wajib diisi."), Length(max=20)],
                       render_kw={"placeholder": "ikan", "autocomplete": "off"})
    name = StringField("Nama", validators=[DataRequired("Nama wajib diisi."), Length(max=60)])
    canonical_unit = StringField("Satuan dasar", validators=[Optional(), Length(max=20)],
                                 render_kw={"placeholder": "kg"})
    is_cash = BooleanField("Uang pengganti barang (satuan Rp)")
    # Issue 15: the shared catalogue or one kabupaten/kota's addition (the service checks
    # the choice against the admin's scope; a city's admin has only their city).
    city_code = SelectField("Untuk", choices=[], validate_choice=False)


class CommodityEditForm(FlaskForm):
    name = StringField("Nama", validators=[DataRequired("Nama wajib diisi."), Length(max=60)])
    sort_order = IntegerField("Urutan", validators=[InputRequired("Urutan wajib diisi.")])


class UnitForm(FlaskForm):
    name = StringField("Nama satuan", validators=[DataRequired("Nama satuan wajib diisi."),
                                                  Length(max=40)],
                       render_kw={"placeholder": "karung 25 kg"})
    factor = NumberField("Isi dalam satuan dasar", validators=[
        DataRequired("Faktor konversi wajib diisi.")], render_kw={"inputmode": "decimal"},
        not_a_number="Faktor konversi harus berupa angka.")


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""
