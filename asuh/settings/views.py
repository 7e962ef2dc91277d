"""The admin's settings page (auditors may read it)."""

import base64

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from asuh.errors import ValidationFailed
from asuh.forms import attach_errors
from asuh.images import clean_image
from asuh.permissions import Permission, requires
from asuh.settings import services
from asuh.settings.forms import SettingsForm

bp = Blueprint("settings", __name__, url_prefix="/admin/settings")

FORM_KEYS = ("head_title", "head_name", "head_nip", "commitment_months",
             "letter_number_pattern", "public_min_group_size") + services.LETTERHEAD_KEYS


@bp.route("")
@requires(Permission.VIEW_SETTINGS)
def show():
    values = services.get_all()
    form = SettingsForm(data={k: values[k] for k in FORM_KEYS})
    return render_template("settings/edit.html", form=form, values=values)


@bp.route("", methods=["POST"])
@requires(Permission.MANAGE_SETTINGS)
def update():
    form = SettingsForm()
    if form.validate_on_submit():
        changes = {k: getattr(form, k).data for k in FORM_KEYS}
        changes = {k: v.strip() if isinstance(v, str) else v for k, v in changes.items()
                   if v is not None}
        try:
            if form.logo.data:
                logo = clean_image(form.logo.data.read(), field="logo", max_bytes=1_048_576,
                                   max_side=600)
                changes["logo_data_uri"] = (f"data:{logo.content_type};base64,"
                                            + base64.b64encode(logo.data).decode())
            changed = services.update(changes, actor=current_user)
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            flash("Pengaturan disimpan." if changed else "Tidak ada perubahan.", "success")
            return redirect(url_for("settings.show"))
    return render_template("settings/edit.html", form=form, values=services.get_all())
