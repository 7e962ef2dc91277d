"""The sponsor's own pages: sign up, set a password from an invitation, own profile."""

from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from asuh.accounts.views import one_time_link_page
from asuh.errors import ValidationFailed
from asuh.extensions import limiter
from asuh.forms import attach_errors
from asuh.permissions import Permission, public, requires
from asuh.sponsors import capacity, invitations, services, signup
from asuh.sponsors.forms import InvitationForm, OwnProfileForm, RegistrationForm
from asuh.sponsors.views import bp, form_fields


def _registration_limit() -> str:
    return current_app.config["SPONSOR_REGISTRATION_LIMIT"]


@bp.route("/register", methods=["GET", "POST"])
@public
@limiter.limit(_registration_limit, methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = RegistrationForm()
    if form.validate_on_submit():
        try:
            signup.sign_up(form.password.data, email=form.email.data, **form_fields(form))
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            # The same page whether the registration was new or its email or NIK/NIP
            # already known (the owner is told): not signed in at once, which would say.
            return render_template("sponsors/registered.html", email=form.email.data)
    return render_template("sponsors/register.html", form=form)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@public
def invitation(token: str):
    return one_time_link_page(
        token, user_for=invitations.user_for_token, set_password=invitations.accept,
        form=InvitationForm(), template="sponsors/invitation.html",
        done="Kata sandi disimpan. Silakan masuk dengan email dan kata sandi baru Anda.")


@bp.route("/me/sponsor", methods=["GET", "POST"])
@requires(Permission.OWN_SPONSORSHIP)
def own_profile():
    sponsor = services.sponsor_for_user(current_user)
    if sponsor is None:
        return render_template("sponsors/own.html", sponsor=None, form=None)
    form = OwnProfileForm(obj=sponsor)
    asked = capacity.pending_request(sponsor.id)
    if asked is not None and not form.is_submitted():
        # The form shows what was asked for: saving the phone must not cancel the request.
        form.capacity.data = str(asked.requested)
    if form.validate_on_submit():
        try:
            services.update_own_profile(sponsor, phone=form.phone.data,
                                        address=form.address.data,
                                        capacity=form.capacity.data, actor=current_user)
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            pending = capacity.pending_request(sponsor.id)
            flash("Profil disimpan." + (
                f" Perubahan kesediaan menjadi {pending.requested} anak menunggu persetujuan "
                "petugas." if pending else ""), "success")
            return redirect(url_for("sponsors.own_profile"))
    return render_template("sponsors/own.html", sponsor=sponsor, form=form,
                           full_ids=services.sees_identifiers(current_user),
                           capacity_request=asked)
