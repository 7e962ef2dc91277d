"""Sponsors pages for officers, admins and auditors: list, detail, register, approve,
edit, withdraw. The sponsor's own pages (registration, invitation, profile) are in
``selfservice.py`` on the same blueprint."""

from urllib.parse import quote

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
from flask_login import current_user

from asuh.accounts import resets
from asuh.accounts.models import User
from asuh.accounts.views import remember_reset_link, reset_link_to_show
from asuh.errors import ValidationFailed
from asuh.extensions import db
from asuh.forms import attach_errors, button_action
from asuh.permissions import Permission, requires
from asuh.regions import services as regions
from asuh.regions.choices import kelurahan_select_choices
from asuh.regions.scopes import scope_of
from asuh.sponsors import capacity, registrations, scoping, services
from asuh.sponsors.forms import (
    ActionForm,
    CapacityDecisionForm,
    RejectForm,
    SponsorEditForm,
    SponsorForm,
    WithdrawForm,
)
from asuh.sponsors.models import SPONSOR_KINDS, Sponsor
from asuh.sponsors.validation import whatsapp_number

bp = Blueprint("sponsors", __name__)

IDENTITY_FIELDS = ("kind", "name", "nip", "nik", "is_pppk", "agency", "rank", "phone",
                   "address", "kelurahan_code", "capacity")
# The invitation link is shown once, on the page the officer lands on after saving.
_INVITATION_KEY = "sponsor_invitation"


def form_fields(form, names=IDENTITY_FIELDS) -> dict:
    return {name: getattr(form, name).data for name in names if hasattr(form, name)}


def _get_sponsor(sponsor_id: int) -> Sponsor:
    """The sponsor, if in the user's scope: another city's sponsor does not exist here."""
    sponsor = db.get_or_404(Sponsor, sponsor_id)
    if not scoping.in_scope(current_user, sponsor):
        abort(404)
    return sponsor


def _scoped(form):
    """An officer registers sponsors living in their own kabupaten/kota (or province)."""
    form.kelurahan_code.choices = kelurahan_select_choices(
        regions=regions.kelurahan_list(scope=scope_of(current_user)))
    return form


def _remember_invitation(sponsor: Sponsor, token: str) -> None:
    session[_INVITATION_KEY] = {"sponsor_id": sponsor.id, "token": token}


def _invitation_to_show(sponsor: Sponsor) -> dict | None:
    stored = session.get(_INVITATION_KEY)
    if not stored or stored.get("sponsor_id") != sponsor.id:
        return None
    session.pop(_INVITATION_KEY)
    url = url_for("sponsors.invitation", token=stored["token"], _external=True)
    message = (f"Yth. {sponsor.name}, Anda terdaftar sebagai Bapak/Bunda Asuh Anak Stunting. "
               f"Buat kata sandi akun Asuh Anda di: {url}")
    return {"url": url,
            "whatsapp": f"https://wa.me/{whatsapp_number(sponsor.phone)}?text={quote(message)}"}


@bp.route("/sponsors")
@requires(Permission.VIEW_SPONSORS)
def index():
    filters = services.parse_list_filters(request.args)
    page = db.paginate(services.search_filtered(filters, current_user),
                       page=request.args.get("page", 1, type=int), per_page=25,
                       error_out=False)
    return render_template(
        "sponsors/index.html", page=page, filters=filters, kinds=SPONSOR_KINDS,
        kecamatan=regions.kecamatan_list(scope_of(current_user)),
        full_ids=services.sees_identifiers(current_user),
    )


@bp.route("/sponsors/new", methods=["GET", "POST"])
@requires(Permission.EDIT_SPONSORS)
def create():
    form = _scoped(SponsorForm())
    if form.validate_on_submit():
        try:
            sponsor = services.register_by_officer(
                actor=current_user, email=form.email.data, **form_fields(form))
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            token = services.invitation_token(sponsor)
            if token:
                _remember_invitation(sponsor, token)
                flash(f"{sponsor.name} terdaftar dan langsung disetujui. Kirim tautan "
                      "undangan di bawah agar ia dapat membuat kata sandi.", "success")
            else:
                flash(f"{sponsor.name} terdaftar, disetujui, dan ditautkan ke akun yang sudah "
                      "ada dengan email itu.", "success")
            return redirect(url_for("sponsors.detail", sponsor_id=sponsor.id))
    return render_template("sponsors/form.html", form=form, sponsor=None)


