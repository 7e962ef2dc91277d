"""Sign-in, sign-out, own password, and the admin's user pages."""

from urllib.parse import quote, urlsplit

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user

from asuh.accounts import rescope, resets, services
from asuh.accounts.forms import (
    ChangePasswordForm,
    ConfirmForm,
    ForgotPasswordForm,
    LoginForm,
    NewPasswordForm,
    TokenRevokeForm,
    UserActivateForm,
    UserCreateForm,
    UserDeactivateForm,
    UserRoleForm,
    UserScopeForm,
)
from asuh.accounts.models import User
from asuh.accounts.scoping import manages, scope_choices
from asuh.accounts.throttle import SignInLocked, throttled
from asuh.errors import ValidationFailed
from asuh.extensions import db
from asuh.forms import attach_errors, button_action
from asuh.permissions import Permission, Role, public, requires
from asuh.regions.choices import by_kecamatan
from asuh.regions.scopes import scope_label, scope_of, scope_region, within
from asuh.regions.services import assigned_kelurahan_names, kelurahan_list

bp = Blueprint("accounts", __name__)
# A reset link is shown once, on the page the officer or admin lands on after making it.
_RESET_KEY = "password_reset_link"


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
        try:
            user = services.sign_in(form.email.data, form.password.data, "web",
                                    client=request.remote_addr,
                                    user_agent=request.user_agent.string)
        except SignInLocked as locked:
            return render_template("accounts/login.html", form=form, locked=str(locked)), 429
        if user is None:
            form.password.errors.append("Email atau kata sandi salah, atau akun tidak aktif.")
        else:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")) or url_for("home.index"))
    return render_template("accounts/login.html", form=form)


@bp.route("/forgot-password", methods=["GET", "POST"])
@public
@throttled
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        resets.request_password_reset_email(form.email.data)
        # The same answer for every email: the page must not tell who has an account.
        return render_template("accounts/forgot.html", form=None, sent=True)
    return render_template("accounts/forgot.html", form=form, sent=False)


def one_time_link_page(token: str, *, user_for, set_password, form, template: str,
                       done: str):
    """A page that sets a password from a one-time link (``asuh.accounts.links``): a
    password reset here, a sponsor's invitation in the sponsors area. A dead link is a
    plain error page; a refused password keeps the page with its message."""
    try:
        user = user_for(token)
    except ValidationFailed as failure:
        return render_template("errors/error.html", code=failure.status,
                               title="Tautan tidak berlaku", message=str(failure)), failure.status
    if form.validate_on_submit():
        try:
            set_password(token, form.password.data)
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            flash(done, "success")
            return redirect(url_for("accounts.login"))
    return render_template(template, form=form, user=user)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    return one_time_link_page(
        token, user_for=resets.user_for_reset_token, set_password=resets.reset_password,
        form=NewPasswordForm(), template="accounts/reset.html",
        done="Kata sandi baru disimpan, dan semua sesi lama diakhiri. Silakan masuk.")


def remember_reset_link(user: User, token: str) -> None:
    """Keep a reset token made by an officer/admin for the next page to show once."""
    session[_RESET_KEY] = {"user_id": user.id, "token": token}


def reset_link_to_show(user: User | None, *, whatsapp_number: str | None = None) -> dict | None:
    """The reset link made for ``user`` on the previous request, with a WhatsApp share
    link (to ``whatsapp_number``, else for the officer to pick the contact); shown once."""
    stored = session.get(_RESET_KEY)
    if user is None or not stored or stored.get("user_id") != user.id:
        return None
    session.pop(_RESET_KEY)
    url = url_for("accounts.reset_password", token=stored["token"], _external=True)
    message = (f"Yth. {user.name}, atur ulang kata sandi akun Asuh Anda ({user.email}) "
               f"lewat tautan ini: {url}")
    return {"url": url, "hours": resets.LINK.lifetime_hours(),
            "whatsapp": f"https://wa.me/{whatsapp_number or ''}?text={quote(message)}"}


@bp.route("/account")
@requires(Permission.SIGNED_IN)
def profile():
    user = current_user._get_current_object()
    return render_template("accounts/profile.html", user=user,
                           tokens=services.own_tokens(user), revoke_form=TokenRevokeForm())


@bp.route("/account/tokens/revoke", methods=["POST"])
@requires(Permission.SIGNED_IN)
def revoke_token():
    form = TokenRevokeForm()

    def action(user):
        services.revoke_token(user, form.token_id.data)
        return "Token API dicabut; aplikasi yang memakainya harus masuk lagi."

    return button_action(form, action, current_user._get_current_object(),
                         url_for("accounts.profile"))


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
    page = services.list_users(request.args.get("page", 1, type=int), role=role, query=query,
                               actor=current_user)
    return render_template("accounts/users.html", page=page, role=role, query=query)


