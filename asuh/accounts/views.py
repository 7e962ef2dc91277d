"""Sign-in, sign-out, own password, and the admin's user pages."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from asuh.accounts import services
from asuh.accounts.forms import (
    ChangePasswordForm,
    LoginForm,
    UserActivateForm,
    UserCreateForm,
    UserDeactivateForm,
    UserRoleForm,
)
from asuh.accounts.models import User
from asuh.accounts.throttle import note_failure, throttled
from asuh.errors import ValidationFailed
from asuh.extensions import db
from asuh.forms import attach_errors, button_action
from asuh.permissions import Permission, Role, public, requires
from asuh.regions.services import assigned_kelurahan_names

bp = Blueprint("accounts", __name__)


def _safe_next(target: str | None) -> str | None:
    # Only same-site paths: an absolute URL here would make the login an open redirect.
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@public
@throttled
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.sign_in(form.email.data, form.password.data, "web",
                                client=request.remote_addr,
                                user_agent=request.user_agent.string)
        if user is None:
            note_failure()
            form.password.errors.append("Email atau kata sandi salah, atau akun tidak aktif.")
        else:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")) or url_for("home.index"))
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@requires(Permission.SIGNED_IN)
def logout():
    services.sign_out(current_user._get_current_object())
    logout_user()
    flash("Anda telah keluar.", "info")
    return redirect(url_for("accounts.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@requires(Permission.SIGNED_IN)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            services.change_password(user, form.current_password.data, form.new_password.data,
                                     reopen="web")
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            login_user(user)
            flash("Kata sandi diganti. Sesi di perangkat lain telah diakhiri.", "success")
            return redirect(url_for("home.index"))
    return render_template("accounts/password.html", form=form)


@bp.route("/admin/users")
@requires(Permission.VIEW_USERS)
def users():
    role = request.args.get("role") or None
    if role not in {r.value for r in Role}:
        role = None
    query = request.args.get("q", "").strip()
    page = services.list_users(request.args.get("page", 1, type=int), role=role, query=query)
    return render_template("accounts/users.html", page=page, role=role, query=query)


@bp.route("/admin/users/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_USERS)
def create_user():
    form = UserCreateForm()
    if form.validate_on_submit():
        try:
            user = services.create_user(
                form.email.data, form.password.data, form.role.data, form.name.data,
                actor=current_user,
            )
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            flash(f"Pengguna {user.email} dibuat.", "success")
            return redirect(url_for("accounts.user_detail", user_id=user.id))
    return render_template("accounts/user_new.html", form=form)


@bp.route("/admin/users/<int:user_id>")
@requires(Permission.VIEW_USERS)
def user_detail(user_id: int):
    user = db.get_or_404(User, user_id)
    return render_template(
        "accounts/user_detail.html",
        user=user,
        work_areas=assigned_kelurahan_names(user) if user.role == Role.FIELD else [],
        role_form=UserRoleForm(role=user.role),
        deactivate_form=UserDeactivateForm(),
        activate_form=UserActivateForm(),
    )


def _admin_action(user_id: int, form, action):
    user = db.get_or_404(User, user_id)
    return button_action(form, action, user, url_for("accounts.user_detail", user_id=user.id))


@bp.route("/admin/users/<int:user_id>/role", methods=["POST"])
@requires(Permission.MANAGE_USERS)
def change_role(user_id: int):
    form = UserRoleForm()

    def action(user):
        services.change_role(user, form.role.data, actor=current_user)
        return f"Peran {user.email} sekarang {user.role_label}."

    return _admin_action(user_id, form, action)


@bp.route("/admin/users/<int:user_id>/deactivate", methods=["POST"])
@requires(Permission.MANAGE_USERS)
def deactivate_user(user_id: int):
    form = UserDeactivateForm()

    def action(user):
        services.set_active(user, False, form.reason.data, actor=current_user)
        return f"Akun {user.email} dinonaktifkan."

    return _admin_action(user_id, form, action)


@bp.route("/admin/users/<int:user_id>/activate", methods=["POST"])
@requires(Permission.MANAGE_USERS)
def activate_user(user_id: int):
    form = UserActivateForm()

    def action(user):
        services.set_active(user, True, actor=current_user)
        return f"Akun {user.email} diaktifkan kembali."

    return _admin_action(user_id, form, action)