@bp.route("/sponsors/<int:sponsor_id>")
@requires(Permission.VIEW_SPONSORS)
def detail(sponsor_id: int):
    sponsor = _get_sponsor(sponsor_id)
    approved_by = db.session.get(User, sponsor.approved_by_id) if sponsor.approved_by_id else None
    account = db.session.get(User, sponsor.user_id) if sponsor.user_id else None
    rejected_by = db.session.get(User, sponsor.rejected_by_id) if sponsor.rejected_by_id else None
    return render_template(
        "sponsors/detail.html", sponsor=sponsor, approved_by=approved_by, account=account,
        rejected_by=rejected_by, reject_form=RejectForm(),
        invitation_pending=services.pending_invitation(sponsor),
        actions=services.actions_open(current_user, sponsor),
        invitation=_invitation_to_show(sponsor),
        reset_link=reset_link_to_show(account,
                                      whatsapp_number=whatsapp_number(sponsor.phone)),
        may_reset=(account is not None and account.active
                   and not services.pending_invitation(sponsor)
                   and resets.may_issue_reset(current_user, account)),
        full_ids=services.sees_identifiers(current_user),
        action_form=ActionForm(), withdraw_form=WithdrawForm(),
        capacity_request=capacity.pending_request(sponsor.id),
        capacity_form=CapacityDecisionForm(),
    )


@bp.route("/sponsors/<int:sponsor_id>/edit", methods=["GET", "POST"])
@requires(Permission.EDIT_SPONSORS)
def edit(sponsor_id: int):
    sponsor = _get_sponsor(sponsor_id)
    form = _scoped(SponsorEditForm(obj=sponsor))
    if form.validate_on_submit():
        try:
            services.update_sponsor(sponsor, actor=current_user, **form_fields(form))
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            flash("Perubahan disimpan.", "success")
            return redirect(url_for("sponsors.detail", sponsor_id=sponsor.id))
    return render_template("sponsors/form.html", form=form, sponsor=sponsor)


def _action(sponsor_id: int, form, action):
    """Run a button's action on the sponsor and go back to its page with the outcome."""
    sponsor = _get_sponsor(sponsor_id)
    return button_action(form, action, sponsor, url_for("sponsors.detail", sponsor_id=sponsor_id))


@bp.route("/sponsors/<int:sponsor_id>/approve", methods=["POST"])
@requires(Permission.APPROVE_SPONSORS)
def approve(sponsor_id: int):
    def action(sponsor):
        changed = services.approve_sponsor(sponsor, actor=current_user)
        return (f"{sponsor.name} disetujui sebagai Bapak/Bunda Asuh." if changed
                else f"{sponsor.name} sudah disetujui sebelumnya.")

    return _action(sponsor_id, ActionForm(), action)


@bp.route("/sponsors/<int:sponsor_id>/reject", methods=["POST"])
@requires(Permission.APPROVE_SPONSORS)
def reject(sponsor_id: int):
    form = RejectForm()

    def action(sponsor):
        changed = registrations.reject_registration(sponsor, form.reason.data,
                                                    actor=current_user)
        return (f"Pendaftaran {sponsor.name} ditolak." if changed
                else f"Pendaftaran {sponsor.name} sudah ditolak sebelumnya.")

    return _action(sponsor_id, form, action)


@bp.route("/sponsors/<int:sponsor_id>/withdraw", methods=["POST"])
@requires(Permission.EDIT_SPONSORS)
def withdraw(sponsor_id: int):
    form = WithdrawForm()

    def action(sponsor):
        services.withdraw_sponsor(sponsor, form.reason.data, actor=current_user)
        return f"{sponsor.name} dicatat mengundurkan diri."

    return _action(sponsor_id, form, action)


@bp.route("/sponsors/<int:sponsor_id>/invitation", methods=["POST"])
@requires(Permission.EDIT_SPONSORS)
def reissue_invitation(sponsor_id: int):
    def action(sponsor):
        _remember_invitation(sponsor, services.reissue_invitation(sponsor, actor=current_user))
        return "Tautan undangan baru dibuat; tautan lama tidak berlaku lagi."

    return _action(sponsor_id, ActionForm(), action)



@bp.route("/sponsors/<int:sponsor_id>/password-reset", methods=["POST"])
@requires(Permission.EDIT_SPONSORS)
def issue_password_reset(sponsor_id: int):
    def action(sponsor):
        account = db.session.get(User, sponsor.user_id) if sponsor.user_id else None
        remember_reset_link(account, resets.issue_reset_link(account, actor=current_user))
        return "Tautan atur ulang kata sandi dibuat; kirimkan kepada pemilik akun."

    return _action(sponsor_id, ActionForm(), action)


@bp.route("/sponsors/<int:sponsor_id>/capacity", methods=["POST"])
@requires(Permission.APPROVE_SPONSORS)
def decide_capacity(sponsor_id: int):
    form = CapacityDecisionForm()

    def action(sponsor):
        approve = form.decision.data == "approve"
        request_ = capacity.decide_capacity(sponsor, approve=approve,
                                            reason=form.reason.data, actor=current_user)
        if approve:
            return f"Kesediaan {sponsor.name} kini {request_.requested} anak."
        return f"Permintaan kesediaan {request_.requested} anak ditolak."

    return _action(sponsor_id, form, action)
