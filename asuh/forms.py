"""The app's form base (WTForms speaking Indonesian), the glue between WTForms and the
services' ``ValidationFailed``, and the number fields."""

import functools
import io
from decimal import Decimal, InvalidOperation
from pathlib import Path

import flask_wtf
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from flask import flash, jsonify, redirect, request
from flask_wtf.csrf import _FlaskFormCSRF
from wtforms import StringField
from wtforms.validators import ValidationError

from asuh.errors import ValidationFailed
from asuh.formatting import NumberRefused, format_quantity, parse_number, parse_rupiah, plain

# WTForms ships catalogues for 30-odd languages but not Indonesian, so the app keeps its
# own (domain "wtforms", the msgids WTForms and Flask-WTF pass to gettext). It is handed
# to WTForms through ``Meta.get_translations``, WTForms' own hook, rather than through
# Flask-Babel: Flask-WTF's Babel bridge only looks in WTForms' locale folder, and a
# one-language app has no locale to select. The .po is read at first use with Babel
# (already pinned for formatting), so no compiled .mo can drift from its source.
CATALOGUE = Path(__file__).parent / "translations" / "id" / "LC_MESSAGES" / "wtforms.po"


@functools.cache
def wtforms_translations() -> Translations:
    """The Indonesian catalogue for WTForms' and Flask-WTF's built-in messages."""
    with CATALOGUE.open("rb") as po:
        catalog = read_po(po, locale="id", domain="wtforms")
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain="wtforms")


class _IndonesianCSRF(_FlaskFormCSRF):
    # Flask-WTF raises its CSRF refusals in English without passing them to gettext.
    def validate_csrf_token(self, form, field):
        try:
            super().validate_csrf_token(form, field)
        except ValidationError as refused:
            raise ValidationError(wtforms_translations().gettext(str(refused))) from None


class FlaskForm(flask_wtf.FlaskForm):
    """Flask-WTF's form, with WTForms' own messages ("This field is required.") in
    Indonesian. Every form in the app derives from this one (tests/test_translations.py).
    """

    class Meta:
        csrf_class = _IndonesianCSRF

        def get_translations(self, form):
            return wtforms_translations()


def attach_errors(form, failure: ValidationFailed) -> None:
    """Show a service's refusal next to the field it names (or at the top of the form)."""
    for field_name, messages in failure.errors.items():
        field = getattr(form, field_name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + list(messages)
        else:
            form.form_errors.extend(messages)


def button_action(form, action, target, back_url: str):
    """Run a page button's action on ``target`` and go back to ``back_url``.

    The action calls a use case (which commits or rolls back its own unit of work) and
    returns the success message; a refusal shows why.
    """
    sent_by_script = request.headers.get("X-Requested-With") == "XMLHttpRequest"
    if form.validate_on_submit():
        try:
            message = action(target)
        except ValidationFailed as failure:
            if sent_by_script:  # the phone's outbox (issue 13) keeps it with the reason
                return jsonify(location=back_url, message=str(failure)), failure.status
            flash(str(failure), "error")
        else:
            if message:
                flash(message, "success")
            if sent_by_script:
                return jsonify(location=back_url)
    else:
        for messages in form.errors.values():
            for message in messages:
                flash(message, "error")
    return redirect(back_url)


class NumberField(StringField):
    """A number typed the Indonesian way (``1.250,5``), read with ``asuh.formatting``.

    ``data`` is the number in machine notation (``"1250.5"``), or ``""`` when blank: the
    same notation the API sends, so a service reads one notation whoever calls it. An
    entry id-ID cannot read is refused here, with a message that shows how to write it;
    a number given as ``data`` (an edit form) is shown the way the app prints it.
    ``not_a_number`` is the form's own words for an entry that is no number at all.
    """

    def __init__(self, *args, not_a_number: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.not_a_number = not_a_number

    def _parse(self, text: str) -> str:
        number = parse_number(text)
        return "" if number is None else plain(number)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            self.data = self._parse(valuelist[0])
        except NumberRefused as refused:
            self.data = valuelist[0]  # typed, so "required" does not also complain
            if self.not_a_number and not refused.unclear:
                raise ValueError(self.not_a_number) from None
            raise ValueError(str(refused)) from None

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None or self.data == "":
            return ""
        try:
            return format_quantity(Decimal(str(self.data)))
        except InvalidOperation:
            return str(self.data)


class RupiahField(NumberField):
    """Whole Rupiah typed the Indonesian way (``150.000``, ``Rp 150.000,-``)."""

    def _parse(self, text: str) -> str:
        amount = parse_rupiah(text)
        return "" if amount is None else str(amount)
