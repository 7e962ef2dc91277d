"""Region pages: the list of kecamatan and kelurahan, and field users' work areas."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice, SelectMultipleField

from asuh.accounts.models import User
from asuh.accounts.scoping import manages
from asuh.errors import ValidationFailed
from asuh.extensions import db
from asuh.forms import FlaskForm, attach_errors
from asuh.permissions import Permission, Role, requires
from asuh.regions import services
from asuh.regions.choices import by_kecamatan
from asuh.regions.scopes import scope_of

bp = Blueprint("regions", __name__)


class FieldAssignmentForm(FlaskForm):
    kelurahan = SelectMultipleField("Kelurahan/desa wilayah kerja")


# The region list is the registry's reference, offered in the menu with the children;
# sponsors work in their own pages and have no use for it.
@bp.route("/regions")
@requires(Permission.VIEW_CHILDREN)
def index():
    scope = scope_of(current_user)
    kecamatan = services.kecamatan_list(scope)
    kelurahan = services.kelurahan_list(scope=scope)
    by_kecamatan = {k.code: [v for v in kelurahan if v.parent_code == k.code] for k in kecamatan}
    return render_template("regions/index.html", kecamatan=kecamatan, by_kecamatan=by_kecamatan)


@bp.route("/admin/users/<int:user_id>/kelurahan", methods=["GET", "POST"])
@requires(Permission.MANAGE_USERS)
def field_assignment(user_id: int):
    user = db.get_or_404(User, user_id)
    if not manages(current_user, user):
        abort(404)
    if user.role != Role.FIELD:
        flash("Wilayah kerja hanya untuk petugas lapangan.", "error")
        return redirect(url_for("accounts.user_detail", user_id=user.id))
    form = FieldAssignmentForm()
    form.kelurahan.choices = [SelectChoice(c, label) for c, label in
                              services.kelurahan_choices(scope_of(user))]
    if request.method == "GET":
        form.kelurahan.data = services.assigned_kelurahan(user)
    elif form.validate_on_submit():
        try:
            services.assign_kelurahan(user, form.kelurahan.data or [], actor=current_user)
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            flash(f"Wilayah kerja {user.name} disimpan.", "success")
            return redirect(url_for("accounts.user_detail", user_id=user.id))
    return render_template("regions/field_assignment.html", user=user, form=form,
                           groups=by_kecamatan(services.kelurahan_list(scope=scope_of(user))),
                           chosen=set(form.kelurahan.data or []))
