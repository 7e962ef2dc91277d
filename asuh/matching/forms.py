"""Matching forms: they carry input only; the services judge it (dates, states, capacity)."""


from wtforms import HiddenField, RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from asuh import timeutil
from asuh.children.forms import IndonesianDateField
from asuh.forms import FlaskForm
from asuh.matching.models import END_REASONS

REASON_CHOICES = [SelectChoice("", "— pilih alasan —")] + [
    SelectChoice(value, label) for value, label in END_REASONS.items()]


class MatchForm(FlaskForm):
    # The suggestions fill the choices; the choice is not validated against them because
    # a sponsor may fill up between page and post — the service says so, in words.
    sponsor_id = RadioField("Bapak/Bunda Asuh", coerce=int, validate_choice=False,
                            validators=[DataRequired("Pilih Bapak/Bunda Asuh.")])
    start_date = IndonesianDateField("Tanggal mulai", default=timeutil.today,
                                     validators=[DataRequired("Tanggal mulai wajib diisi.")])
    end_date = IndonesianDateField("Rencana tanggal selesai", validators=[Optional()])
    note = TextAreaField("Catatan", validators=[Optional(), Length(max=500)],
                         render_kw={"rows": 2})


class EndMatchForm(FlaskForm):
    reason = SelectField("Alasan berakhir", choices=REASON_CHOICES)
    ended_on = IndonesianDateField("Tanggal berakhir", default=timeutil.today,
                                   validators=[DataRequired("Tanggal berakhir wajib diisi.")])
    note = TextAreaField("Keterangan", validators=[Optional(), Length(max=500)],
                         render_kw={"rows": 2})


class ConfirmAutoMatchForm(FlaskForm):
    """The token of the proposal kept on the server (see previews.py)."""

    token = HiddenField(validators=[DataRequired("Usulan tidak ditemukan; buat usulan baru.")])
