"""Forms for signing in, passwords and user administration."""

from wtforms import (
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length

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
    # Choices are the admin's own scope and what lies in it (asuh.accounts.scoping).
    scope_code = SelectField("Wilayah kerja (kabupaten/kota atau provinsi)", choices=[],
                             validate_choice=False)
    password = PasswordField(
        "Kata sandi awal",
        validators=[DataRequired("Kata sandi wajib diisi."),
                    Length(min=10, message="Kata sandi minimal 10 karakter.")],
    )


class UserRoleForm(FlaskForm):
    role = SelectField("Peran", choices=ROLE_CHOICES)


class UserScopeForm(FlaskForm):
    """Move an account to another scope; asked twice (``confirmed`` on the second
    post, after the page has said what the user will see)."""

    # Choices: what the admin may hand out (asuh.accounts.scoping.scope_choices).
    scope_code = SelectField("Wilayah kerja baru", choices=[], validate_choice=False)
    # A field user's kelurahan/desa in the new scope (the service checks them).
    kelurahan = SelectMultipleField("Kelurahan/desa kerja baru", choices=[],
                                    validate_choice=False)
    confirmed = HiddenField()


class UserDeactivateForm(FlaskForm):
    reason = TextAreaField(
        "Alasan penonaktifan",
        validators=[DataRequired("Alasan wajib diisi."), Length(max=500)],
    )


class UserActivateForm(FlaskForm):
    pass


class NewPasswordForm(FlaskForm):
    """A new password from a reset link (the policy itself is the service's)."""

    password = PasswordField(
        "Kata sandi baru",
        validators=[DataRequired("Kata sandi wajib diisi.")],
        render_kw={"autocomplete": "new-password"},
    )
    confirm_password = PasswordField(
        "Ulangi kata sandi baru",
        validators=[EqualTo("password", message="Kedua kata sandi tidak sama.")],
        render_kw={"autocomplete": "new-password"},
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired("Email wajib diisi.")])


class ConfirmForm(FlaskForm):
    """A button that changes something: only its CSRF token."""


class TokenRevokeForm(FlaskForm):
    # Rendered by hand as a hidden input, one form per token (accounts/_tokens.html).
    token_id = IntegerField(validators=[InputRequired("Token tidak dikenal.")])
