"""Forms for signing in, passwords and user administration."""

from wtforms import EmailField, PasswordField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from asuh.forms import FlaskForm
from asuh.permissions import ROLE_LABELS

ROLE_CHOICES = [SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()]


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired("Email wajib diisi.")])
    password = PasswordField("Kata sandi", validators=[DataRequired("Kata sandi wajib diisi.")])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Kata sandi saat ini", validators=[DataRequired("Kata sandi saat ini wajib diisi.")]
    )
    new_password = PasswordField(
        "Kata sandi baru",
        validators=[DataRequired("Kata sandi baru wajib diisi."),
                    Length(min=10, message="Kata sandi minimal 10 karakter.")],
    )
    confirm_password = PasswordField(
        "Ulangi kata sandi baru",
        validators=[EqualTo("new_password", message="Kedua kata sandi baru tidak sama.")],
    )


class UserCreateForm(FlaskForm):
    name = StringField("Nama", validators=[DataRequired("Nama wajib diisi."), Length(max=120)])
    email = EmailField(
        "Email", validators=[DataRequired("Email wajib diisi."), Email("Email tidak valid.")]
    )
    role = SelectField("Peran", choices=ROLE_CHOICES)
    password = PasswordField(
        "Kata sandi awal",
        validators=[DataRequired("Kata sandi wajib diisi."),
                    Length(min=10, message="Kata sandi minimal 10 karakter.")],
    )


class UserRoleForm(FlaskForm):
    role = SelectField("Peran", choices=ROLE_CHOICES)


class UserDeactivateForm(FlaskForm):
    reason = TextAreaField(
        "Alasan penonaktifan",
        validators=[DataRequired("Alasan wajib diisi."), Length(max=500)],
    )


class UserActivateForm(FlaskForm):
    pass