@bp.route("/admin/users/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_USERS)
def create_user():
    form = UserCreateForm()
    form.scope_code.choices = scope_choices(current_user)
    if form.validate_on_submit():
        try:
            user = services.create_user(
                form.email.data, form.password.data, form.role.data, form.name.data,
                actor=current_user, scope=form.scope_code.data or None,
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
    user = _user_in_scope(user_id)
    return render_template(
        "accounts/user_detail.html",
        user=user,
        work_areas=assigned_kelurahan_names(user) if user.role == Role.FIELD else [],
        role_form=UserRoleForm(role=user.role),
        deactivate_form=UserDeactivateForm(),
        activate_form=UserActivateForm(),
        reset_form=ConfirmForm(),
        may_reset=resets.may_issue_reset(current_user, user) and user.active,
        reset_link=reset_link_to_show(user),
        scope_label=scope_label(user.scope_code),
    )


def _user_in_scope(user_id: int) -> User:
    """The account, if the signed-in admin's scope covers it: another city's accounts do
    not exist for a city admin (404)."""
    user = db.get_or_404(User, user_id)
    if not manages(current_user, user):
        abort(404)
    return user


def _admin_action(user_id: int, form, action):
    user = _user_in_scope(user_id)
    return button_action(form, action, user, url_for("accounts.user_detail", user_id=user.id))


@bp.route("/admin/users/<int:user_id>/role", methods=["POST"])
@requires(Permission.MANAGE_USERS)
def change_role(user_id: int):
    form = UserRoleForm()

    def action(user):
        services.change_role(user, form.role.data, actor=current_user)
        return f"Peran {user.email} sekarang {user.role_label}."

    return _admin_action(user_id, form, action)


@bp.route("/admin/users/<int:user_id>/scope", methods=["GET", "POST"])
@requires(Permission.MANAGE_USERS)
def change_scope(user_id: int):
    """Move the account to another scope: the form, then a page saying what the user
    will see after the move, then the move (``asuh.accounts.rescope``)."""
    user = _user_in_scope(user_id)
    form = UserScopeForm()
    form.scope_code.choices = scope_choices(current_user)
    if request.method == "GET":
        form.scope_code.data = user.scope_code or ""
    plan = None
    if user.role != Role.SPONSOR and form.validate_on_submit():
        kelurahan = form.kelurahan.data if user.role == Role.FIELD else None
        try:
            if form.confirmed.data == "1":
                changed = rescope.change_scope(user, form.scope_code.data or None,
                                               actor=current_user, kelurahan=kelurahan)
                flash(f"Wilayah kerja {user.name} sekarang {scope_label(user.scope_code)}."
                      if changed else "Wilayah kerja tidak berubah.",
                      "success" if changed else "info")
                return redirect(url_for("accounts.user_detail", user_id=user.id))
            plan = rescope.plan_scope_change(user, form.scope_code.data or None,
                                             actor=current_user, kelurahan=kelurahan)
        except ValidationFailed as failure:
            attach_errors(form, failure)
    return render_template("accounts/user_scope.html", user=user, form=form, plan=plan,
                           scope_label=scope_label(user.scope_code),
                           work_areas=(assigned_kelurahan_names(user)
                                       if user.role == Role.FIELD else []),
                           groups=_kelurahan_groups(user, form.scope_code.data),
                           chosen=set(form.kelurahan.data or []))


def _kelurahan_groups(user: User, code: str | None):
    """A field user's kelurahan to pick from: those of the scope being chosen (what the
    admin typed, when it is a region the admin reaches), else of the present one."""
    if user.role != Role.FIELD:
        return []
    actor_scope = scope_of(current_user)
    scope = code if code and scope_region(code) is not None else user.scope_code
    if not within(actor_scope, scope):
        scope = actor_scope
    return by_kecamatan(kelurahan_list(scope=scope))


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


@bp.route("/admin/users/<int:user_id>/password-reset", methods=["POST"])
@requires(Permission.MANAGE_USERS)
def issue_password_reset(user_id: int):
    def action(user):
        remember_reset_link(user, resets.issue_reset_link(user, actor=current_user))
        return "Tautan atur ulang kata sandi dibuat; kirimkan kepada pemilik akun."

    return _admin_action(user_id, ConfirmForm(), action)
