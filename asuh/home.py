"""The landing page each role sees after signing in."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from asuh.permissions import Permission, Role, public, requires

bp = Blueprint("home", __name__)

# Where each role starts its day; roles not named here get the overview page.
LANDING = {
    Role.SPONSOR: "matching.own_children",
}


@bp.route("/")
@public
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login"))
    return redirect(url_for("home.dashboard"))


@bp.route("/home")
@requires(Permission.SIGNED_IN)
def dashboard():
    landing = LANDING.get(Role(current_user.role))
    if landing:
        return redirect(url_for(landing))
    return render_template("home.html")
