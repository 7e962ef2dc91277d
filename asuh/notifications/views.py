"""The Pemberitahuan page: each user switches their own notifications on and off."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from asuh.notifications import preferences as prefs
from asuh.permissions import Permission, requires

bp = Blueprint("notifications", __name__)


def preferences_context(user) -> dict:
    """What ``notifications/_preferences.html`` needs; a profile page that includes the
    partial passes this too."""
    off = prefs.switched_off(user.id)
    return {"notification_kinds": [(kind, kind.code not in off)
                                   for kind in prefs.kinds_for(user)]}


@bp.route("/account/notifications", methods=["GET", "POST"])
@requires(Permission.SIGNED_IN)
def preferences():
    if request.method == "POST":
        changed = prefs.set_preferences(current_user, set(request.form.getlist("enabled")),
                                        actor=current_user)
        flash("Pengaturan pemberitahuan disimpan." if changed else "Tidak ada yang berubah.",
              "success")
        return redirect(url_for("notifications.preferences"))
    return render_template("notifications/preferences.html", **preferences_context(current_user))
